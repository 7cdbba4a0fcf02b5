"""The meeting maths, as pure functions of their inputs (no database, no clock, no language):
reading slots, fairness across time zones, the best slot and why, occurrences of a recurring
meeting, and when reminders fall due."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

MAX_SLOTS = 5  # a poll's buttons (three per slot) fit one Discord message; the vote form fits a Discord modal
DAY_STARTS = time(8, 0)
DAY_ENDS = time(21, 0)
REMINDERS = (timedelta(hours=24), timedelta(minutes=15))

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
ISO_T = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d)")


class SlotProblem(StrEnum):
    """What can be wrong with the slots typed; the command turns each into a sentence."""

    NONE = "none"
    TOO_MANY = "too_many"
    BAD_WORD = "bad_word"
    BAD_DATE = "bad_date"
    BAD_TIME = "bad_time"
    TIME_WITHOUT_DATE = "time_without_date"
    DATE_WITHOUT_TIME = "date_without_time"
    NOT_A_TIME_THERE = "not_a_time_there"  # skipped by a clock change
    PAST = "past"
    DUPLICATE = "duplicate"


class SlotError(ValueError):
    def __init__(self, problem: SlotProblem, word: str = "") -> None:
        super().__init__(f"{problem.value}: {word}")
        self.problem = problem
        self.word = word


def parse_slots(items: Sequence[str], tz: str, now: datetime) -> list[datetime]:
    """``["2026-03-02 15:00", "2026-03-03", "09:30", "14:00"]`` → aware datetimes in ``tz``.

    A date applies to the times after it, so ``2026-03-03 09:30 14:00`` is two slots. Slots must be
    real wall-clock times in ``tz``, in the future and all different; at most :data:`MAX_SLOTS`.
    """
    words = [w for item in items for w in ISO_T.sub(r"\1 \2", item.replace(",", " ")).split()]
    zone = ZoneInfo(tz)
    slots: list[datetime] = []
    day: date | None = None
    day_used = True
    for word in words:
        if DATE_RE.fullmatch(word):
            if not day_used:
                raise SlotError(SlotProblem.DATE_WITHOUT_TIME, day.isoformat() if day else word)
            try:
                day = date.fromisoformat(word)
            except ValueError:
                raise SlotError(SlotProblem.BAD_DATE, word) from None
            day_used = False
            continue
        match = TIME_RE.fullmatch(word)
        if match is None:
            raise SlotError(SlotProblem.BAD_WORD, word)
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise SlotError(SlotProblem.BAD_TIME, word)
        if day is None:
            raise SlotError(SlotProblem.TIME_WITHOUT_DATE, word)
        start = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if not exists(start):
            raise SlotError(SlotProblem.NOT_A_TIME_THERE, f"{day.isoformat()} {word}")
        if start <= now:
            raise SlotError(SlotProblem.PAST, f"{day.isoformat()} {word}")
        if start in slots:
            raise SlotError(SlotProblem.DUPLICATE, f"{day.isoformat()} {word}")
        slots.append(start)
        day_used = True
    if not day_used and day is not None:
        raise SlotError(SlotProblem.DATE_WITHOUT_TIME, day.isoformat())
    if not slots:
        raise SlotError(SlotProblem.NONE)
    if len(slots) > MAX_SLOTS:
        raise SlotError(SlotProblem.TOO_MANY, str(len(slots)))
    return sorted(slots)


def exists(local: datetime) -> bool:
    """Whether a wall-clock time happens in its zone (not skipped when the clocks go forward)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


# fairness -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inconvenience:
    """A slot outside 08:00–21:00 for the ``members`` who live in ``zone``; ``local`` is its start there."""

    zone: str
    members: int
    local: datetime


def inconvenient(start: datetime, duration: timedelta, zones: Mapping[str, int]) -> list[Inconvenience]:
    """For each zone (with how many members live there), whether the meeting falls outside 08:00–21:00
    local time: it starts before 08:00 or ends after 21:00 (or on the next day). Most members first."""
    out: list[Inconvenience] = []
    for zone, members in zones.items():
        tz = ZoneInfo(zone)
        local = start.astimezone(tz)
        day_starts = datetime.combine(local.date(), DAY_STARTS, tzinfo=tz)
        day_ends = datetime.combine(local.date(), DAY_ENDS, tzinfo=tz)
        if start < day_starts or start + duration > day_ends:
            out.append(Inconvenience(zone, members, local))
    return sorted(out, key=lambda i: (-i.members, i.zone))


