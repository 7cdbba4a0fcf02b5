"""One transaction per command (issue 16): what a platform said about a person is written by the
command's own unit of work, and the documents behind buttons are remembered, so a command opens no
transaction of its own for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event
from sqlmodel import select

from bot.core.services import KnownPerson
from bot.store.db import Database
from bot.store.repo import get_state
from bot.store.slack_models import SlackPerson
from tests.support import Chat

WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@contextmanager
def transactions(db: Database) -> Iterator[list[str]]:
    begun: list[str] = []

    def begin(conn: object) -> None:
        begun.append("begin")

    event.listen(db.engine.sync_engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(db.engine.sync_engine, "begin", begin)


async def people_rows(db: Database) -> list[SlackPerson]:
    async with db.session() as session:
        return list((await session.exec(select(SlackPerson))).all())


async def test_a_person_is_written_by_the_next_command(chat: Chat, db: Database) -> None:
    people = chat.core.services.people
    with transactions(db) as begun:
        await people.put(KnownPerson("U1", "T1", "Ana", "Europe/Madrid", WHEN))
    assert begun == []  # no transaction of its own
    assert await people.get("U1") == KnownPerson("U1", "T1", "Ana", "Europe/Madrid", WHEN)  # known meanwhile
    assert await people_rows(db) == []

    await chat.say("alice", '/coalition create "Clean Air"')
    rows = await people_rows(db)
    assert [(r.user_id, r.display_name, r.tz) for r in rows] == [("U1", "Ana", "Europe/Madrid")]


async def test_a_command_that_rolls_back_keeps_the_person_for_the_next(chat: Chat, db: Database) -> None:
    people = chat.core.services.people
    await people.put(KnownPerson("U2", "T1", "Bea", None, WHEN))
    refused = await chat.say("alice", "/goal add Flyers target=10")  # no coalition here: refused, rolled back
    assert refused.is_error
    assert await people_rows(db) == []
    await chat.say("alice", '/coalition create "Clean Air"')
    assert [r.user_id for r in await people_rows(db)] == ["U2"]


async def test_kept_documents_are_remembered(chat: Chat, db: Database) -> None:
    kept = chat.core.services.kept
    await kept.put({"slack:value:abc": {"text": "a long value"}})
    with transactions(db) as begun:
        await kept.put({"slack:value:abc": {"text": "a long value"}})  # the same buttons again
        assert await kept.get("slack:value:abc") == {"text": "a long value"}  # a click on one
    assert begun == []
    await kept.put({"fixed": {"v": 1}})
    await kept.put({"fixed": {"v": 2}})  # a fixed name that changes is written again
    async with db.session() as session:
        assert await get_state(session, "fixed") == {"v": 2}


async def test_a_checkin_is_one_transaction(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("alice", '/goal add "Calls" target=100')
    await chat.say("bob", "/coalition join")
    await chat.core.services.people.put(KnownPerson("U3", "T1", "Cleo", None, WHEN))
    with transactions(db) as begun:
        reply = await chat.say("bob", '/checkin 2 goal=1 "calls"')
    assert not reply.is_error
    assert len(begun) == 1  # the language, the person, the check-in: one unit of work
    assert [r.user_id for r in await people_rows(db)] == ["U3"]
    with transactions(db) as begun:
        assert (await chat.say("bob", "/checkin 2 goal=99")).is_error  # a refusal: still one
    assert len(begun) == 1
