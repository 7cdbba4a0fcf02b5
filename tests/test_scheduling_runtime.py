"""Scheduled check-ins on a virtual clock, on SQLite and PostgreSQL: prompt → reminder → digest,
DST, restarts, missed runs, unscheduling, failure isolation, and one leader among processes."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlmodel import col, select

from bot.commands import WORKFLOWS
from bot.commands.checkin import timing
from bot.commands.checkin.repo import next_wake
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.ui import Actions, Image
from bot.core.workflow import jobs_of
from bot.scheduling.runner import Leadership, Scheduler
from bot.store.db import Database
from bot.store.models import AuditEntry
from bot.store.outbox_models import OutboxMessage
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow
from tests.support import Chat, coalition_with_two_channels

MakeScheduler = Callable[[], Scheduler]


async def coalition_in_two_channels(chat: Chat, tz: str = "Europe/Berlin") -> None:
    """Alice (steering) in #general and #actions; Bob, Carol and Dave are members."""
    await coalition_with_two_channels(chat, tz=tz)


async def setup(chat: Chat, clock: ManualClock, tz: str = "Europe/Berlin") -> None:
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00 in Berlin
    await coalition_in_two_channels(chat, tz)
    assert not (await chat.say("alice", '/goal add "Calls" target=100 unit=calls')).is_error


async def outbox(db: Database, kind: str | None = None, prefix: str = "") -> list[OutboxMessage]:
    async with db.session() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return [m for m in (await session.exec(query)).all() if m.key.startswith(prefix)]


async def schedules(db: Database) -> list[CheckinSchedule]:
    async with db.session() as session:
        return list((await session.exec(select(CheckinSchedule))).all())


def schedule_id(created: str) -> str:
    match = re.search(r"#(\d+)", created)
    assert match is not None, created
    return match.group(1)


@pytest.fixture
async def started(db: Database, clock: ManualClock) -> AsyncIterator[MakeScheduler]:
    """Make schedulers as processes would; each gives up leadership when the test ends."""
    made: list[Scheduler] = []

    def make() -> Scheduler:
        made.append(Scheduler(db, jobs=jobs_of(WORKFLOWS), clock=clock, public_url="http://bot.test"))
        return made[-1]

    yield make
    for scheduler in made:
        await scheduler.stop()


