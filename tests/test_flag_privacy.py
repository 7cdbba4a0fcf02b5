"""Anonymity that holds, and every word through the catalogs.

An anonymous reporter raises a flag, reads the replies and adds information; afterwards every
column of every table and every captured log line is searched for their account id, their home
workspace and their name. A failure inside the confidential form is logged without them too. The
pseudo-locale run fails on any plain English word the workflow says outside code, values and text
people typed."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from bot.commands.flag import intake
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.context import Actor
from bot.core.ui import Bold, Code, Context, Fields, Form, Header, Italic, Plain, Reply, Rich, Section
from bot.store.db import Database
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat, outbox
from tests.test_console import run_console
from tests.test_flag import (
    RECEIPT,
    as_actor,
    coalition,
    flags,
    form,
    receipt_of,
    set_settings,
    submit_as,
)
from tests.test_flag_hooks import run_jobs

REPORTER = Actor("console", "HOMEWSQX42", "quxreporter7", "Quxley Vantablack")
NEEDLES = ("quxreporter7", "HOMEWSQX42", "Quxley", "Vantablack")


async def every_value(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, text) for every non-empty value in the database, JSON included."""
    found = []
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await connection.execute(sa_select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    found.append((table.name, column, text))
    return found


def hits(texts: list[tuple[str, str, str]], needles: tuple[str, ...] = NEEDLES) -> list[tuple[str, str, str]]:
    return [(t, c, v[:80]) for t, c, v in texts if any(n.lower() in v.lower() for n in needles)]


async def test_an_anonymous_flag_leaves_no_trace_of_its_reporter(
    chat: Chat, db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    await coalition(chat)
    assert hits(await every_value(db)) == []

    opened = await as_actor(chat, REPORTER, "/flag")
    assert opened.form is not None
    raised = await submit_as(chat, REPORTER, form(anonymous="yes", parties="Bob"), request_id="view:V77")
    receipt = receipt_of(raised)
    [stored] = await flags(db)
    await chat.say("fay", f'/flag reply {stored.id} "When did it happen?"')
    assert "When did it happen?" in (await as_actor(chat, REPORTER, f"/flag status {receipt}")).plain()
    assert not (await as_actor(chat, REPORTER, f'/flag add {receipt} "Last Tuesday"')).is_error
    clock.advance(timedelta(hours=49))
    await run_jobs(db, clock)
    await chat.say("alice", f'/flag resolve {stored.id} "Talked it through"')
    await chat.say("alice", "/coalition export")

    assert hits(await every_value(db)) == []
    assert [r.message for r in caplog.records if any(n.lower() in r.getMessage().lower() for n in NEEDLES)] == []
    for row in await outbox(db):
        assert row.target != REPORTER.user_id


async def test_a_failure_in_the_confidential_form_is_logged_without_the_reporter(
    chat: Chat, db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await coalition(chat)

    def broken() -> str:
        raise RuntimeError("receipt generator broke")

    # The module itself: ``bot.commands.flag`` as an attribute of ``bot.commands`` is the workflow.
    monkeypatch.setattr(intake, "new_receipt", broken)
    caplog.set_level(logging.INFO)
    reply = await submit_as(chat, REPORTER, form(anonymous="yes"))
    assert reply.is_error
    assert "reference" in reply.plain()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged
    assert "intake.py" in logged  # where it failed stays findable
    assert not any(n.lower() in logged.lower() for n in NEEDLES)
    assert await flags(db) == []
    assert hits(await every_value(db)) == []


# languages ------------------------------------------------------------------------------------

ENGLISH = re.compile(r"[A-Za-z]{3,}")


def words_of(rich_text: Rich) -> list[str]:
    return [p.text for p in rich_text.parts if isinstance(p, Plain | Bold | Italic)]


def texts_of(reply: Reply) -> list[str]:
    """The bot's own words in a reply: everything but code spans, timestamps and links."""
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            out.append(block.text)
        elif isinstance(block, Section | Context):
            out.extend(words_of(block.text))
        elif isinstance(block, Fields):
            for field in block.fields:
                out.append(field.label)
                out.extend(words_of(field.value))
    if reply.form is not None:
        out.extend(form_texts(reply.form))
    if reply.form_errors:
        out.extend(reply.form_errors.values())
    return out


def form_texts(form_: Form) -> list[str]:
    out = [form_.title, form_.submit_label]
    for field in form_.fields:
        out += [field.label, field.hint, field.placeholder, *(o.label for o in field.options)]
    return out


def english_left(reply: Reply, values: tuple[str, ...]) -> list[str]:
    left = []
    for text in texts_of(reply):
        for value in sorted(values, key=len, reverse=True):
            text = text.replace(value, " ")
        left += ENGLISH.findall(text)
    return left


async def test_every_flag_sentence_comes_from_the_catalogs(chat: Chat, db: Database, clock: ManualClock) -> None:
    await coalition(chat)
    await set_settings(db, flag_escalation_hours=1)
    async with db.unit_of_work() as session:
        from bot.store.models import Coalition

        for c in (await session.exec(sa_select(Coalition))).scalars():
            c.language = "qps"
            session.add(c)
    topic, description, outcome = "Shouting at meetings", "It happened twice.", "Talked it through"
    replies: list[Reply] = []

    async def said(who: str, line: str) -> Reply:
        reply = await chat.say(who, line)
        replies.append(reply)
        return reply

    opened = await said("bob", "/flag")
    assert opened.form is not None
    submitted = await chat.submit("bob", "flag.raise", form(parties="Fay, Nobody Here"))
    replies.append(submitted)
    raised = await chat.submit("bob", "flag.raise", form(parties="Acme Trust"))
    replies.append(raised)
    receipt = receipt_of(raised)
    anonymous = await chat.submit("bob", "flag.raise", form(anonymous="yes", topic="Second"))
    replies.append(anonymous)
    first, _second = await flags(db)
    fid = first.id
    for who, line in (
        ("alice", "/flag list"),
        ("alice", f"/flag ack {fid}"),
        ("alice", f"/flag ack {fid}"),
        ("alice", f'/flag note {fid} "A note"'),
        ("fay", f'/flag reply {fid} "A reply"'),
        ("bob", f"/flag status {receipt}"),
        ("bob", f'/flag add {receipt} "More"'),
        ("bob", "/flag status AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"),
        ("fay", "/flag show 999"),
        ("alice", f'/flag resolve {fid} "{outcome}"'),
        ("alice", f'/flag resolve {fid} "{outcome}"'),
        ("alice", f"/flag show {fid}"),
    ):
        await said(who, line)
    clock.advance(timedelta(days=8))
    await run_jobs(db, clock)
    await said("alice", "/flag list")
    for _ in range(3):
        await chat.submit("bob", "flag.raise", form())
    replies.append(await chat.submit("bob", "flag.raise", form()))  # over the daily limit
    async with db.session() as session:
        rows = (await session.exec(sa_select(OutboxMessage))).scalars().all()
    replies.extend(decode_reply(row.payload) for row in rows)

    values = (
        topic,
        description,
        outcome,
        "A note",
        "A reply",
        "More",
        "Second",
        "Nobody Here",
        "Clean Air",
        "Alice",
        "Fay",
        "Bob",
        "Acme Trust",
        receipt,
    )
    left: dict[str, Any] = {}
    for reply in replies:
        found = english_left(reply, values)
        if found:
            left[reply.plain()[:120]] = found
    assert left == {}
    assert any(isinstance(p, Code) for r in replies for b in r.blocks if isinstance(b, Section) for p in b.text.parts)


async def test_an_anonymous_flag_through_the_console_prompts_leaves_no_trace(tmp_path: Path) -> None:
    script = (
        '/coalition create "Clean Air"\n'
        ":as fay\n/coalition join\n"
        ":as alice\n/coalition role @fay facilitator\n"
        ":as quixotic77\n/flag\nNoise at night\nIt keeps happening.\n\n3\nyes\n"
        ":as fay\n/flag list\n"
    )
    result = run_console(tmp_path, script, "--as", "alice")
    assert result.returncode == 0, result.stderr
    assert RECEIPT.search(result.stdout), result.stdout
    assert "high, open" in result.stdout  # Fay's list
    assert "quixotic77" not in result.stderr.lower()
    db = Database.from_url(f"sqlite:///{tmp_path / 'console.db'}")
    try:
        values = await every_value(db)
        assert any("Noise at night" in v for _, _, v in values)
        assert hits(values, ("quixotic77", "Quixotic77")) == []
    finally:
        await db.dispose()


async def test_the_slack_adapter_apologises_for_a_confidential_command_without_naming_the_person(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.adapters.slack.interactions import SlackInteractions
    from bot.adapters.slack.people import People
    from bot.adapters.slack.translate import Origin
    from tests.support import make_core

    core = make_core(db)
    interactions = SlackInteractions(core, People(db, core.clock))
    delivered: list[Reply] = []

    async def deliver(client: object, origin: Origin, reply: Reply) -> None:
        delivered.append(reply)

    interactions.deliver = deliver  # type: ignore[assignment,method-assign]
    origin = Origin(team="TREXHOME9", channel="C1", user="UREXOLOTL1", user_name="rexolotl", user_team="TREXHOME9")
    broken_lookups(db, monkeypatch, "UREXOLOTL1")  # the apology's language lookup fails too
    caplog.set_level(logging.INFO)
    logged: dict[bool, list[str]] = {}
    for confidential in (True, False):
        caplog.clear()
        try:
            raise RuntimeError("delivery broke")
        except RuntimeError:
            await interactions.apologise(None, origin, None, "command /flag", confidential=confidential)  # type: ignore[arg-type]
        logged[confidential] = [r.getMessage() for r in caplog.records]
    [confidential_line] = [line for line in logged[True] if "command /flag" in line]
    [ordinary_line] = [line for line in logged[False] if "command /flag" in line]
    assert "RuntimeError" in confidential_line
    assert not any(n in line for line in logged[True] for n in ("UREXOLOTL1", "TREXHOME9", "rexolotl"))
    assert any("could not look up the language" in line for line in logged[True])
    assert "UREXOLOTL1" in ordinary_line  # other commands keep naming who it failed for
    assert any("could not look up the language of slack:UREXOLOTL1" in line for line in logged[False])
    assert len(delivered) == 2
    assert all("reference" in r.plain() for r in delivered)


def broken_lookups(db: Database, monkeypatch: pytest.MonkeyPatch, account: str) -> None:
    """Make the read-only session (the language lookup's) fail with an error quoting the account,
    as a database error quotes its parameters; units of work still run."""

    def session() -> Any:
        raise RuntimeError(f"lookup failed for parameters ('{account}',)")

    monkeypatch.setattr(db, "session", session)


async def test_a_failed_language_lookup_for_a_confidential_command_does_not_name_the_person(
    chat: Chat, db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await coalition(chat)
    broken_lookups(db, monkeypatch, REPORTER.user_id)
    caplog.set_level(logging.INFO)
    opened = await as_actor(chat, REPORTER, "/flag")
    assert opened.form is not None
    raised = await submit_as(chat, REPORTER, form(anonymous="yes"))
    receipt_of(raised)  # the flag is raised all the same
    await chat.core.complete("flag", REPORTER, chat.place(), "")
    confidential = [r.getMessage() for r in caplog.records]
    # the command, the form and the completion find the language in their own unit of work: no
    # separate lookup to fail (a stale form would still look it up, logged without the person)
    assert sum("could not look up the language" in line for line in confidential) == 0
    assert [line for line in confidential if any(n.lower() in line.lower() for n in NEEDLES)] == []
    assert hits(await every_value(db)) == []

    caplog.clear()
    await as_actor(chat, REPORTER, "/goal")  # an ordinary command's help keeps naming who it failed for
    assert any(f"console:{REPORTER.user_id}" in r.getMessage() for r in caplog.records)
