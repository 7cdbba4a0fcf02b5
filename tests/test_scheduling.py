"""Scheduled check-ins on a virtual clock, on SQLite and PostgreSQL: DST-correct fire times,
prompt → reminder → digest, restarts, missed runs, unscheduling, leadership, and bad input."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.ui import Actions, Image
from bot.scheduling.plan import next_fire
from bot.scheduling.runner import Leadership, Scheduler
from bot.store.db import Database
from bot.store.models import AuditEntry
from bot.store.outbox_models import OutboxMessage
from bot.store.scheduling_models import CheckinSchedule
from tests.support import Chat
from tests.test_unity import coalition_with_two_channels


def fires(cron: str, tz: str, start: datetime, n: int) -> list[str]:
    out, at = [], start
    for _ in range(n):
        nxt = next_fire(cron, tz, at)
        assert nxt is not None
        out.append(nxt.strftime("%m-%d %H:%M"))
        at = nxt
    return out


# fire times across DST ---------------------------------------------------------------------------


def test_weekly_and_daily_prompts_keep_local_time_across_dst() -> None:
    # New York: EST (-5) until 2026-03-08, EDT (-4) until 2026-11-01.
    assert fires("0 9 * * mon", "America/New_York", datetime(2026, 3, 1, tzinfo=UTC), 2) == [
        "03-02 14:00",
        "03-09 13:00",
    ]
    assert fires("0 9 * * *", "America/New_York", datetime(2026, 10, 30, 20, tzinfo=UTC), 4) == [
        "10-31 13:00",
        "11-01 14:00",
        "11-02 14:00",
        "11-03 14:00",
    ]
    # Berlin: CET (+1) until 2026-03-29, CEST (+2) until 2026-10-25.
    assert fires("0 9 * * mon", "Europe/Berlin", datetime(2026, 3, 20, tzinfo=UTC), 2) == ["03-23 08:00", "03-30 07:00"]
    assert fires("0 9 * * *", "Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC), 2) == [
        "10-25 08:00",
        "10-26 08:00",
    ]


def test_nonexistent_and_repeated_wall_times_fire_once_and_never_backwards() -> None:
    # 02:30 does not exist in New York on 2026-03-08: it fires at 03:30 EDT (07:30 UTC).
    assert fires("30 2 * * *", "America/New_York", datetime(2026, 3, 7, 12, tzinfo=UTC), 2) == [
        "03-08 07:30",
        "03-09 06:30",
    ]
    # 01:30 happens twice on 2026-11-01: it fires at the first, only.
    assert fires("30 1 * * *", "America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC), 2) == [
        "11-01 05:30",
        "11-02 06:30",
    ]
    # Every 30 minutes through the repeated hour: strictly increasing, the repeated hour skipped.
    assert fires("*/30 * * * *", "America/New_York", datetime(2026, 11, 1, 4, 50, tzinfo=UTC), 4) == [
        "11-01 05:00",
        "11-01 05:30",
        "11-01 07:00",
        "11-01 07:30",
    ]
    # Berlin's repeated 02:00-03:00 on 2026-10-25.
    assert fires("15 2 * * *", "Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC), 2) == [
        "10-25 00:15",
        "10-26 01:15",
    ]


def test_every_minute_cron() -> None:
    assert fires("* * * * *", "UTC", datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC), 3) == [
        "11-23 09:01",
        "11-23 09:02",
        "11-23 09:03",
    ]


# commands ------------------------------------------------------------------------------------------


async def outbox(db: Database, kind: str | None = None) -> list[OutboxMessage]:
    async with db.session() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.exec(query)).all())


async def schedules(db: Database) -> list[CheckinSchedule]:
    async with db.session() as session:
        return list((await session.exec(select(CheckinSchedule))).all())


@pytest.fixture
async def started(db: Database, clock: ManualClock):  # type: ignore[no-untyped-def]
    """Make schedulers as processes would; each gives up leadership when the test ends."""
    made: list[Scheduler] = []

    def make() -> Scheduler:
        made.append(Scheduler(db, clock=clock, public_url="http://bot.test"))
        return made[-1]

    yield make
    for scheduler in made:
        await scheduler.stop()


async def setup(chat: Chat, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00 in Berlin
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/goal add "Calls" target=100 unit=calls')


async def test_bad_schedules_are_explained_and_write_nothing(chat: Chat, db: Database, clock: ManualClock) -> None:
    await setup(chat, clock)
    cases = {
        "/checkin schedule weekly someday 09:00": "day must be one of",
        "/checkin schedule weekly mon 9am": "HH:MM",
        "/checkin schedule daily 25:00": "HH:MM",
        '/checkin schedule cron "every monday"': "not a cron expression",
        '/checkin schedule cron "61 * * * *"': "not a cron expression",
        "/checkin schedule daily 09:00 tz=Mars/Olympus": "time zone",
        "/checkin schedule daily 09:00 window=30": "longer than the time between prompts",
        "/checkin schedule weekly mon 09:00 window=500": "at most 168 hours",
        "/checkin schedule daily 09:00 window=-1": "window",
    }
    for line, expected in cases.items():
        reply = await chat.say("alice", line)
        assert reply.is_error, line
        assert expected in reply.plain(), (line, reply.plain())
    denied = await chat.say("bob", "/checkin schedule daily 09:00")
    assert denied.is_error
    assert "steering" in denied.plain().lower()
    assert await schedules(db) == []


async def test_prompt_reminder_digest_through_a_window(
    chat: Chat, db: Database, clock: ManualClock, started: Any
) -> None:
    await setup(chat, clock)
    created = await chat.say("alice", "/checkin schedule daily 09:00 window=2")
    assert "Scheduled check-in #" in created.plain()
    assert "(Europe/Berlin)" in created.plain()
    scheduler = started()

    assert await scheduler.tick(datetime(2026, 11, 23, 7, 59, tzinfo=UTC)) == 0
    assert await scheduler.tick(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == 2  # 09:00 Berlin, both channels
    prompts = await outbox(db, "post")
    assert sorted(p.target for p in prompts) == ["actions", "general"]
    prompt = decode_reply(prompts[0].payload)
    assert "Check-in time!" in prompt.plain()
    assert any(isinstance(b, Actions) and b.elements[0].label == "Check in" for b in prompt.blocks)

    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    opened = await chat.click("bob", prompt, "Check in")
    assert opened.form is not None
    await chat.submit(
        "bob", "checkin.log", {"goal": opened.form.fields[0].initial, "amount": "12", "blockers": "No call list"}
    )

    assert await scheduler.tick(datetime(2026, 11, 23, 9, 35, tzinfo=UTC)) == 0  # before 80% (09:36 UTC)
    reminded = await scheduler.tick(datetime(2026, 11, 23, 9, 36, tzinfo=UTC))
    reminders = await outbox(db, "direct")
    assert sorted(r.target for r in reminders) == ["alice", "carol", "dave"]  # not Bob: he checked in
    assert reminded == 3
    assert await scheduler.tick(datetime(2026, 11, 23, 9, 50, tzinfo=UTC)) == 0  # one reminder only

    assert await scheduler.tick(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == 2
    digests = [p for p in await outbox(db, "post") if p.key.startswith("digest:")]
    assert len(digests) == 2
    digest = decode_reply(digests[0].payload)
    text = digest.plain()
    assert "12 / 100 calls (12%)" in text
    assert "Reported (1)" in text
    assert "Bob" in text
    assert "Bob: No call list" in text
    assert "Not reported (3)" in text
    assert any(isinstance(b, Image) and b.attachment.content.startswith(b"\x89PNG") for b in digest.blocks)
    assert await scheduler.tick(datetime(2026, 11, 23, 10, 5, tzinfo=UTC)) == 0


async def test_restart_continues_without_duplicates(chat: Chat, db: Database, clock: ManualClock, started: Any) -> None:
    await setup(chat, clock)
    await chat.say("alice", '/checkin schedule cron "*/10 * * * *" tz=UTC')
    first = started()
    assert await first.tick(datetime(2026, 11, 23, 7, 10, tzinfo=UTC)) == 2
    await first.stop()
    second = started()  # a new process after a restart
    assert await second.tick(datetime(2026, 11, 23, 7, 10, 30, tzinfo=UTC)) == 0
    assert await second.tick(datetime(2026, 11, 23, 7, 20, tzinfo=UTC)) >= 2
    keys = [p.key for p in await outbox(db, "post") if p.key.startswith("prompt:")]
    assert len(keys) == len(set(keys)) == 4


async def test_missed_prompts_are_sent_late_within_grace_or_skipped_and_noted(
    chat: Chat, db: Database, clock: ManualClock, started: Any
) -> None:
    await setup(chat, clock)
    await chat.say("alice", "/checkin schedule daily 09:00 window=2")  # grace: 12 minutes
    scheduler = started()
    assert await scheduler.tick(datetime(2026, 11, 23, 8, 10, tzinfo=UTC)) == 2  # 10 minutes late: sent
    late = decode_reply((await outbox(db, "post"))[0].payload)
    assert "Sent late" in late.plain()
    # Down from before the next day's prompt until 40 minutes after it: skipped.
    assert await scheduler.tick(datetime(2026, 11, 24, 8, 40, tzinfo=UTC)) >= 0
    assert [p for p in await outbox(db, "post") if "2026-11-24" in p.key] == []
    listing = (await chat.say("alice", "/checkin schedules")).plain()
    assert "1 prompt skipped while the bot was down" in listing
    async with db.session() as session:
        actions = [a.action for a in (await session.exec(select(AuditEntry))).all()]
    assert "checkin.prompt_skipped" in actions
    # A week offline: no flood, one skip record, and the schedule carries on.
    assert await scheduler.tick(datetime(2026, 12, 2, 12, 0, tzinfo=UTC)) >= 0
    assert len([p for p in await outbox(db, "post") if p.key.startswith("prompt:")]) == 2
    [row] = await schedules(db)
    assert row.next_fire_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def test_unschedule_stops_prompts_but_the_open_window_gets_its_digest(
    chat: Chat, db: Database, clock: ManualClock, started: Any
) -> None:
    await setup(chat, clock)
    created = await chat.say("alice", "/checkin schedule daily 09:00 window=2")
    schedule_id = next(w.strip("#:,") for w in created.plain().split() if w.startswith("#"))
    scheduler = started()
    await scheduler.tick(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert "Stopped schedule" in (await chat.say("alice", f"/checkin unschedule {schedule_id}")).plain()
    assert (await chat.say("alice", f"/checkin unschedule {schedule_id}")).is_error
    assert await scheduler.tick(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == 2  # the digest
    await scheduler.tick(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    assert not [p for p in await outbox(db, "post") if "2026-11-24" in p.key]
    assert "No scheduled check-ins" in (await chat.say("bob", "/checkin schedules")).plain()


async def test_report_shows_reporters_totals_blockers_and_the_silent(chat: Chat, clock: ManualClock) -> None:
    await setup(chat, clock)
    await chat.say("bob", '/checkin 30 blockers="Need scripts"')
    clock.advance(timedelta(days=10))
    await chat.say("carol", "/checkin 5")
    week = (await chat.say("alice", "/checkin report")).plain()
    assert "35 / 100 calls (35%)" in week
    assert "+5 calls in this period" in week
    assert "Reported (1)" in week
    assert "Need scripts" not in week
    month = (await chat.say("alice", "/checkin report month")).plain()
    assert "Reported (2)" in month
    assert "Bob: Need scripts" in month
    assert "Alice" in month  # has not reported
    assert (await chat.say("alice", "/checkin report year")).is_error


async def test_goal_show_has_a_chart(chat: Chat, clock: ManualClock) -> None:
    await setup(chat, clock)
    await chat.say("bob", "/checkin 30")
    shown = await chat.say("alice", "/goal show 1")
    [image] = [b for b in shown.blocks if isinstance(b, Image)]
    assert image.attachment.content.startswith(b"\x89PNG")
    assert "30 of 100" in image.alt


async def test_double_submitted_checkin_form_records_once(chat: Chat, db: Database, clock: ManualClock) -> None:
    await setup(chat, clock)
    values = {"goal": "1", "amount": "7"}
    await chat.submit("bob", "checkin.log", values, request_id="view-1")
    again = await chat.submit("bob", "checkin.log", values, request_id="view-1")
    assert not again.is_error
    assert "7 / 100 calls (7%)" in (await chat.say("bob", "/coalition status")).plain()


@pytest.mark.skipif(not os.environ.get("TEST_POSTGRES_URL"), reason="leadership needs PostgreSQL")
async def test_one_leader_on_postgres_and_a_takeover_when_it_dies(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite runs one process, which always leads")
    first, second = Leadership(db, key=991), Leadership(db, key=991)
    try:
        assert await first.check() is True
        assert await second.check() is False
        assert await first.check() is True  # still held
        await first._drop()  # the leader's connection dies with its process
        assert await second.check() is True
        assert await first.check() is False
    finally:
        await first.release()
        await second.release()
