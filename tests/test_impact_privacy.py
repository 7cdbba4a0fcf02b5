"""The pulse's anonymity, proven by a scan, and every word of /impact through the catalogs.

A respondent answers the pulse with a comment; after the pulse is closed, its results posted and
the coalition exported, every column of every table and every captured log line is searched: no
row or log line that holds the answer (its comment) holds anything of the respondent, no table that
holds answers has a column for a person, and the only rows that name the respondent's member say
nothing of what they answered. The pseudo-locale run fails on any plain English word /impact says
outside code, values and text people typed."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.commands.impact import workflow
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.context import Actor, FormSubmission, Invocation
from bot.core.ui import Reply
from bot.store.db import Database
from bot.store.impact_models import PulseComment, PulseTally
from bot.store.models import Coalition, Identity
from tests.support import Chat, outbox
from tests.test_impact import START, coalition
from tests.test_meet import run_job
from tests.test_pledge_i18n import BABEL_MOMENT, ENGLISH, words_of

RESPONDENT = Actor("console", "local", "quxrespond7", "Quxley Vantablack")
NEEDLES = ("quxrespond7", "Quxley", "Vantablack")
MARKER = "zebra-marker-41 the meetings run long"
PERSON_COLUMNS = ("member_id", "actor_id", "started_by", "created_by", "author_id", "proposer_id", "updated_by")


async def every_row(db: Database) -> list[tuple[str, dict[str, Any]]]:
    found = []
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await connection.execute(sa_select(table))).mappings():
                found.append((table.name, dict(row)))
    return found


def text_of(row: dict[str, Any]) -> str:
    return " ".join(v if isinstance(v, str) else json.dumps(v, default=str) for v in row.values() if v is not None)


async def test_no_respondent_identity_is_tied_to_a_pulse_answer(
    chat: Chat, db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", "/impact pulse start")
    place = chat.place()
    opened = await chat.core.run_command(Invocation("impact", RESPONDENT, place, text="pulse"))
    assert opened.form is not None
    answered = await chat.core.submit_form(
        FormSubmission("impact.pulse", {"score": "2", "comment": MARKER}, RESPONDENT, place, opened.form.state, "V9")
    )
    assert "anonymously" in answered.plain()
    for who, score in (("bob", 4), ("carol", 4), ("dave", 5), ("erin", 3)):
        form = (await chat.say(who, "/impact pulse")).form
        assert form is not None
        await chat.submit(who, "impact.pulse", {"score": str(score)}, state=form.state)
    closed = await chat.say("alice", "/impact pulse close")
    assert MARKER in closed.plain()  # the comment is shown, without its author
    await chat.say("alice", "/coalition export")
    await run_job(db, workflow.jobs[0], START.replace(year=2027))  # the pulse is closed: no reminder

    async with db.session() as session:
        [identity] = (await session.exec(select(Identity).where(Identity.user_id == RESPONDENT.user_id))).all()
    respondent = identity.member_id
    rows = await every_row(db)
    assert rows
    for table, row in rows:
        text = text_of(row)
        if MARKER in text:  # the answer's comment, wherever it went: the table, the posted results
            assert not any(n.lower() in text.lower() for n in NEEDLES), (table, text[:120])
            assert not any(row.get(c) == respondent for c in PERSON_COLUMNS), (table, row)
        refers = any(row.get(c) == respondent for c in PERSON_COLUMNS) or any(n in text for n in NEEDLES)
        if refers:
            assert table not in ("pulsetally", "pulsecomment"), (table, row)
            assert MARKER not in text
            assert '"score"' not in text
            if table == "pulseresponder":
                assert set(row) == {"coalition_id", "pulse_id", "member_id"}  # that they answered, no more
    for model in (PulseTally, PulseComment):
        columns = set(model.__table__.columns.keys())  # type: ignore[attr-defined]
        assert not columns & set(PERSON_COLUMNS), model
        assert not {"created_at", "at", "answered_at"} & columns  # no moment of answering either
    if not db.is_sqlite:  # PostgreSQL's row versions: the sealed answers share none with the responders
        async with db.engine.connect() as connection:
            xmins = {
                table: {r[0] for r in await connection.exec_driver_sql(f"SELECT xmin::text FROM {table}")}
                for table in ("pulsecomment", "pulsetally", "pulseresponder")
            }
        assert not (xmins["pulsecomment"] | xmins["pulsetally"]) & xmins["pulseresponder"]
    for record in caplog.records:
        message = record.getMessage()
        assert MARKER not in message
        assert not (any(n in message for n in NEEDLES) and "pulse" in message.lower()), message
    for row in await outbox(db):
        payload = json.dumps(row.payload)
        assert not (MARKER in payload and any(n in payload for n in NEEDLES))


TYPED = ["Clean Air", "Acme Trust", "River Group", "Harbour Aid", "Lone Works", "Calls", "Masks", "masks", "Joint"]
TYPED += [
    "Alice",
    "Bob",
    "Carol",
    "Dave",
    "Erin",
    "Frank",
    "Outreach",
    "Council",
    "adopted",
    "plan",
    "Trust",
    "us",
    "Europe/Berlin",
]


def english_left(reply: Reply) -> list[str]:
    found = []
    for text in words_of(reply):
        text = re.sub(r"`[^`]*`", "", BABEL_MOMENT.sub("", text))
        text = re.sub(r"#\d+", "", text)
        for typed in sorted(TYPED, key=len, reverse=True):
            text = text.replace(typed, "")
        found += ENGLISH.findall(text)
    return found


async def test_no_english_escapes_the_catalogs(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    await coalition(chat)
    async with db.unit_of_work() as session:
        c = (await session.exec(select(Coalition))).one()
        c.language = "qps"
        session.add(c)
    replies: list[Reply] = []

    async def say(who: str, line: str) -> Reply:
        reply = await chat.say(who, line)
        replies.append(reply)
        return reply

    for who, line in (
        ("alice", "/impact wins"),
        ("alice", "/impact leaders"),
        ("alice", "/impact relationships"),
        ("alice", "/impact pulse"),
        ("alice", "/impact pulse results"),
        ("alice", "/impact report"),
        ("alice", '/goal add "Calls" target=10'),
        ("bob", "/checkin 2 goal=1"),
        ("carol", "/checkin 2 goal=1"),
        ("carol", '/pledge need "Masks" amount=5 unit=masks'),
        ("bob", '/pledge offer "Masks" amount=5 unit=masks'),
        ("bob", "/pledge match 2 1"),
        ("erin", '/coalition group create "Outreach"'),
        ("bob", '/impact win "Council adopted plan" goal=1 climate=yes'),
        ("bob", '/impact win "Council adopted plan" goal=1 close=yes'),
        ("bob", '/impact win "Council adopted plan" goal=9'),
        ("alice", '/impact win "Council adopted plan" close=yes'),
        ("alice", "/impact win"),
        ("bob", "/impact pulse start"),
        ("alice", "/impact pulse close"),
        ("alice", "/impact pulse start"),
        ("alice", "/impact pulse start"),
        ("alice", "/impact wins"),
        ("alice", "/impact leaders"),
        ("alice", "/impact relationships"),
        ("alice", "/coalition status"),
    ):
        await say(who, line)
    for who in ("alice", "bob", "carol", "dave"):
        form = (await say(who, "/impact pulse")).form
        assert form is not None
        replies.append(await chat.submit(who, "impact.pulse", {"score": "4", "comment": ""}, state=form.state))
    replies.append(await chat.submit("alice", "impact.pulse", {"score": "4"}, state="1"))
    await say("alice", "/impact pulse close")  # withheld: 4 answers
    await say("alice", "/impact pulse start")
    for who in ("alice", "bob", "carol", "dave", "erin"):
        form = (await say(who, "/impact pulse")).form
        assert form is not None
        await chat.submit(who, "impact.pulse", {"score": "3"}, state=form.state)
    await say("alice", "/impact pulse close")
    await say("alice", "/impact pulse results")
    await say("alice", "/impact report")
    replies += [decode_reply(r.payload) for r in await outbox(db)]
    left = {e for r in replies for e in english_left(r)}
    assert left == set(), [(e, r.plain()[:300]) for r in replies for e in english_left(r)][:6]
