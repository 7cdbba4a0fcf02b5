"""Scoping that cannot be forgotten: every subcommand, form and button of the registry, given an id
of another coalition's data, refuses it, shows nothing of it and changes nothing.

The test walks the registry, so a new workflow's commands are covered without a line here: each
subcommand with an ``id`` parameter (goal, schedule, …) is run from coalition A with every id that
exists only in coalition B; it must answer with an error and leave every table exactly as it was.
Forms get B's ids in their id fields and as their state; buttons get them as their value; whatever
they do in A, B's rows stay as they were and nothing of B shows in the answer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import SQLModel, select

from bot.core.clock import ManualClock
from bot.core.context import ActionEvent, FormSubmission
from bot.core.params import Kind, Param
from bot.core.registry import Registry
from bot.core.ui import Reply
from bot.store import tables  # noqa: F401  (every table in the metadata)
from bot.store.db import Database
from tests.support import Chat

SECRET = "Zanzibar"  # in every name coalition B gives its things; never shown in A


async def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await connection.execute(select(table).order_by(*table.primary_key.columns))).all()  # type: ignore[call-overload]
            out[table.name] = [tuple(row) for row in rows]
    return out


def rows_of(snapshot: dict[str, list[tuple[Any, ...]]], coalition_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of one coalition (tables with a coalition_id column)."""
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        if "coalition_id" in table.c:
            index = list(table.c.keys()).index("coalition_id")
            out[table.name] = [row for row in snapshot[table.name] if row[index] == coalition_id]
    return out


# Where the table's name does not end with what the id autocompletes.
ID_TABLES = {"pledge": "pledgeitem", "offer": "pledgeitem", "need": "pledgeitem"}


def table_of(kind: str) -> str:
    """The table an id parameter refers to, by what it autocompletes: ``goal`` → goal,
    ``schedule`` → checkinschedule, ``flag`` → conflict_flag, ``need`` → pledgeitem."""
    if kind in ID_TABLES:
        return ID_TABLES[kind]
    [name] = [t.name for t in SQLModel.metadata.sorted_tables if t.name.endswith(kind) and "coalition_id" in t.c]
    return name


def ids_in(snapshot: dict[str, list[tuple[Any, ...]]], coalition_id: int, table: str | None = None) -> list[int]:
    """Ids of one coalition's rows, in one table or in all of them."""
    ids: set[int] = set()
    for t in SQLModel.metadata.sorted_tables:
        if "coalition_id" in t.c and "id" in t.c and table in (None, t.name):
            index = list(t.c.keys()).index("id")
            ids.update(row[index] for row in rows_of(snapshot, coalition_id)[t.name])
    return sorted(ids)


async def coalition_with_everything(chat: Chat, channel: str, steering: str, member: str, name: str) -> None:
    async def ok(who: str, line: str) -> Reply:
        reply = await chat.say(who, line, channel=channel)
        assert not reply.is_error, (line, reply.plain())
        return reply

    await ok(steering, f'/coalition create "{name}" tz=Europe/Berlin')
    await ok(member, f'/coalition join org="{name} Trust"')
    await ok(steering, f'/coalition join org="{name} Union"')
    await ok(member, f'/coalition group create "{name} Group"')
    await ok(steering, f'/goal add "{name} Calls" target=100 unit=calls')
    await ok(steering, f'/goal add "{name} Letters" target=10')
    await ok(member, f'/checkin 4 goal={await goal_id(chat, channel, steering)} "{name} note" blockers="{name} rain"')
    await ok(steering, "/checkin schedule daily 09:00 window=2")
    await ok(steering, f'/unity draft "{name} statement: clean air for all."')
    await ok(member, f'/unity comment "{name} comment"')
    await ok(steering, "/unity publish")
    await sign_on_request(chat, name)
    await ok(steering, "/coalition link")
    await ok(member, f'/pledge offer "{name} van for 8 people" kind=space amount=8 unit=seats')
    await ok(steering, f'/pledge need "{name} seats for the march" kind=space amount=20 unit=seats')
    await ok(steering, '/meet propose "Planning" "2026-12-01 10:00" "2026-12-02 10:00"')
    await ok(member, f'/impact win "{name} win" goal={await goal_id(chat, channel, steering)} climate=yes')
    await ok(steering, f'/impact pulse start question="{name} pulse?"')
    await ok(steering, f'/decide propose "{name} decision?" deadline=2027-01-10')
    await ok(member, f'/decide object {await decision_id(chat, channel, steering)} "{name} objection"')
    flag = await chat.submit(
        member,
        "flag.raise",
        {"topic": f"{name} concern", "description": f"{name} details", "severity": "low", "anonymous": "no"},
        channel=channel,
    )
    assert not flag.is_error, flag.plain()


