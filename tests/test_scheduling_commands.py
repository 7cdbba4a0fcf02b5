"""``/checkin schedule …``, ``schedules`` and ``unschedule``: steering only, clear errors for bad
input with nothing written, ids and next prompts in the viewer's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.ui import Section, Timestamp, Visibility
from bot.store.db import Database
from tests.support import Chat
from tests.test_scheduling_runtime import schedules, setup

BAD = {
    "/checkin schedule weekly someday 09:00": "day must be one of",
    "/checkin schedule weekly 09:00": "day",
    "/checkin schedule weekly mon 9am": "HH:MM",
    "/checkin schedule daily 25:00": "HH:MM",
    "/checkin schedule daily": "time",
    '/checkin schedule cron "every monday"': "not a cron expression",
    '/checkin schedule cron "61 * * * *"': "not a cron expression",
    '/checkin schedule cron "0 9 * * 9"': "weekday 9 is out of range",
    '/checkin schedule cron "0 9 31 2 *"': "never fires",
    "/checkin schedule daily 09:00 tz=Mars/Olympus": "time zone",
    "/checkin schedule daily 09:00 window=30": "longer than the time between prompts",
    '/checkin schedule cron "*/30 * * * *" window=1': "longer than the time between prompts (30 min)",
    "/checkin schedule weekly mon 09:00 window=500": "at most 168 hours",
    "/checkin schedule daily 09:00 window=-1": "window",
    "/checkin schedule daily 09:00 window=0": "window",
    "/checkin schedule daily 09:00 window=soon": "window",
    "/checkin unschedule 99": "no active schedule #99",
}


async def test_bad_schedules_are_explained_privately_and_write_nothing(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await setup(chat, clock)
    for line, expected in BAD.items():
        reply = await chat.say("alice", line)
        assert reply.is_error, line
        assert reply.visibility == Visibility.PRIVATE, line
        assert expected.lower() in reply.plain().lower(), (line, reply.plain())
    assert await schedules(db) == []


@pytest.mark.parametrize(
    "line",
    ["/checkin schedule daily 09:00", "/checkin schedule weekly mon 09:00", '/checkin schedule cron "* * * * *"'],
)
async def test_only_steering_schedules(chat: Chat, db: Database, clock: ManualClock, line: str) -> None:
    await setup(chat, clock)
    denied = await chat.say("bob", line)
    assert denied.is_error
    assert "steering" in denied.plain().lower()
    assert await schedules(db) == []


async def test_only_steering_unschedules(chat: Chat, db: Database, clock: ManualClock) -> None:
    await setup(chat, clock)
    assert not (await chat.say("alice", "/checkin schedule daily 09:00")).is_error
    denied = await chat.say("bob", "/checkin unschedule 1")
    assert denied.is_error
    assert "steering" in denied.plain().lower()
    [row] = await schedules(db)
    assert row.active


async def test_schedules_list_ids_and_next_prompts_in_the_viewers_zone(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await setup(chat, clock)  # Monday 2026-11-23 07:00 UTC
    weekly = await chat.say("alice", "/checkin schedule weekly fri 17:30 tz=America/New_York window=48")
    assert "#1" in weekly.plain()
    assert "weekly fri 17:30 (America/New_York), open for 48 h" in weekly.plain()
    assert "/checkin unschedule 1" in weekly.plain()
    cron = await chat.say("alice", '/checkin schedule cron "0 9 * * 1-5"')
    assert "cron 0 9 * * mon,tue,wed,thu,fri (Europe/Berlin)" in cron.plain()
    assert "until the next prompt" in cron.plain()
    listing = await chat.say("bob", "/checkin schedules")
    assert not listing.is_error
    assert listing.visibility == Visibility.PRIVATE
    text = listing.plain()
    assert "#1 weekly fri 17:30" in text
    assert "#2 cron" in text
    stamps = [
        part for b in listing.blocks if isinstance(b, Section) for part in b.text.parts if isinstance(part, Timestamp)
    ]
    assert [s.at for s in stamps] == [
        datetime(2026, 11, 27, 22, 30, tzinfo=UTC),  # Friday 17:30 in New York
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),  # today 09:00 in Berlin
    ]
    rows = await schedules(db)
    assert [r.cron for r in rows] == ["30 17 * * fri", "0 9 * * mon,tue,wed,thu,fri"]


async def test_a_coalition_has_at_most_twenty_schedules(chat: Chat, db: Database, clock: ManualClock) -> None:
    await setup(chat, clock)
    for minute in range(20):
        assert not (await chat.say("alice", f"/checkin schedule daily 09:{minute:02d}")).is_error
    refused = await chat.say("alice", "/checkin schedule daily 10:00")
    assert refused.is_error
    assert "20 scheduled check-ins" in refused.plain()
    assert len(await schedules(db)) == 20
