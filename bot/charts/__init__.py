"""Charts as one family: the goal burn-up and the status bars, in one style (matplotlib, headless).

Every chart is a :class:`Chart`: PNG bytes *and* alt text that says in words what the picture shows
(the state of each goal included, so a screen reader and the console get it too). Builders are pure
functions of what they show (``now`` included) and deterministic, so results are cached by that
(:mod:`bot.charts.style`); ``render`` runs one off the event loop with ``asyncio.to_thread``
(contextvars, so the language, follow the call). Dates on the axes are real calendar dates
labelled by Babel in the reader's language (:mod:`bot.charts.dates`).
"""

from __future__ import annotations

from bot.charts.bars import status_chart, status_figure
from bot.charts.burnup import burnup_chart, burnup_figure
from bot.charts.pace import STATES, GoalState, Pace, pace_of
from bot.charts.series import Series, cumulative
from bot.charts.style import Chart, render

progress_chart = burnup_chart  # the names the workflows used before the family
progress_overview = status_chart

__all__ = [
    "STATES",
    "Chart",
    "GoalState",
    "Pace",
    "Series",
    "burnup_chart",
    "burnup_figure",
    "cumulative",
    "pace_of",
    "progress_chart",
    "progress_overview",
    "render",
    "status_chart",
    "status_figure",
]
