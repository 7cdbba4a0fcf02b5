"""``/meet list``, the status section's polls and the calendar feed cost a fixed number of queries
however many meetings there are (issue 23), and still count right: who answered every slot, and
whether you still have to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event

from bot.commands.meet.feed import feed_ics
from bot.core.clock import ManualClock
from bot.store.db import Database
from tests.support import Chat

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def propose(chat: Chat, n: int) -> None:
    for k in range(n):
        reply = await chat.say("alice", f'/meet propose "Call {k}" 2026-03-10 09:00 2026-03-11 17:00 2026-03-12 08:00')
        assert not reply.is_error, reply.plain()


async def test_the_meeting_list_costs_the_same_for_two_polls_or_eight(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    for who in ("bob", "carol"):
        assert not (await chat.say(who, '/coalition join org="Acme"')).is_error
    await propose(chat, 2)
    await chat.say("bob", "/meet list")
    with statements(db) as few:
        first = (await chat.say("bob", "/meet list")).plain()
    await propose(chat, 6)
    with statements(db) as many:
        listed = (await chat.say("bob", "/meet list")).plain()
    assert len(many) == len(few)
    assert "#8 Call 5" in listed
    assert "0 of 3 answered · you have not answered yet" in first
    meeting = re.search(r"#(\d+) Call 0", listed)
    assert meeting is not None
    for slot in ("slot1", "slot2", "slot3"):
        await chat.submit("bob", "meet.vote", {slot: "yes"}, state=meeting[1])
    await chat.submit("carol", "meet.vote", {"slot1": "no"}, state=meeting[1])
    after = (await chat.say("bob", "/meet list")).plain()
    line = next(x for x in after.splitlines() if "Call 0 " in x or x.endswith("Call 0"))
    assert "1 of 3 answered" in line
    assert "you have not answered" not in line
    carol = next(x for x in (await chat.say("carol", "/meet list")).plain().splitlines() if "Call 0" in x)
    assert "you have not answered yet" in carol
    status = (await chat.say("carol", "/coalition status")).plain()
    assert "#8 Call 5 — meeting poll, 3 members have not answered (you among them" in status


async def test_the_calendar_feed_costs_the_same_for_one_meeting_or_four(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    token_reply = (await chat.say("alice", "/meet feed")).plain()
    found = re.search(r"/calendar/clean-air/([\w-]+)\.ics", token_reply)
    assert found is not None
    await propose(chat, 1)
    await chat.say("alice", '/meet agenda 1 "Budget"')
    assert not (await chat.say("alice", "/meet close 1 1")).is_error
    with statements(db) as few:
        one = await feed_ics(db, "clean-air", found[1], clock)
    await propose(chat, 3)
    for k in (2, 3, 4):
        await chat.say("alice", f'/meet agenda {k} "Point {k}"')
        assert not (await chat.say("alice", f"/meet close {k} 2")).is_error
    with statements(db) as many:
        four = await feed_ics(db, "clean-air", found[1], clock)
    assert one is not None
    assert four is not None
    assert len(many) == len(few)
    assert four.count(b"BEGIN:VEVENT") == 4
    assert b"Point 4" in four
    assert b"Budget" in four
