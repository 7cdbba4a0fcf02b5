"""One goal as a burn-up over calendar dates: cumulative progress, the target, the pace needed from
now, and where the pace so far would reach the target."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.dates import date2num
from matplotlib.figure import Figure

from bot.charts.dates import date_ticks
from bot.charts.pace import GoalState, Pace, pace_of, too_early
from bot.charts.series import Series, cumulative
from bot.charts.style import (
    BLUE,
    FONT,
    GREY,
    INK,
    ORANGE,
    VERMILLION,
    Chart,
    cached,
    figure,
    legend_below,
    png,
    short,
    style_axes,
    title,
)
from bot.core import i18n
from bot.core.i18n import _

MOST_POINTS = 1500  # beyond this, one step per day: the same picture, drawn faster


def burnup_chart(series: Series, *, tz: str = "UTC", now: datetime | None = None) -> Chart:
    moment = (now or datetime.now(ZoneInfo("UTC"))).replace(second=0, microsecond=0)
    key = ("burnup", series.key(), tz, moment, i18n.current())
    return cached(key, lambda: _build(series, tz, moment))


def _build(series: Series, tz: str, now: datetime) -> Chart:
    made, pace = burnup_figure(series, tz=tz, now=now)
    return Chart(png(made), burnup_alt(series, pace))


def burnup_figure(series: Series, *, tz: str = "UTC", now: datetime) -> tuple[Figure, Pace]:
    zone = ZoneInfo(tz)
    pace = pace_of(series, now=now, tz=tz)

    def x(at: datetime) -> float:
        return float(date2num(at.astimezone(zone).replace(tzinfo=None)))

    first = pace.start.astimezone(zone).date()
    today = now.astimezone(zone).date()
    last = max(series.due or today, today)
    made = figure()
    axes = made.subplots()
    style_axes(axes)
    left, right = x(_midnight(first, zone)), x(_midnight(last + timedelta(days=1), zone))
    steps = [(pace.start, 0.0), *_thinned(series.points, zone), (now, pace.total)]
    running = [(x(at), total) for at, total in steps]
    xs, ys = [at for at, _total in running], [total for _at, total in running]
    axes.step(xs, ys, where="post", color=BLUE, linewidth=2.5, label=_("Progress"))
    axes.fill_between(xs, ys, step="post", color=BLUE, alpha=0.12)
    target_label = _("Target: {target}", target=_quantity(series.target, series.unit))
    axes.axhline(series.target, color=INK, linestyle="--", linewidth=1.5, label=target_label)
    if pace.end is not None and pace.needed_per_day is not None and pace.state is not GoalState.DONE:
        axes.plot(
            [x(now), x(pace.end)],
            [pace.total, series.target],
            color=ORANGE,
            linestyle="-.",
            linewidth=2,
            label=_("Pace needed: {amount} a day", amount=i18n.number(pace.needed_per_day, digits=1)),
        )
    if pace.projected is not None:
        reach = _midnight(pace.projected, zone)
        axes.plot(
            [x(now), x(reach)],
            [pace.total, series.target],
            color=VERMILLION,
            linestyle=":",
            linewidth=2,
            label=_("At this pace: the target on {date}", date=i18n.date(pace.projected)),
        )
    elif pace.too_early:
        axes.plot([], [], linestyle="", label=too_early())
    axes.axvline(x(now), color=GREY, linewidth=1, alpha=0.6)
    ticks = date_ticks(first, last)
    axes.set_xticks([x(_midnight(d, zone)) for d, _label in ticks], [label for _d, label in ticks])
    axes.set_xlim(left, right)
    axes.set_ylim(0, max(series.target, pace.total) * 1.12 or 1)
    axes.set_ylabel(short(series.unit, 30) or _("amount"), fontsize=FONT)
    axes.yaxis.set_major_formatter(lambda value, _pos: i18n.number(value))
    title(axes, _("{goal}: {state}", goal=short(series.label, 60), state=pace.words()))
    legend_below(made, axes.get_legend_handles_labels()[0])
    return made, pace


def burnup_alt(series: Series, pace: Pace) -> str:
    sentences = [
        _(
            "{goal}: {done} of {target} ({percent}), {state}.",
            goal=series.label,
            done=i18n.number(pace.total),
            target=_quantity(series.target, series.unit),
            percent=i18n.percent(min(pace.fraction, 9.99)),
            state=pace.words(),
        )
    ]
    if series.due is not None:
        sentences.append(_("Due {date}.", date=i18n.date(series.due)))
    if pace.needed_per_day is not None and pace.state is not GoalState.DONE:
        sentences.append(_("Pace needed from now: {amount} a day.", amount=i18n.number(pace.needed_per_day, digits=1)))
    if pace.projected is not None:
        sentences.append(_("At the pace so far the target is reached on {date}.", date=i18n.date(pace.projected)))
    elif pace.too_early:
        sentences.append(too_early() + ".")
    return " ".join(sentences)


def _thinned(points: Sequence[tuple[datetime, float]], zone: ZoneInfo) -> list[tuple[datetime, float]]:
    running = cumulative(points)
    if len(running) <= MOST_POINTS:
        return running
    last_of_day: dict[date, tuple[datetime, float]] = {}
    for at, total in running:
        last_of_day[at.astimezone(zone).date()] = (at, total)
    return [last_of_day[day] for day in sorted(last_of_day)]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _quantity(amount: float, unit: str) -> str:
    return f"{i18n.number(amount)} {unit}".strip()
