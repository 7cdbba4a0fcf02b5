"""Charts as one family: every picture the bot draws — the goal burn-up, the status bars (also in
the check-in digest), the pledge resource map, the relationships network and the impact report's
panels — in one style (matplotlib, headless; :mod:`bot.charts.style`).

Every chart is a :class:`Chart`: PNG bytes *and* alt text that says in words what the picture shows
(the state of each goal included, so a screen reader and the console get it too). Builders are pure
functions of what they show (``now`` included) and deterministic, so results are cached by that
(:mod:`bot.charts.style`); ``render`` runs one off the event loop with ``asyncio.to_thread``
(contextvars, so the language, follow the call). Dates on the axes are real calendar dates
labelled by Babel in the reader's language (:mod:`bot.charts.dates`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Where each name lives. Nothing is imported until it is first used, so a process that has not drawn
# a chart yet has not loaded matplotlib (idle memory, issue 16): ``from bot.charts import Series``
# loads only what ``Series`` needs.
_HOMES = {
    "status_chart": "bars",
    "status_figure": "bars",
    "burnup_chart": "burnup",
    "burnup_figure": "burnup",
    "progress_chart": "burnup",
    "progress_overview": "bars",
    "STATES": "pace",
    "GoalState": "pace",
    "Pace": "pace",
    "pace_of": "pace",
    "too_early": "pace",
    "Series": "series",
    "cumulative": "series",
    "Bars": "panels",
    "Network": "panels",
    "Trend": "panels",
    "grouped_chart": "grouped",
    "network_chart": "impact",
    "report_chart": "impact",
    "Chart": "style",
    "render": "style",
}
_ALIASES = {"progress_chart": "burnup_chart", "progress_overview": "status_chart"}  # names used before the family


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.charts' has no attribute {name!r}")
    return getattr(import_module(f"bot.charts.{home}"), _ALIASES.get(name, name))


__all__ = [
    "STATES",
    "Bars",
    "Chart",
    "GoalState",
    "Network",
    "Pace",
    "Series",
    "Trend",
    "burnup_chart",
    "burnup_figure",
    "cumulative",
    "grouped_chart",
    "network_chart",
    "pace_of",
    "progress_chart",
    "progress_overview",
    "render",
    "report_chart",
    "status_chart",
    "status_figure",
    "too_early",
]
