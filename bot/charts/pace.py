"""Is a goal on track? Its pace so far against its due date, as a pure function of ``now``.

- **done**: the total reached the target.
- **overdue**: the due date has passed (in the coalition's time zone) and it did not.
- **on track**: it is where a steady pace from its start to the end of its due date would have it
  by now, or the pace so far reaches the target by the due date; and on its first day, when nobody
  has had time to check in.
- **at risk**: neither.
- **no due date**: nothing to judge it against; the chart still shows the pace.

The pace so far is projected to a date only once there is history enough to call it a pace
(:func:`enough_history`): at least three check-ins over at least three days, or a tenth of the way
done. Before that, one check-in made minutes after the goal was created would "reach" the target
tomorrow; the chart and the text say it is too early to project instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.charts.series import Series
from bot.core.i18n import N_, ngettext, number, tr

DAY = timedelta(days=1)
MIN_CHECKINS = 3
MIN_DAYS = 3
MIN_FRACTION = 0.1
FOREVER = timedelta(days=365 * 100)


class GoalState(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    NO_DUE_DATE = "no_due_date"


STATES = {
    GoalState.DONE: N_("done"),
    GoalState.ON_TRACK: N_("on track"),
    GoalState.AT_RISK: N_("at risk"),
    GoalState.OVERDUE: N_("overdue"),
    GoalState.NO_DUE_DATE: N_("no due date"),
}


@dataclass(frozen=True)
class Pace:
    state: GoalState
    total: float
    target: float
    start: datetime  # aware
    end: datetime | None  # the end of the due date, local midnight after it
    now: datetime
    expected: float | None  # the fraction of the target a steady pace would have reached by now
    per_day: float  # the pace so far
    needed_per_day: float | None  # from now to the due date
    projected: date | None  # when the pace so far reaches the target (None: never, or done)

    too_early: bool = False  # not done, and not history enough to project the pace so far

    @property
    def fraction(self) -> float:
        return self.total / self.target if self.target > 0 else 1.0

    def words(self) -> str:
        return tr(STATES[self.state])


def end_of(day: date, tz: str) -> datetime:
    return datetime.combine(day + DAY, time(), ZoneInfo(tz))


def pace_of(series: Series, *, now: datetime, tz: str = "UTC") -> Pace:
    zone = ZoneInfo(tz)
    total, target = series.done, series.target
    first = min((at for at, _ in series.points), default=now)
    start = min(series.start or first, first, now)
    end = end_of(series.due, tz) if series.due is not None else None
    elapsed = now - start
    per_day = total / max(elapsed / DAY, 1 / 24)
    projected = None
    early = total < target and not enough_history(series, now, start)
    if total < target and total > 0 and not early:
        when = now + DAY * ((target - total) / per_day)
        projected = when.astimezone(zone).date() if when - now < FOREVER else None
    expected = needed = None
    if end is not None:
        span = max(end - start, timedelta(minutes=1))
        expected = min(1.0, max(0.0, elapsed / span))
        if now < end:
            needed = max(0.0, target - total) / ((end - now) / DAY)
    state = _state(series, total, target, now, end, elapsed, expected, projected)
    return Pace(state, total, target, start, end, now, expected, per_day, needed, projected, early)


def enough_history(series: Series, now: datetime, start: datetime) -> bool:
    """Three check-ins over three days, or a tenth of the target: enough to call it a pace."""
    if series.target > 0 and series.done >= MIN_FRACTION * series.target:
        return True
    moments = [at for at, amount in series.points if amount]
    return len(moments) >= MIN_CHECKINS and now - min(moments, default=now) >= MIN_DAYS * DAY


def _state(
    series: Series,
    total: float,
    target: float,
    now: datetime,
    end: datetime | None,
    elapsed: timedelta,
    expected: float | None,
    projected: date | None,
) -> GoalState:
    if total >= target:
        return GoalState.DONE
    if end is None or series.due is None or expected is None:
        return GoalState.NO_DUE_DATE
    if now >= end:
        return GoalState.OVERDUE
    if elapsed < DAY or total >= expected * target:
        return GoalState.ON_TRACK
    if projected is not None and projected <= series.due:
        return GoalState.ON_TRACK
    return GoalState.AT_RISK


def too_early() -> str:
    """Why no date is projected yet, said on the chart, in its alt text and in the text beside it."""
    return ngettext(
        "Too early to project: wait for {n} check-in over {days} days, or a tenth of the target",
        "Too early to project: wait for {n} check-ins over {days} days, or a tenth of the target",
        MIN_CHECKINS,
        n=number(MIN_CHECKINS),
        days=number(MIN_DAYS),
    )
