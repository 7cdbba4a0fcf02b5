"""Retention limits (issue 15, SPEC §8): steering sets how many months check-in notes and closed
flags are kept (``/coalition settings keep_notes= keep_flags=``); each workflow's daily job erases
what is older, in that coalition only, once a day, and audits the counts. ``/coalition privacy``
says the coalition's limit; the public page says what steering can set. Every table is scanned to
prove the words are gone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import col, select

from bot.commands import WORKFLOWS
from bot.commands.flag.hooks import erase_closed
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.retention import months_before, months_kept, parse_months
from bot.core.workflow import jobs_of, routes_of
from bot.scheduling.runner import Scheduler
from bot.server import Metrics, build_app
from bot.store.db import Database
from bot.store.flag_models import ConflictFlag
from bot.store.membership_models import ConnectCode
from bot.store.models import AuditEntry, Checkin, Coalition, LinkCode
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat
from tests.test_flag import clear_outbox, coalition, flags, raise_flag, receipt_of
from tests.test_scoping import dump

START = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


async def everything(db: Database) -> str:
    """Every row of every table, as one text to search."""
    return str(await dump(db))


@pytest.fixture
async def scheduler(db: Database, clock: ManualClock) -> AsyncIterator[Scheduler]:
    """One scheduler for the whole test (on PostgreSQL the first one holds the leader's lock)."""
    running = Scheduler(db, jobs=jobs_of(WORKFLOWS), clock=clock)
    yield running
    await running.stop()


async def tick(scheduler: Scheduler, clock: ManualClock) -> None:
    assert scheduler.leadership is not None
    await scheduler.tick(clock.now())
    assert await scheduler.leadership.check()  # this one leads: its tick did the work


async def erased_audits(db: Database) -> list[AuditEntry]:
    async with db.session() as session:
        query = select(AuditEntry).where(AuditEntry.action == "retention.erased").order_by(col(AuditEntry.id))
        return list((await session.exec(query)).all())


async def settings_of(db: Database, name: str) -> dict[str, object]:
    async with db.session() as session:
        return dict((await session.exec(select(Coalition).where(Coalition.name == name))).one().settings)


def test_months_are_calendar_months_and_limits_are_validated() -> None:
    assert months_before(datetime(2026, 3, 31, 5, tzinfo=UTC), 1) == datetime(2026, 2, 28, 5, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)
    assert parse_months("keep_notes", "forever") == 0
    assert parse_months("keep_notes", " 120 ") == 120
    assert months_kept({"keep_notes": 6}, "keep_notes") == 6
    assert months_kept({"keep_notes": "junk"}, "keep_notes") == 0
    assert months_kept({"keep_notes": 500}, "keep_notes") == 0
    assert months_kept({}, "keep_notes") == 0


async def test_steering_sets_limits_with_clear_errors(chat: Chat, db: Database) -> None:
    await coalition(chat)
    for bad in ("keep_notes=121", "keep_notes=abc", "keep_flags=-1", "keep_flags=2.5"):
        reply = await chat.say("alice", f"/coalition settings {bad}")
        assert reply.is_error, bad
        assert "from 1 to 120" in reply.plain(), reply.plain()
    # a bad limit next to a good setting changes nothing at all
    assert (await chat.say("alice", "/coalition settings need_day=fri keep_notes=0.5")).is_error
    assert "stalled_need_day" not in await settings_of(db, "Clean Air")
    assert (await chat.say("bob", "/coalition settings keep_notes=6")).is_error  # steering only

    saved = await chat.say("alice", "/coalition settings keep_notes=6 keep_flags=1")
    assert not saved.is_error, saved.plain()
    said = saved.plain()
    assert "notes and blockers are erased 6 months after each check-in" in said
    assert "deleted, with its log, 1 month after it closes" in said
    assert await settings_of(db, "Clean Air") == {"keep_notes": 6, "keep_flags": 1}
    assert (await chat.say("alice", "/coalition settings keep_notes=6")).is_error  # nothing changed

    privacy = (await chat.say("bob", "/coalition privacy")).plain()
    assert "erased 6 months after each check-in" in privacy
    assert "1 month after it closes" in privacy

    forever = await chat.say("alice", "/coalition settings keep_notes=forever keep_flags=0")
    assert not forever.is_error, forever.plain()
    assert "No retention limit is set" in forever.plain()
    assert await settings_of(db, "Clean Air") == {}
    privacy = (await chat.say("bob", "/coalition privacy")).plain()
    assert "erased 6 months" not in privacy
    assert "Steering can have the notes and blockers erased" in privacy


async def test_the_public_page_says_what_steering_can_set(chat: Chat, db: Database, clock: ManualClock) -> None:
    await coalition(chat)
    assert not (await chat.say("alice", "/coalition settings keep_notes=6")).is_error
    app = build_app(chat.core, [], Metrics(), extra=routes_of(WORKFLOWS, db, clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as client:
        page = (await client.get("/privacy")).text
    assert "Steering can have the notes and blockers erased" in page
    assert "Steering can have resolved and dismissed flags deleted" in page
    assert "erased 6 months" not in page  # no coalition's own limit on the public page


async def test_notes_older_than_the_limit_are_erased_in_that_coalition_only(
    chat: Chat, db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    clock.set(START)
    await coalition(chat)
    await coalition(chat, "Other Air", channel="other")
    assert not (await chat.say("alice", '/goal add "Calls" target=100 unit=calls')).is_error
    assert not (await chat.say("alice", '/goal add "Calls" target=100 unit=calls', channel="other")).is_error
    old = await chat.say("bob", '/checkin log 5 "OLDNOTE alpha" blockers="OLDBLOCK alpha"')
    assert not old.is_error, old.plain()
    assert not (await chat.say("bob", '/checkin log 2 "OTHERNOTE gamma"', channel="other")).is_error
    clock.advance(timedelta(days=100))
    assert not (await chat.say("bob", '/checkin log 3 "NEWNOTE beta" blockers="NEWBLOCK beta"')).is_error
    assert not (await chat.say("alice", "/coalition settings keep_notes=3")).is_error
    await tick(scheduler, clock)  # April 20: the January check-in is older than 3 months, the new one not
    text = await everything(db)
    assert "OLDNOTE alpha" not in text
    assert "OLDBLOCK alpha" not in text
    assert "NEWNOTE beta" in text
    assert "NEWBLOCK beta" in text
    assert "OTHERNOTE gamma" in text  # the other coalition set no limit
    async with db.session() as session:
        amounts = sorted(c.amount for c in (await session.exec(select(Checkin))).all())
    assert amounts == [2, 3, 5]  # the amounts stay
    assert "8 / 100" in (await chat.say("alice", "/goal show 1")).plain()
    [audit] = await erased_audits(db)
    assert audit.subject == "checkin"
    assert audit.detail == {"months": 3, "notes": 1}
    assert audit.member_id is None

    before = await dump(db)
    await tick(scheduler, clock)  # the same day: not due again
    clock.advance(timedelta(days=1))
    await tick(scheduler, clock)  # the next day: due, nothing left to erase, nothing audited
    after = await dump(db)
    assert {k: v for k, v in after.items() if k != "botstate"} == {k: v for k, v in before.items() if k != "botstate"}
    assert len(await erased_audits(db)) == 1

    clock.advance(timedelta(days=100))  # now the second check-in (April 20) is older than 3 months too
    await tick(scheduler, clock)
    text = await everything(db)
    assert "NEWNOTE beta" not in text
    assert "NEWBLOCK beta" not in text
    assert "OTHERNOTE gamma" in text
    assert len(await erased_audits(db)) == 2


async def test_closed_flags_older_than_the_limit_go_whole(
    chat: Chat, db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    clock.set(START)
    await coalition(chat)
    await coalition(chat, "Other Air", channel="other")

    _reply, receipt = await raise_flag(chat, "bob", topic="OLDTOPIC one", description="OLDWORDS one", parties="Sam")
    old_id = (await flags(db))[-1].id
    assert not (await chat.say("alice", f'/flag note {old_id} "OLDNOTE one"')).is_error
    assert not (await chat.say("fay", f'/flag reply {old_id} "OLDREPLY one"')).is_error
    assert not (await chat.say("fay", f'/flag resolve {old_id} "OLDOUTCOME one"')).is_error
    await raise_flag(chat, "bob", topic="OPENTOPIC three", description="OPENWORDS three")
    await raise_flag(chat, "bob", channel="other", topic="OTHERTOPIC four", description="OTHERWORDS four")
    other_id = (await flags(db))[-1].id
    assert not (await chat.say("fay", f'/flag dismiss {other_id} "OTHEROUTCOME four"', channel="other")).is_error

    clock.advance(timedelta(days=90))
    await raise_flag(chat, "bob", topic="RECENTTOPIC two", description="RECENTWORDS two")
    recent_id = (await flags(db))[-1].id
    assert not (await chat.say("fay", f'/flag dismiss {recent_id} "RECENTOUTCOME two"')).is_error
    await clear_outbox(db)  # every notification delivered

    assert not (await chat.say("alice", "/coalition settings keep_flags=2")).is_error
    clock.advance(timedelta(days=1))
    await tick(scheduler, clock)

    text = await everything(db)
    for gone in ("OLDTOPIC one", "OLDWORDS one", "OLDNOTE one", "OLDREPLY one", "OLDOUTCOME one"):
        assert gone not in text, gone
    for kept in ("RECENTTOPIC two", "RECENTOUTCOME two", "OPENTOPIC three", "OTHERTOPIC four", "OTHEROUTCOME four"):
        assert kept in text, kept
    snapshot = await dump(db)
    for table in ("flag_event", "flag_party", "conflict_flag"):
        column = "flag_id" if table != "conflict_flag" else "id"
        index = [c.name for c in ConflictFlag.metadata.tables[table].columns].index(column)
        assert all(row[index] != old_id for row in snapshot[table]), table
    status = await chat.say("bob", f"/flag status {receipt}")
    assert "OLDTOPIC" not in status.plain()
    [audit] = await erased_audits(db)
    assert audit.subject == "flag"
    assert audit.detail["flags"] == 1
    assert audit.detail["parties"] == 1
    assert audit.detail["events"] >= 4  # raised, note, reply, resolved (and what the steps logged)
    assert audit.detail["messages"] >= 1  # the delivered notifications that quoted it

    clock.advance(timedelta(days=1))
    before = await dump(db)
    await tick(scheduler, clock)  # twice: nothing more
    after = await dump(db)
    assert {k: v for k, v in after.items() if k != "botstate"} == {k: v for k, v in before.items() if k != "botstate"}

    async with db.unit_of_work() as session:  # the erasure alone, for the other coalition: nothing closed is old
        other = (await session.exec(select(Coalition).where(Coalition.name == "Other Air"))).one()
        assert await erase_closed(session, other.id or 0, months_before(clock.now(), 12)) == {}
    assert receipt_of(_reply) == receipt


async def test_delivered_digests_that_quoted_old_blockers_go_too(
    chat: Chat, db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    clock.set(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))
    await coalition(chat)
    assert not (await chat.say("alice", '/goal add "Calls" target=100 unit=calls')).is_error
    assert not (await chat.say("alice", "/checkin schedule daily 09:00 window=1")).is_error
    clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    await tick(scheduler, clock)  # the prompt
    clock.advance(timedelta(minutes=10))
    assert not (await chat.say("bob", '/checkin log 4 "DIGESTNOTE" blockers="DIGESTBLOCK"')).is_error
    clock.set(datetime(2026, 1, 10, 10, 1, tzinfo=UTC))
    await tick(scheduler, clock)  # the digest, quoting the blocker
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.key).startswith("digest:")))).all()
    assert rows
    assert any("DIGESTBLOCK" in decode_reply(row.payload).plain() for row in rows)
    await clear_outbox(db)  # delivered

    assert not (await chat.say("alice", "/coalition settings keep_notes=1")).is_error
    clock.set(datetime(2026, 2, 20, 7, 0, tzinfo=UTC))
    await tick(scheduler, clock)
    text = await everything(db)
    assert "DIGESTBLOCK" not in text
    assert "DIGESTNOTE" not in text
    [audit] = await erased_audits(db)
    assert audit.detail["notes"] == 1
    assert audit.detail["digests"] >= 1


async def test_used_and_expired_codes_are_not_kept(
    chat: Chat, db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    """The privacy page says link and connect codes are kept until they expire: their hashes go."""
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", "/coalition link")
    await chat.say("bob", "/coalition connect")
    clock.advance(timedelta(minutes=20))  # the connect code expired, the link code (24 hours) not
    await chat.say("fay", "/coalition connect")  # fresh
    await tick(scheduler, clock)
    async with db.session() as session:
        connect_codes = (await session.exec(select(ConnectCode))).all()
        link_codes = (await session.exec(select(LinkCode))).all()
    assert [c.expires_at > clock.now() for c in connect_codes] == [True]  # only Fay's fresh one
    assert len(link_codes) == 1
    clock.advance(timedelta(hours=25))
    await tick(scheduler, clock)
    async with db.session() as session:
        assert (await session.exec(select(ConnectCode))).all() == []
        assert (await session.exec(select(LinkCode))).all() == []