def inconvenienced(start: datetime, duration: timedelta, zones: Mapping[str, int]) -> int:
    """How many members the slot is inconvenient for."""
    return sum(i.members for i in inconvenient(start, duration, zones))


# choosing a slot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    slot_id: int
    start: datetime
    yes: int = 0
    maybe: int = 0
    no: int = 0
    inconvenienced: int = 0

    def key(self) -> tuple[int, int, int, int, datetime, int]:
        return (-self.yes, -self.maybe, self.no, self.inconvenienced, self.start, self.slot_id)


class Reason(StrEnum):
    """Which rule decided, in the SPEC's order."""

    ONLY = "only"  # the poll had one slot
    MOST_YES = "most_yes"
    MOST_MAYBE = "most_maybe"
    FEWEST_NO = "fewest_no"
    FEWEST_INCONVENIENCED = "fewest_inconvenienced"
    EARLIEST = "earliest"


@dataclass(frozen=True)
class Choice:
    best: Tally
    reason: Reason
    runner_up: Tally | None


def best_slot(tallies: Sequence[Tally]) -> Choice:
    """Most yes, then most if-need-be, then fewest no, then inconvenient for the fewest members,
    then the earliest; ``reason`` names the first rule that set the winner apart from the next."""
    if not tallies:
        raise ValueError("a poll has at least one slot")
    ranked = sorted(tallies, key=Tally.key)
    best = ranked[0]
    if len(ranked) == 1:
        return Choice(best, Reason.ONLY, None)
    runner = ranked[1]
    if best.yes != runner.yes:
        reason = Reason.MOST_YES
    elif best.maybe != runner.maybe:
        reason = Reason.MOST_MAYBE
    elif best.no != runner.no:
        reason = Reason.FEWEST_NO
    elif best.inconvenienced != runner.inconvenienced:
        reason = Reason.FEWEST_INCONVENIENCED
    else:
        reason = Reason.EARLIEST
    return Choice(best, reason, runner)


# recurrence and reminders ---------------------------------------------------------------------


def recurrence(start: datetime, repeat: str | None, tz: str) -> rrule | None:
    """The meeting's occurrences as an RFC 5545 rule on wall-clock time in ``tz`` (DST-correct: a
    weekly 18:00 meeting stays at 18:00 local across a clock change). Monthly keeps the day of the
    month and, like RRULE, skips months without it."""
    if repeat is None:
        return None
    local = start.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    if repeat == "monthly":
        return rrule(MONTHLY, dtstart=local)
    return rrule(WEEKLY, interval=2 if repeat == "biweekly" else 1, dtstart=local)


def next_occurrence(start: datetime, repeat: str | None, tz: str, after: datetime) -> datetime | None:
    """The first occurrence that starts after ``after``; ``None`` when there is none."""
    rule = recurrence(start, repeat, tz)
    if rule is None:
        return start if start > after else None
    zone = ZoneInfo(tz)
    local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)  # margin for DST folds
    for _ in range(10):
        found = rule.after(local_after)
        if found is None:
            return None
        moment = found.replace(tzinfo=zone)
        if moment > after:
            return moment
        local_after = found
    return None


def due_reminder(occurrence: datetime, now: datetime) -> timedelta | None:
    """Which reminder to send now for ``occurrence``: the closest one whose time has come (a late
    tick does not send a stale 24-hour reminder next to the 15-minute one); ``None`` if none has."""
    due = [offset for offset in REMINDERS if occurrence - offset <= now < occurrence]
    return min(due) if due else None


def next_reminder(occurrence: datetime, now: datetime) -> datetime | None:
    """When the next reminder of ``occurrence`` falls due after ``now``."""
    later = [occurrence - offset for offset in REMINDERS if occurrence - offset > now]
    return min(later) if later else None


def nudge_time(created: datetime, deadline: datetime) -> datetime:
    """When members who have not answered get their one reminder: a day before the deadline, or
    halfway to it for a poll shorter than two days."""
    return max(deadline - timedelta(hours=24), created + (deadline - created) / 2)
