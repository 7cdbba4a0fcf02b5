"""One transaction per command (issue 16): what a platform said about a person is written by the
command's own unit of work, and the documents behind buttons are remembered, so a command opens no
transaction of its own for them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.core.services import KnownPerson
from bot.store.db import Database
from bot.store.repo import get_state
from bot.store.slack_models import SlackPerson
from tests.support import Chat, transactions

WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


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


async def test_a_button_click_is_one_transaction_in_the_persons_language(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("bob", "/coalition join")
    await chat.say("bob", "/coalition language es")
    prompt = await chat.say("bob", "/coalition forget-me")
    with transactions(db) as begun:
        done = await chat.click("bob", prompt, "Borrar mis datos")
    assert not done.is_error
    assert done.lang == "es"  # found by the click's own unit of work…
    assert len(begun) == 1  # …which is the only transaction: no separate read for the language


async def test_a_form_submission_is_one_transaction_even_when_a_field_is_wrong(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("alice", '/goal add "Calls" target=100')
    await chat.say("bob", "/coalition join")
    await chat.say("bob", "/coalition language es")
    with transactions(db) as begun:
        done = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": "3", "note": "llamadas"})
    assert not done.is_error
    assert not done.form_errors
    assert done.lang == "es"
    assert len(begun) == 1
    with transactions(db) as begun:
        wrong = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": ""})
    assert set(wrong.form_errors) == {"amount"}  # shown next to the field, in Spanish, nothing written
    assert wrong.lang == "es"
    assert wrong.form_errors["amount"] != "Please fill this in."
    assert len(begun) == 1  # a read for the language: no unit of work for a form that cannot be taken
    total = await chat.say("bob", "/goal show 1")
    assert "3 / 100" in total.plain()
