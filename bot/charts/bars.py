"""Every goal at once: a horizontal bar of percent done each, a marker where it should be by now,
and its state written beside it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.charts.pace import STATES, GoalState, Pace, pace_of
from bot.charts.series import Series
from bot.charts.style import (
    BLUE,
    FONT,
    GREEN,
    GREY,
    INK,
    ORANGE,
    VERMILLION,
    Chart,
    cached,
    figure,
    legend_below,
    png,
    say,
    short,
    style_axes,
    title,
)
from bot.core import i18n
from bot.core.i18n import _, tr

MOST = 10
CAP = 150.0  # percent: a goal far past its target does not squash the others
LOOK = {  # colour and hatch: the state reads without colour too
    GoalState.DONE: (BLUE, ""),
    GoalState.ON_TRACK: (GREEN, ""),
    GoalState.AT_RISK: (ORANGE, "//"),
    GoalState.OVERDUE: (VERMILLION, "xx"),
    GoalState.NO_DUE_DATE: (GREY, ""),
}


def status_chart(series: Sequence[Series], *, tz: str = "UTC", now: datetime | None = None) -> Chart:
    moment = (now or datetime.now(ZoneInfo("UTC"))).replace(second=0, microsecond=0)
    shown = list(series)[:MOST]
    key = ("status", tuple(s.key() for s in shown), tz, moment, i18n.current())
    return cached(key, lambda: _build(shown, tz, moment))


def _build(series: list[Series], tz: str, now: datetime) -> Chart:
    made, paces = status_figure(series, tz=tz, now=now)
    return Chart(png(made), status_alt(series, paces))


def status_figure(series: Sequence[Series], *, tz: str = "UTC", now: datetime) -> tuple[Figure, list[Pace]]:
    """Bars of percent done on an axis that fits them (0 to 100 %, further only for goals past their
    target, up to ``CAP``); each goal's name on the left and its state on the right, outside the
    bars; the legend under the plot."""
    shown = list(series)[:MOST]
    paces = [pace_of(s, now=now, tz=tz) for s in shown]
    made = figure(height=max(2.4, 1.5 + 0.5 * len(shown)))
    axes = made.subplots()
    style_axes(axes)
    axes.grid(axis="y", visible=False)
    title(axes, _("Goals: percent of target done"))
    if not shown:
        say(axes, _("No open goals"))
        axes.set_yticks([])
        return made, paces
    rows = list(range(len(shown)))[::-1]  # the first goal on top
    for row, pace in zip(rows, paces, strict=True):
        colour, hatch = LOOK[pace.state]
        axes.barh(row, 100 * min(pace.fraction, CAP / 100), height=0.6, color=colour, hatch=hatch, edgecolor=INK)
        if pace.expected is not None and pace.state in (GoalState.ON_TRACK, GoalState.AT_RISK, GoalState.OVERDUE):
            axes.plot([100 * pace.expected], [row], marker="|", markersize=22, markeredgewidth=3, color=INK)
    axes.set_yticks(rows, [short(s.label, 28) for s in shown])
    axes.set_ylim(-0.6, len(shown) - 0.4)
    top = max(100.0, *(min(100 * p.fraction, CAP) for p in paces))
    axes.set_xlim(0, top * 1.04)
    ticks = list(range(0, int(top) + 1, 25 if top <= 150 else 50))
    axes.set_xticks(ticks, [i18n.percent(t / 100) for t in ticks])
    axes.axvline(100, color=INK, linestyle="--", linewidth=1)
    words = axes.secondary_yaxis("right")
    words.set_yticks(rows, [_("{percent} · {state}", percent=i18n.percent(p.fraction), state=p.words()) for p in paces])
    words.tick_params(length=0, labelsize=FONT - 1, colors=INK)
    words.spines["right"].set_visible(False)
    legend = [
        Line2D(
            [],
            [],
            marker="|",
            linestyle="",
            markersize=14,
            markeredgewidth=3,
            color=INK,
            label=_("Where it should be by now"),
        ),
        *(
            Patch(facecolor=LOOK[state][0], hatch=LOOK[state][1], edgecolor=INK, label=tr(STATES[state]))
            for state in dict.fromkeys(p.state for p in paces)
        ),
    ]
    legend_below(made, legend, ncols=3)
    return made, paces


def status_alt(series: Sequence[Series], paces: Sequence[Pace]) -> str:
    if not series:
        return _("No open goals")
    lines = [
        _(
            "{goal}: {percent} of {target}, {state}.",
            goal=s.label,
            percent=i18n.percent(p.fraction),
            target=" ".join(filter(None, (i18n.number(s.target), s.unit))),
            state=p.words(),
        )
        for s, p in zip(series, paces, strict=True)
    ]
    return " ".join(lines)