async def sign_on_request(chat: Chat, name: str) -> None:
    """A request from the public sign-on page, as ``bot/commands/unity/sign_on.py`` stores it."""
    from bot.store.models import Coalition
    from bot.store.unity_models import UnitySignRequest
    from bot.store.unity_repo import UnityRepo

    async with chat.core.db.unit_of_work() as session:
        coalition = (await session.exec(select(Coalition).where(Coalition.name == name))).one()
        repo = UnityRepo(session, coalition.id or 0)
        version = await repo.published()
        assert version is not None
        request = UnitySignRequest(
            coalition_id=coalition.id or 0,
            version_id=version.id or 0,
            organisation=f"{name} Outside Org",
            signer_name=f"{name} Signer",
            signer_title=f"{name} Chair",
        )
        await repo.add_request(request)


async def goal_id(chat: Chat, channel: str, who: str) -> str:
    listed = (await chat.say(who, "/goal list", channel=channel)).plain()
    found = re.search(r"#(\d+)", listed)
    assert found is not None
    return found.group(1)


async def decision_id(chat: Chat, channel: str, who: str) -> str:
    listed = (await chat.say(who, "/decide list", channel=channel)).plain()
    found = re.search(r"#(\d+)", listed)
    assert found is not None
    return found.group(1)


def value_for(param: Param, foreign_id: int) -> str:
    """A valid value of each kind, so only the id can be the reason for a refusal."""
    if param.kind == Kind.ID:
        return str(foreign_id)
    if param.kind in (Kind.INT, Kind.NUMBER):
        return "2"
    if param.kind == Kind.DATE:
        return "2027-01-15"
    if param.kind == Kind.TIME:
        return "10:00"
    if param.kind == Kind.DATETIME:
        return "2027-01-15T10:00"
    if param.kind == Kind.TZ:
        return "Europe/Paris"
    if param.kind == Kind.USER:
        return "@bob"
    if param.kind == Kind.CHOICE:
        return param.choices[0]
    return "yes"


def quoted(value: str) -> str:
    return f'"{value}"'


async def test_ids_of_another_coalition_are_refused_everywhere(db: Database, clock: ManualClock, chat: Chat) -> None:
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    await coalition_with_everything(chat, "a", "alice", "bob", "Clean Air")
    await coalition_with_everything(chat, "b", "zoe", "yan", SECRET)
    clock.advance(timedelta(hours=2))
    registry: Registry = chat.core.registry
    before = await dump(db)
    checked: list[str] = []

    for command in registry:
        for sub in command.subcommands.values():
            id_params = [p for p in sub.params if p.kind == Kind.ID]
            if not id_params:
                continue
            assert all(p.autocomplete for p in id_params), f"{sub.full_name}: say what an id refers to (autocomplete)"
            foreign = sorted({i for p in id_params for i in ids_in(before, 2, table_of(p.autocomplete or ""))})
            assert foreign, f"coalition B has nothing {sub.full_name} could refer to"
            for foreign_id in foreign:
                words = [*sub.path]
                for param in sub.params:
                    words.append(f"{param.name}={quoted(value_for(param, foreign_id))}")
                line = f"/{command.name} " + " ".join(words)
                reply = await chat.say("alice", line, channel="a")
                assert reply.is_error, (line, reply.plain())
                assert SECRET not in reply.plain(), (line, reply.plain())
                assert await dump(db) == before, f"{line} changed the database"
                checked.append(line)

    everything_of_b = ids_in(before, 2)
    for command in registry:
        for form in command.forms.values():
            for foreign_id in everything_of_b:
                values = {p.name: value_for(p, foreign_id) for p in form.params}
                submission = FormSubmission(
                    form.form_id, values, chat.actor("alice"), chat.place("a"), state=str(foreign_id)
                )
                reply = await chat.core.submit_form(submission)
                after = await dump(db)
                assert rows_of(after, 2) == rows_of(before, 2), f"form {form.form_id} touched coalition B"
                assert SECRET not in reply.plain()
                assert SECRET not in str(reply.form_errors or "")
                id_tables = {table_of(p.autocomplete or "") for p in form.params if p.kind == Kind.ID}
                if any(foreign_id in ids_in(before, 2, table) for table in id_tables):
                    assert reply.is_error or reply.form_errors, (form.form_id, reply.plain())
                    assert after == before, f"form {form.form_id} changed the database"
                checked.append(f"form {form.form_id}")
                before = after

        for action in command.actions.values():
            for foreign_id in everything_of_b:
                event = ActionEvent(action.action_id, str(foreign_id), chat.actor("bob"), chat.place("a"))
                reply = await chat.core.run_action(event)
                after = await dump(db)
                assert rows_of(after, 2) == rows_of(before, 2), f"button {action.action_id} touched coalition B"
                assert SECRET not in reply.plain(), (action.action_id, reply.plain())
                checked.append(f"button {action.action_id}")
                before = after

    assert any(line.startswith("/goal show") for line in checked)
    assert any(line.startswith("/checkin unschedule") for line in checked)
    assert any(line.startswith("form checkin.log") for line in checked)
    for command in ("/pledge show", "/pledge match", "/flag show", "/flag resolve", "/meet vote", "/meet close"):
        assert any(line.startswith(command) for line in checked), command