async def test_prompt_reminder_digest_through_a_window(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
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
    assert "Sent late" not in prompt.plain()
    assert any(isinstance(b, Actions) and b.elements[0].label == "Check in" for b in prompt.blocks)

    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    opened = await chat.click("bob", prompt, "Check in")
    assert opened.form is not None
    assert [f.name for f in opened.form.fields] == ["goal", "amount", "note", "blockers"]
    await chat.submit(
        "bob", "checkin.log", {"goal": opened.form.fields[0].initial, "amount": "12", "blockers": "No call list"}
    )

    assert await scheduler.tick(datetime(2026, 11, 23, 9, 35, tzinfo=UTC)) == 0  # before 80% (09:36 UTC)
    assert await scheduler.tick(datetime(2026, 11, 23, 9, 36, tzinfo=UTC)) == 3
    reminders = await outbox(db, "direct")
    assert sorted(r.target for r in reminders) == ["alice", "carol", "dave"]  # not Bob: he checked in
    assert "reminder to check in" in decode_reply(reminders[0].payload).plain()
    assert await scheduler.tick(datetime(2026, 11, 23, 9, 50, tzinfo=UTC)) == 0  # one reminder only

    assert await scheduler.tick(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == 2
    digests = await outbox(db, "post", "digest:")
    assert len(digests) == 2
    digest = decode_reply(digests[0].payload)
    text_ = digest.plain()
    assert "12 / 100 calls (12%)" in text_
    assert "Reported (1)" in text_
    assert "Bob: No call list" in text_
    assert "Not reported (3)" in text_
    [image] = [b for b in digest.blocks if isinstance(b, Image)]
    assert image.attachment.content.startswith(b"\x89PNG")
    assert image.attachment.filename == "progress-clean-air-20261123-1000.png"
    assert await scheduler.tick(datetime(2026, 11, 23, 10, 5, tzinfo=UTC)) == 0
    assert len(await outbox(db)) == 7


@pytest.mark.parametrize(
    ("tz", "command", "before", "after"),
    [
        # 09:00 in New York: 14:00 UTC under EST, 13:00 UTC under EDT (from 2026-03-08), and back on 2026-11-01.
        ("America/New_York", "daily 09:00", datetime(2026, 3, 7, 14, tzinfo=UTC), datetime(2026, 3, 8, 13, tzinfo=UTC)),
        (
            "America/New_York",
            "weekly sun 09:00",
            datetime(2026, 10, 25, 13, tzinfo=UTC),
            datetime(2026, 11, 1, 14, tzinfo=UTC),
        ),
        # 09:00 in Berlin: 08:00 UTC under CET, 07:00 UTC under CEST (from 2026-03-29), and back on 2026-10-25.
        (
            "Europe/Berlin",
            "weekly sun 09:00",
            datetime(2026, 3, 22, 8, tzinfo=UTC),
            datetime(2026, 3, 29, 7, tzinfo=UTC),
        ),
        (
            "Europe/Berlin",
            'cron "0 9 * * *"',
            datetime(2026, 10, 24, 7, tzinfo=UTC),
            datetime(2026, 10, 25, 8, tzinfo=UTC),
        ),
    ],
)
async def test_prompts_land_at_local_time_across_dst(
    chat: Chat,
    db: Database,
    clock: ManualClock,
    started: MakeScheduler,
    tz: str,
    command: str,
    before: datetime,
    after: datetime,
) -> None:
    await setup(chat, clock, tz)
    clock.set(before - timedelta(hours=12))
    assert not (await chat.say("alice", f"/checkin schedule {command} window=1")).is_error
    scheduler = started()
    assert await scheduler.tick(before - timedelta(minutes=1)) == 0
    assert await scheduler.tick(before) == 2
    await scheduler.tick(after - timedelta(hours=1))  # an hour early (the old offset): no prompt
    assert len(await outbox(db, "post", "prompt:")) == 2
    [row] = await schedules(db)
    assert row.next_fire_at == after
    await scheduler.tick(after)
    fired = sorted({p.key.split("@")[0] for p in await outbox(db, "post", "prompt:")})
    assert fired == [f"prompt:{row.id}:{before.isoformat()}", f"prompt:{row.id}:{after.isoformat()}"]


async def test_restart_continues_without_duplicates(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    await setup(chat, clock)
    await chat.say("alice", '/checkin schedule cron "*/10 * * * *" tz=UTC')
    first = started()
    assert await first.tick(datetime(2026, 11, 23, 7, 10, tzinfo=UTC)) == 2
    await first.stop()
    second = started()  # a new process after a restart, from the same database
    assert await second.tick(datetime(2026, 11, 23, 7, 10, 30, tzinfo=UTC)) == 0
    assert await second.tick(datetime(2026, 11, 23, 7, 20, tzinfo=UTC)) == 4  # next prompt + the first digest
    assert await first.tick(datetime(2026, 11, 23, 7, 20, tzinfo=UTC)) == 0  # a doubled tick queues nothing
    keys = [p.key for p in await outbox(db, "post", "prompt:")]
    assert len(keys) == len(set(keys)) == 4


async def test_started_scheduler_catches_up_at_once_and_stops_cleanly(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    await setup(chat, clock)
    await chat.say("alice", "/checkin schedule daily 09:00 window=2")
    clock.set(datetime(2026, 11, 23, 8, 1, tzinfo=UTC))
    scheduler = started()
    await scheduler.start()  # ticks at once: the prompt due a minute ago goes out
    assert len(await outbox(db, "post", "prompt:")) == 2
    await scheduler.stop()


async def test_missed_prompts_are_sent_late_within_grace_or_skipped_and_noted(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    await setup(chat, clock)
    await chat.say("alice", "/checkin schedule daily 09:00 window=2")  # grace: 12 minutes
    scheduler = started()
    assert await scheduler.tick(datetime(2026, 11, 23, 8, 12, tzinfo=UTC)) == 2  # 12 minutes late: sent
    late = decode_reply((await outbox(db, "post"))[0].payload)
    assert "Sent late" in late.plain()
    [window] = await windows(db)
    assert window.closes_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # keeps its scheduled close
    assert await scheduler.tick(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == 2  # its digest
    # Down from before the next day's prompt until 13 minutes after it: skipped.
    assert await scheduler.tick(datetime(2026, 11, 24, 8, 13, tzinfo=UTC)) == 0
    assert [p for p in await outbox(db, "post") if "2026-11-24" in p.key] == []
    listing = (await chat.say("alice", "/checkin schedules")).plain()
    assert "1 prompt skipped while the bot was down" in listing
    async with db.session() as session:
        actions = [a.action for a in (await session.exec(select(AuditEntry))).all()]
    assert actions.count("checkin.prompt_skipped") == 1
    # A week offline: no flood, one more skip record, and the schedule carries on.
    assert await scheduler.tick(datetime(2026, 12, 2, 12, 0, tzinfo=UTC)) == 0
    assert len(await outbox(db, "post", "prompt:")) == 2
    [row] = await schedules(db)
    assert row.next_fire_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    # The next digest tells the channel what was missed.
    assert await scheduler.tick(datetime(2026, 12, 3, 8, 0, tzinfo=UTC)) == 2
    assert await scheduler.tick(datetime(2026, 12, 3, 10, 0, tzinfo=UTC)) == 2
    digest = decode_reply((await outbox(db, "post", "digest:"))[-1].payload).plain()
    assert "2 earlier prompts were skipped" in digest
    # The export keeps the whole record: every window, sent late, skipped or on time.
    export = await chat.say("alice", "/coalition export")
    exported = json.loads(export.attachments[0].read())["checkin_windows"]
    assert [w["skipped"] for w in exported] == [False, True, True, False]
    assert all(w["digested_at"] for w in exported if not w["skipped"])


async def windows(db: Database) -> list[CheckinWindow]:
    async with db.session() as session:
        return list((await session.exec(select(CheckinWindow).order_by(col(CheckinWindow.id)))).all())


async def test_unschedule_stops_prompts_but_the_open_window_gets_its_digest(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    await setup(chat, clock)
    sid = schedule_id((await chat.say("alice", "/checkin schedule daily 09:00 window=2")).plain())
    scheduler = started()
    await scheduler.tick(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert "Stopped schedule" in (await chat.say("alice", f"/checkin unschedule {sid}")).plain()
    assert (await chat.say("alice", f"/checkin unschedule {sid}")).is_error
    assert await scheduler.tick(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == 2  # the digest
    assert await scheduler.tick(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)) == 0
    assert not [p for p in await outbox(db, "post") if "2026-11-24" in p.key]
    assert "No scheduled check-ins" in (await chat.say("bob", "/checkin schedules")).plain()


async def test_a_failing_schedule_does_not_hold_up_the_others(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    await setup(chat, clock)
    broken = schedule_id((await chat.say("alice", "/checkin schedule daily 09:00")).plain())
    await chat.say("alice", "/checkin schedule daily 09:00 tz=Europe/Berlin window=3")
    real = timing.prompt_reply

    def flaky(schedule: CheckinSchedule, *args: Any, **kwargs: Any) -> Any:
        if str(schedule.id) == broken:
            raise RuntimeError("boom")
        return real(schedule, *args, **kwargs)

    monkeypatch.setattr(timing, "prompt_reply", flaky)
    scheduler = started()
    with pytest.MonkeyPatch.context() as quiet:
        quiet.setattr("bot.scheduling.runner.log.exception", lambda *a, **k: None)
        assert await scheduler.tick(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == 2  # the healthy one
    assert await windows(db)
    assert len(await windows(db)) == 1
    monkeypatch.setattr(timing, "prompt_reply", real)
    assert await scheduler.tick(datetime(2026, 11, 23, 8, 1, tzinfo=UTC)) == 2  # retried a minute later
    assert len(await windows(db)) == 2


async def test_one_leader_on_postgres_and_a_takeover_when_it_dies(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite supports one bot process, which always leads")
    await setup(chat, clock)
    await chat.say("alice", '/checkin schedule cron "*/10 * * * *" tz=UTC')
    leader, standby = started(), started()
    assert await leader.leadership.check() is True
    assert await standby.tick(datetime(2026, 11, 23, 7, 10, tzinfo=UTC)) == 0  # not the leader: does nothing
    assert await leader.tick(datetime(2026, 11, 23, 7, 10, tzinfo=UTC)) == 2
    assert await leader.leadership.check() is True  # still held, idle outside any transaction
    # The leader's database connection dies (its process crashed, or the network went away).
    assert leader.leadership._connection is not None
    pid = (await leader.leadership._connection.execute(text("SELECT pg_backend_pid()"))).scalar()
    async with db.engine.connect() as other:
        state = (
            await other.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
        ).scalar()
        assert state == "idle"  # not "idle in transaction"
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await other.commit()
    assert await standby.tick(datetime(2026, 11, 23, 7, 20, tzinfo=UTC)) == 4  # took over
    assert await leader.leadership.check() is False  # notices, and stands by
    assert await leader.tick(datetime(2026, 11, 23, 7, 30, tzinfo=UTC)) == 0
    assert len(await outbox(db, "post", "prompt:")) == 4


async def test_a_follower_that_takes_over_ticks_at_once_and_says_so_in_metrics(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    """The leadership check (every ``SCHEDULER_LEADER_INTERVAL`` seconds) of a follower that finds
    the lock free runs the due work right away, not at the next minute."""
    if db.is_sqlite:
        pytest.skip("SQLite supports one bot process, which always leads")
    await setup(chat, clock)
    await chat.say("alice", '/checkin schedule cron "*/10 * * * *" tz=UTC')
    leader, follower = started(), started()
    assert await leader.leadership.check() is True
    clock.set(datetime(2026, 11, 23, 7, 10, tzinfo=UTC))  # the prompt is due; nobody has ticked
    await follower._leader_job()
    assert follower.metrics() == {"scheduler_leader": 0, "scheduler_leader_taken_total": 0, "scheduler_ticks_total": 0}
    assert await outbox(db, "post", "prompt:") == []
    await leader.leadership.release()  # as if its process died: PostgreSQL frees the lock
    await follower._leader_job()
    assert len(await outbox(db, "post", "prompt:")) == 2  # ticked at once, in both channels
    metrics = follower.metrics()
    assert metrics["scheduler_leader"] == 1
    assert metrics["scheduler_leader_taken_total"] == 1
    assert metrics["scheduler_ticks_total"] == 1
    await follower._leader_job()  # still the leader: no extra tick
    assert follower.metrics()["scheduler_ticks_total"] == 1


async def test_sqlite_process_always_leads(sqlite_db: Database) -> None:
    leadership = Leadership(sqlite_db)
    assert await leadership.check() is True
    assert leadership.held
    await leadership.release()


async def test_the_scheduler_wakes_exactly_when_the_next_step_is_due(
    chat: Chat, db: Database, clock: ManualClock, started: MakeScheduler
) -> None:
    await setup(chat, clock)
    await chat.say("alice", '/checkin schedule cron "*/5 * * * *" tz=UTC')  # 5-minute windows: reminders at 4 min
    async with db.session() as session:
        assert await next_wake(session, clock.now()) == datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
    scheduler = started()
    clockwork = AsyncIOScheduler(timezone=UTC)
    clockwork.start(paused=True)  # the virtual times are in the real past: record jobs, run none
    scheduler._apscheduler = clockwork
    assert await scheduler.tick(datetime(2026, 11, 23, 7, 5, tzinfo=UTC)) == 2  # the prompt
    wake = clockwork.get_job("coalition-bot-wake")
    assert wake is not None
    assert wake.trigger.run_date == datetime(2026, 11, 23, 7, 9, tzinfo=UTC)  # its reminder, at 80%
    await scheduler.stop()
    async with db.session() as session:
        assert await next_wake(session, datetime(2026, 11, 23, 7, 9, tzinfo=UTC)) == datetime(
            2026, 11, 23, 7, 10, tzinfo=UTC
        )
