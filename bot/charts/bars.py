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
from bot.charts.style import BLUE, FONT, GREEN, GREY, INK, ORANGE, VERMILLION, Chart, cached, figure, png, style_axes
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
    shown = list(series)[:MOST]
    paces = [pace_of(s, now=now, tz=tz) for s in shown]
    made = figure(height=max(3.0, 2.2 + 0.55 * len(shown)))
    axes = made.subplots()
    style_axes(axes)
    axes.grid(axis="y", visible=False)
    rows = list(range(len(shown)))[::-1]  # the first goal on top
    if not shown:
        axes.text(0.5, 0.5, _("No open goals"), ha="center", va="center", transform=axes.transAxes, color=GREY)
        axes.set_yticks([])
    for row, pace in zip(rows, paces, strict=True):
        colour, hatch = LOOK[pace.state]
        done = 100 * min(pace.fraction, CAP / 100)
        axes.barh(row, done, height=0.6, color=colour, hatch=hatch, edgecolor=INK, linewidth=0.5)
        words = _("{percent} · {state}", percent=i18n.percent(pace.fraction), state=pace.words())
        beside = max(done, 100 * (pace.expected or 0)) + 3
        axes.text(beside, row, words, va="center", fontsize=FONT - 1, color=INK)
        if pace.expected is not None and pace.state in (GoalState.ON_TRACK, GoalState.AT_RISK, GoalState.OVERDUE):
            axes.plot([100 * pace.expected], [row], marker="|", markersize=22, markeredgewidth=3, color=INK)
    axes.set_yticks(rows, [_short(s.label, 28) for s in shown])
    axes.set_xlim(0, CAP + 45)
    ticks = [0, 25, 50, 75, 100, 125, 150]
    axes.set_xticks(ticks, [i18n.percent(t / 100) for t in ticks])
    axes.axvline(100, color=INK, linestyle="--", linewidth=1)
    axes.set_ylim(-0.7, max(len(shown), 1) - 0.3)
    axes.set_title(_("Goals: percent of target done"), fontsize=FONT + 2, loc="left", color=INK)
    if shown:
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
        axes.legend(
            handles=legend,
            loc="upper left",
            bbox_to_anchor=(0, -0.6 / made.get_figheight()),
            ncols=3,
            frameon=False,
            fontsize=FONT - 2,
        )
    height = made.get_figheight()
    made.subplots_adjust(left=0.27, right=0.98, top=1 - 0.5 / height, bottom=(1.3 if shown else 0.5) / height)
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


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
