"""Test helpers: databases on SQLite and PostgreSQL, and a chat transcript over the core."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, text
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands import build_registry
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.context import ActionEvent, Actor, Ctx, FormSubmission, Invocation, Place
from bot.core.dispatch import Core
from bot.core.ui import Actions, Button, Reply
from bot.core.workflow import Workflow
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.outbox_models import OutboxMessage
from bot.store.repo import CoalitionRepo, Directory

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


async def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    db = Database.from_url(f"sqlite:///{path}")
    await upgrade(db)
    await db.dispose()
    return path


def sqlite_copy(template: Path, directory: Path, name: str) -> Database:
    path = directory / f"{name}.db"
    shutil.copyfile(template, path)
    return Database.from_url(f"sqlite:///{path}")


async def reset_postgres(db: Database) -> None:
    """Empty every table (the schema stays) so each test starts clean."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@asynccontextmanager
async def bench_database(database_url: str | None, prefix: str) -> AsyncIterator[Database]:
    """A migrated database for a benchmark: a fresh SQLite file in a scratch folder (removed with
    it afterwards), or the PostgreSQL at ``database_url``, emptied."""
    scratch = None if database_url else Path(tempfile.mkdtemp(prefix=prefix))
    db = Database.from_url(database_url or f"sqlite:///{scratch}/bench.db")
    try:
        await upgrade(db)
        if database_url:
            await reset_postgres(db)
        yield db
    finally:
        await db.dispose()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def transactions(db: Database) -> Iterator[list[str]]:
    """Every transaction begun on ``db`` meanwhile, one "begin" each."""
    begun: list[str] = []

    def begin(_connection: object) -> None:
        begun.append("begin")

    event.listen(db.engine.sync_engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(db.engine.sync_engine, "begin", begin)


async def no_leader_left(db: Database) -> None:
    """A test that started a scheduler must stop it: a forgotten one keeps the leader's advisory lock
    on its own connection, and every later test's scheduler on the shared database would be a
    follower. Frees the lock (ending that connection) and fails the test that left it."""
    query = (
        "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND d.datname = current_database() AND l.pid <> pg_backend_pid()"
    )
    async with db.engine.begin() as conn:
        pids = [row[0] for row in (await conn.execute(text(query))).all()]
        for pid in pids:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert not pids, "a scheduler was left running: stop it (await scheduler.stop()) at the end of the test"


def settings(**overrides: object) -> Settings:
    base: dict[str, object] = {"DATABASE_URL": "sqlite:///unused.db", "PUBLIC_URL": "http://bot.test"}
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


@dataclass
class Chat:
    """Drive the core like people in a chat; every reply is kept in ``transcript``."""

    core: Core
    platform: str = "console"
    workspace: str = "local"
    channel: str = "general"
    transcript: list[tuple[str, str, Reply]] = field(default_factory=list)

    def actor(self, who: str, workspace: str | None = None) -> Actor:
        return Actor(self.platform, workspace or self.workspace, who.lower(), who.capitalize())

    def place(self, channel: str | None = None, workspace: str | None = None) -> Place:
        return Place(self.platform, workspace or self.workspace, channel or self.channel)

    async def say(self, who: str, line: str, *, channel: str | None = None, request_id: str | None = None) -> Reply:
        name, _, rest = line.lstrip("/").partition(" ")
        inv = Invocation(name, self.actor(who), self.place(channel), text=rest, request_id=request_id)
        reply = await self.core.run_command(inv)
        self.transcript.append((who, line, reply))
        return reply

    async def refused(self, who: str, line: str, *, channel: str | None = None) -> str:
        """Say ``line`` and fail the test unless it is refused; the refusal's text."""
        reply = await self.say(who, line, channel=channel)
        assert reply.is_error, f"{line!r} was not refused: {reply.plain()}"
        return reply.plain()

    async def click(self, who: str, reply: Reply, label: str, *, channel: str | None = None) -> Reply:
        for block in reply.blocks:
            if isinstance(block, Actions):
                for element in block.elements:
                    if isinstance(element, Button) and element.label == label:
                        event = ActionEvent(element.action_id, element.value, self.actor(who), self.place(channel))
                        return await self.core.run_action(event)
        raise AssertionError(f"no button {label!r} in {reply.plain()!r}")

    async def submit(
        self,
        who: str,
        form_id: str,
        values: dict[str, str],
        *,
        state: str = "",
        request_id: str | None = None,
        channel: str | None = None,
    ) -> Reply:
        submission = FormSubmission(form_id, values, self.actor(who), self.place(channel), state, request_id)
        return await self.core.submit_form(submission)


def make_core(db: Database, clock: ManualClock | None = None, workflows: Sequence[Workflow] | None = None) -> Core:
    """The real core; ``workflows`` replaces the production list (e.g. to add one defined in a test)."""
    registry = build_registry() if workflows is None else build_registry(workflows)
    return Core(db, registry, settings(), clock or ManualClock())


# a coalition and its outbox, as the workflow tests set them up ------------------------------------

LINK_CODE = re.compile(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}")


def link_code_in(text: str) -> str:
    """The link code a ``/coalition link`` answer shows (the test fails if there is none)."""
    match = LINK_CODE.search(text)
    assert match is not None, text
    return match.group(0)


TWO_CHANNEL_MEMBERS = (("bob", "Acme Trust"), ("carol", "Riverside Group"), ("dave", "Acme Trust"))


async def coalition_with_two_channels(
    chat: Chat,
    members: Sequence[tuple[str, str]] = TWO_CHANNEL_MEMBERS,
    *,
    tz: str = "Europe/Berlin",
) -> None:
    """ "Clean Air" created by Alice (steering) in #general and linked to #actions; then each
    ``(who, org)`` of ``members`` joins in #general, in that order."""
    assert not (await chat.say("alice", f'/coalition create "Clean Air" tz={tz}')).is_error
    code = link_code_in((await chat.say("alice", "/coalition link")).plain())
    assert not (await chat.say("alice", f"/coalition link {code}", channel="actions")).is_error
    for who, org in members:
        assert not (await chat.say(who, f'/coalition join org="{org}"')).is_error


async def outbox(db: Database, **where: object) -> list[OutboxMessage]:
    """The outbox rows in the order queued, optionally only those whose columns equal ``where``."""
    async with db.session() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list((await session.exec(query)).all())


async def mark_sent(db: Database) -> None:
    """What the delivery dispatcher does after a successful send: the copies get message ids."""
    async with db.unit_of_work() as session:
        for row in (await session.exec(select(OutboxMessage).where(OutboxMessage.status == "pending"))).all():
            row.status = "sent"
            row.message_id = row.message_id or f"m{row.id}"
            session.add(row)


async def member_ctx(chat: Chat, session: AsyncSession, who: str) -> Ctx:
    """The context the core gives ``who`` in the chat's channel (its coalition, ``who``'s member or
    None), over ``session``: for calling a workflow's hooks directly."""
    directory = Directory(session)
    binding = await directory.binding(chat.platform, chat.workspace, chat.channel)
    assert binding is not None
    coalition = await directory.coalition(binding.coalition_id)
    repo = CoalitionRepo(session, binding.coalition_id)
    member = await repo.member_by_identity(chat.platform, chat.workspace, who)
    core = chat.core
    return Ctx(chat.actor(who), chat.place(), session, directory, core.clock, core.settings, coalition, member)
