"""The meeting rules as pure functions: reading slots, fairness across zones, the best slot and
why, recurrence and reminders; and .ics files read back with icalendar on both sides of a DST
change in two zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.commands.meet import rules
from bot.commands.meet.calendar import CalendarEntry, calendar
from bot.commands.meet.rules import Reason, SlotProblem, Tally

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def test_slots_are_read_in_the_zone_given_and_sorted() -> None:
    slots = rules.parse_slots(["2026-03-11 18:00", "2026-03-10", "09:00", "14:30"], BERLIN, NOW)
    assert [s.isoformat() for s in slots] == [
        "2026-03-10T09:00:00+01:00",
        "2026-03-10T14:30:00+01:00",
        "2026-03-11T18:00:00+01:00",
    ]
    assert rules.parse_slots(["2026-03-10T09:00, 2026-03-12 10:00"], "UTC", NOW)[1].hour == 10


@pytest.mark.parametrize(
    ("items", "problem", "word"),
    [
        ([], SlotProblem.NONE, ""),
        (["2026-02-28 10:00"], SlotProblem.PAST, "2026-02-28 10:00"),
        (["2026-03-10 10:00", "2026-03-10 10:00"], SlotProblem.DUPLICATE, "2026-03-10 10:00"),
        (["tomorrow"], SlotProblem.BAD_WORD, "tomorrow"),
        (["2026-02-30 10:00"], SlotProblem.BAD_DATE, "2026-02-30"),
        (["2026-03-10 25:00"], SlotProblem.BAD_TIME, "25:00"),
        (["10:00"], SlotProblem.TIME_WITHOUT_DATE, "10:00"),
        (["2026-03-10"], SlotProblem.DATE_WITHOUT_TIME, "2026-03-10"),
        (["2026-03-10", "2026-03-11 10:00"], SlotProblem.DATE_WITHOUT_TIME, "2026-03-10"),
        (["2026-03-29 02:30"], SlotProblem.NOT_A_TIME_THERE, "2026-03-29 02:30"),  # Berlin springs forward
        (["2026-03-10 08:00 09:00 10:00 11:00 12:00 13:00"], SlotProblem.TOO_MANY, "6"),
    ],
)
def test_bad_slots_say_what_is_wrong(items: list[str], problem: SlotProblem, word: str) -> None:
    with pytest.raises(rules.SlotError) as caught:
        rules.parse_slots(items, BERLIN, NOW)
    assert caught.value.problem == problem
    assert caught.value.word == word


def test_fairness_names_the_zones_outside_eight_to_nine() -> None:
    start = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 15:00 Berlin, 07:00 Los Angeles (PDT), 23:00 Tokyo
    zones = {BERLIN: 3, "America/Los_Angeles": 1, "Asia/Tokyo": 2}
    found = rules.inconvenient(start, timedelta(hours=1), zones)
    assert [(i.zone, i.members, i.local.hour) for i in found] == [("Asia/Tokyo", 2, 23), ("America/Los_Angeles", 1, 7)]
    assert rules.inconvenienced(start, timedelta(hours=1), zones) == 3
    # Ending after 21:00 counts; ending at 21:00 exactly does not.
    evening = datetime(2026, 3, 10, 19, 0, tzinfo=ZoneInfo(BERLIN))
    assert rules.inconvenient(evening, timedelta(hours=2), {BERLIN: 1}) == []
    assert [i.zone for i in rules.inconvenient(evening, timedelta(hours=2, minutes=1), {BERLIN: 1})] == [BERLIN]
    assert [i.zone for i in rules.inconvenient(evening.replace(hour=7, minute=59), timedelta(minutes=30), {BERLIN: 1})]


def tally(slot: int, hour: int, yes: int = 0, maybe: int = 0, no: int = 0, bad: int = 0) -> Tally:
    return Tally(slot, datetime(2026, 3, 10, hour, tzinfo=UTC), yes, maybe, no, bad)


@pytest.mark.parametrize(
    ("tallies", "winner", "reason"),
    [
        ([tally(1, 9)], 1, Reason.ONLY),
        ([tally(1, 9, yes=2), tally(2, 10, yes=3)], 2, Reason.MOST_YES),
        ([tally(1, 9, yes=2), tally(2, 10, yes=2, maybe=1)], 2, Reason.MOST_MAYBE),
        ([tally(1, 9, yes=2, no=2), tally(2, 10, yes=2, no=1)], 2, Reason.FEWEST_NO),
        ([tally(1, 9, yes=2, bad=3), tally(2, 10, yes=2, bad=1)], 2, Reason.FEWEST_INCONVENIENCED),
        ([tally(2, 10, yes=1), tally(1, 9, yes=1)], 1, Reason.EARLIEST),
        # Yes outranks everything after it, even many fewer inconvenienced members.
        ([tally(1, 9, yes=3, no=4, bad=9), tally(2, 10, yes=2, maybe=5)], 1, Reason.MOST_YES),
    ],
)
def test_the_best_slot_follows_the_spec_order(tallies: list[Tally], winner: int, reason: Reason) -> None:
    choice = rules.best_slot(tallies)
    assert choice.best.slot_id == winner
    assert choice.reason == reason


def test_weekly_meetings_keep_their_local_time_across_dst() -> None:
    start = datetime(2026, 3, 24, 18, 0, tzinfo=ZoneInfo(BERLIN))  # CET; CEST from 29 March
    after_change = rules.next_occurrence(start, "weekly", BERLIN, start)
    assert after_change is not None
    assert after_change.astimezone(ZoneInfo(BERLIN)).hour == 18
    assert after_change.astimezone(UTC).hour == 16  # was 17:00 UTC before the change
    biweekly = rules.next_occurrence(start, "biweekly", BERLIN, start)
    assert biweekly is not None
    assert (biweekly.date() - start.date()).days == 14
    monthly = rules.next_occurrence(datetime(2026, 1, 31, 9, tzinfo=ZoneInfo(BERLIN)), "monthly", BERLIN, NOW)
    assert monthly is not None
    assert monthly.date().isoformat() == "2026-03-31"
    assert rules.next_occurrence(start, None, BERLIN, start) is None
    assert rules.next_occurrence(start, None, BERLIN, start - timedelta(minutes=1)) == start


def test_reminders_fall_due_one_at_a_time() -> None:
    occurrence = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert rules.due_reminder(occurrence, occurrence - timedelta(hours=25)) is None
    assert rules.due_reminder(occurrence, occurrence - timedelta(hours=23)) == timedelta(hours=24)
    assert rules.due_reminder(occurrence, occurrence - timedelta(minutes=10)) == timedelta(minutes=15)
    assert rules.due_reminder(occurrence, occurrence) is None
    assert rules.next_reminder(occurrence, occurrence - timedelta(hours=23)) == occurrence - timedelta(minutes=15)
    assert rules.next_reminder(occurrence, occurrence - timedelta(minutes=10)) is None
    deadline = NOW + timedelta(hours=10)
    assert rules.nudge_time(NOW, deadline) == NOW + timedelta(hours=5)
    assert rules.nudge_time(NOW, NOW + timedelta(days=5)) == NOW + timedelta(days=4)


@pytest.mark.parametrize(
    ("zone", "wall", "utc"),
    [
        (BERLIN, "2026-03-28 10:00", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),  # CET, UTC+1
        (BERLIN, "2026-03-30 10:00", datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),  # CEST, UTC+2
        (NEW_YORK, "2026-03-07 10:00", datetime(2026, 3, 7, 15, 0, tzinfo=UTC)),  # EST, UTC-5
        (NEW_YORK, "2026-03-09 10:00", datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),  # EDT, UTC-4
    ],
)
def test_ics_gives_the_right_instant_on_each_side_of_dst(zone: str, wall: str, utc: datetime) -> None:
    local = datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone))
    entry = CalendarEntry(
        uid="meeting-abc@coalition-bot",
        sequence=2,
        title="Steering call",
        start=local,
        duration=timedelta(minutes=90),
        tz=zone,
        description="Agenda:\n• Budget",
    )
    data = calendar([entry], now=NOW, method="PUBLISH")
    parsed = Calendar.from_ical(data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    [timezone] = parsed.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == zone
    [event] = parsed.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == zone
    assert event.decoded("DTSTART").astimezone(UTC) == utc
    assert event.decoded("DTEND").astimezone(UTC) == utc + timedelta(minutes=90)
    assert str(event["UID"]) == "meeting-abc@coalition-bot"
    assert int(event["SEQUENCE"]) == 2
    assert "Budget" in str(event["DESCRIPTION"])
    # The file itself names the local time and its zone, which the VTIMEZONE above defines.
    assert b"DTSTART;TZID=" + zone.encode() + b":" + local.strftime("%Y%m%dT%H%M%S").encode() in data


def test_a_cancellation_keeps_the_uid_and_says_cancel() -> None:
    entry = CalendarEntry(
        "u-1@x", 3, "Call", datetime(2026, 3, 10, 9, tzinfo=UTC), timedelta(hours=1), "UTC", cancelled=True
    )
    parsed = Calendar.from_ical(calendar([entry], now=NOW, method="CANCEL"))
    [event] = parsed.walk("VEVENT")
    assert str(parsed["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == ("u-1@x", 3)
