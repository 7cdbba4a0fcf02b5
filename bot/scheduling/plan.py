"""When a schedule fires, on the wall clock of its time zone, correctly across DST.

Cron expressions are evaluated on *wall-clock* time (APScheduler's ``CronTrigger`` on naive local
time), then placed in the zone. The DST policy, tested in ``tests/test_scheduling.py``:

* every wall-clock time a schedule names fires **once**: on the night clocks go back, a repeated
  01:30 fires at its first occurrence only (and a sub-hourly cron skips the repeated hour);
* a wall-clock time that does not exist (clocks go forward over it) fires at the same offset after
  the gap (02:30 on a spring-forward night fires at 03:30);
* fire times always increase, so a schedule can never loop or fire backwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DEFAULT_WINDOW = timedelta(hours=24)
LOOKBACK = (timedelta(hours=2), timedelta(hours=26), timedelta(days=8), timedelta(days=367))


def weekly_cron(day: str, hour: int, minute: int) -> str:
    return f"{minute} {hour} * * {day}"


def daily_cron(hour: int, minute: int) -> str:
    return f"{minute} {hour} * * *"


def validate_cron(expr: str) -> str:
    """A 5-field crontab expression, normalised; raises ValueError with the reason.

    Weekdays follow crontab (0 or 7 = Sunday, 1 = Monday), not APScheduler 3's numbering (0 =
    Monday), so the stored expression names them: ``0 9 * * 1-5`` becomes ``0 9 * * mon,tue,wed,thu,fri``.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day month weekday); this has {len(fields)}")
    fields[4] = crontab_weekdays(fields[4])
    normalised = " ".join(fields)
    CronTrigger.from_crontab(normalised, timezone=UTC)
    return normalised


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field (numbers, names, ranges, lists, steps) as a list of day names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        span, _, step_text = item.partition("/")
        step = _weekday_number(step_text, allow_big=True) if step_text else 1
        if step < 1:
            raise ValueError(f"bad weekday step in {item!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            start, _, end = span.partition("-")
            first, last = _weekday_number(start), _weekday_number(end)
            if last == 0 and end.strip() in ("7", "sun"):
                last = 7
            if last < first:
                raise ValueError(f"weekday range {span!r} runs backwards")
        else:
            first = last = _weekday_number(span)
            if step_text:
                last = 6
        days.update(day % 7 for day in range(first, last + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(DAYS[(day - 1) % 7] for day in sorted(days, key=lambda d: (d - 1) % 7))


def _weekday_number(text: str, *, allow_big: bool = False) -> int:
    """0..6 with Sunday = 0 (7 is Sunday too); names as in crontab."""
    text = text.strip()
    if text.isdigit():
        number = int(text)
        if allow_big:
            return number
        if number > 7:
            raise ValueError(f"weekday {number} is out of range (0-7, 0 and 7 are Sunday)")
        return number % 7 if number != 7 else 0
    names = ("sun", *DAYS[:6])
    if text[:3] in names and len(text) == 3:
        return names.index(text[:3])
    raise ValueError(f"{text!r} is not a weekday (0-7 or mon..sun)")


def wall(at: datetime, tz: str) -> datetime:
    """The naive local wall-clock time of an instant."""
    return at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def place(local: datetime, tz: str) -> datetime:
    """A naive wall-clock time as an instant: the first occurrence if repeated, shifted past a gap."""
    zone = ZoneInfo(tz)
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:  # in a gap: keep the offset from before it
        instant = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
        instant = max(instant, aware.astimezone(UTC))
    return instant


def triggers(cron: str) -> list[CronTrigger]:
    """APScheduler triggers for a crontab expression, on naive wall-clock time expressed as UTC.

    Crontab fires when the day of the month *or* the weekday matches if both are restricted
    (``0 9 1 * mon``: the 1st, and every Monday); APScheduler would need both. So such an
    expression becomes two triggers, one per day field, and the earlier fire time wins."""
    fields = cron.split()
    if len(fields) == 5 and not fields[2].startswith(("*", "?")) and not fields[4].startswith(("*", "?")):
        by_date = " ".join([*fields[:4], "*"])
        by_weekday = " ".join([*fields[:2], "*", *fields[3:]])
        return [CronTrigger.from_crontab(by_date, timezone=UTC), CronTrigger.from_crontab(by_weekday, timezone=UTC)]
    return [CronTrigger.from_crontab(cron, timezone=UTC)]


def next_fire(cron: str, tz: str, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after`` (an aware instant), as an aware UTC instant."""
    options = triggers(cron)
    last_wall = wall(after, tz)
    start = last_wall
    for _ in range(1000):
        since = (start + timedelta(microseconds=1)).replace(tzinfo=UTC)
        candidates = [t for t in (trigger.get_next_fire_time(None, since) for trigger in options) if t is not None]
        if not candidates:
            return None
        candidate = min(candidates)
        local = candidate.replace(tzinfo=None)
        instant = place(local, tz)
        if instant > after:
            return instant
        start = local  # a wall time already passed (the repeated hour): look further on
    return None


def latest_fire(cron: str, tz: str, first: datetime, now: datetime) -> datetime:
    """The newest fire time at or before ``now``, given that ``first`` (a fire time) is one.

    Looks back over growing spans instead of stepping through every missed fire time, so a
    minute-by-minute schedule after a week offline costs a few hundred steps, not ten thousand.
    """
    start = first
    for span in LOOKBACK:
        if now - span <= first:
            break
        probe = next_fire(cron, tz, now - span)
        if probe is not None and probe <= now:
            start = probe
            break
    latest = start
    while (following := next_fire(cron, tz, latest)) is not None and following <= now:
        latest = following
    return latest


def default_window(cron: str, tz: str, fire: datetime) -> timedelta:
    """Until the next prompt, at most 24 hours."""
    following = next_fire(cron, tz, fire)
    if following is None:
        return MAX_DEFAULT_WINDOW
    return min(following - fire, MAX_DEFAULT_WINDOW)


def grace(window: timedelta) -> timedelta:
    """How late a missed prompt may still go out: 10% of its window, between 2 minutes and 1 hour."""
    return min(max(window / 10, timedelta(minutes=2)), timedelta(hours=1))
