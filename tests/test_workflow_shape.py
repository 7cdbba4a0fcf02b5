"""The one shape every workflow has, proved: a workflow declared only in this file gets its command,
timed job, status section, export, forget-me and web route through the real core, scheduler and
web app, with no edit anywhere else. And the rules that keep the shape: every table holding
coalition data is exported by some workflow; the scheduler, registry and ``serve`` name no workflow;
handlers reach data through coalition-scoped repositories."""

from __future__ import annotations

import json
import re
import tokenize
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

from bot.commands import WORKFLOWS
from bot.core.clock import Clock, ManualClock
from bot.core.codec import decode_reply
from bot.core.context import Ctx
from bot.core.outbox import Outbox
from bot.core.params import Args, Kind, Param
from bot.core.registry import Command
from bot.core.ui import Block, Reply, Section, rich
from bot.core.workflow import Export, JobEnv, TimedJob, Workflow, jobs_of, routes_of
from bot.scheduling.runner import Scheduler
from bot.server import Metrics, build_app
from bot.store import tables  # noqa: F401  (every table in the metadata)
from bot.store.db import Database
from bot.store.models import AuditEntry, Member
from bot.store.outbox_models import OutboxMessage
from bot.store.repo import CoalitionRepo
from tests.support import Chat, make_core

BOT = Path(__file__).resolve().parent.parent / "bot"

# --- a whole workflow, declared here only ------------------------------------------------------------

tally = Command("tally", "Count things together")
FORGOTTEN: list[int] = []


@tally.sub(
    "add",
    summary="Add to the tally",
    usage="/tally add <n>",
    params=(Param("n", Kind.INT, required=True, positional=True),),
)
async def tally_add(ctx: Ctx, args: Args) -> Reply:
    await ctx.repo.audit("tally.added", member=ctx.me, n=args.n)
    return Reply.private(f"Tally +{args.n}.")


async def tally_total(repo: CoalitionRepo) -> int:
    return sum(int(a.detail["n"]) for a in await repo.all(AuditEntry) if a.action == "tally.added")


async def tally_section(ctx: Ctx) -> list[Block]:
    total = await tally_total(ctx.repo)
    return [Section(rich(f"Tally: {total}"))] if total else []


async def tally_export(ctx: Ctx) -> Export:
    rows = [
        {"member_id": a.member_id, "n": a.detail["n"]}
        for a in await ctx.repo.all(AuditEntry)
        if a.action == "tally.added"
    ]
    return Export(tables={"tally": rows}, summary=[f"{len(rows)} tallies"])


async def tally_forget(ctx: Ctx, member_id: int) -> None:
    assert await ctx.repo.member(member_id) is not None  # hooks run before the member row goes
    FORGOTTEN.append(member_id)


async def tally_due(session: AsyncSession, now: datetime) -> list[int]:
    actions = (await session.exec(select(AuditEntry.coalition_id, AuditEntry.action))).all()
    added = {c for c, action in actions if action == "tally.added"}
    announced = {c for c, action in actions if action == "tally.announced"}
    return sorted(added - announced)


async def tally_announce(session: AsyncSession, coalition_id: int, now: datetime, env: JobEnv) -> int:
    repo = CoalitionRepo(session, coalition_id)
    total = await tally_total(repo)
    await repo.audit("tally.announced", member=None)
    posts = await Outbox(session, coalition_id, now=now).announce(
        Reply.channel(f"Tally so far: {total} (details at {env.public_url}/tally)"), key=f"tally:{coalition_id}"
    )
    return len(posts)


def tally_routes(db: Database, clock: Clock, workflows: tuple[Workflow, ...]) -> list[BaseRoute]:
    served = ", ".join(w.name for w in workflows)  # handed the served list when the app is built

    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"tally page at {clock.now():%Y-%m-%d} among {served}")

    return [Route("/tally", page)]


TALLY = Workflow(
    "tally",
    command=tally,
    jobs=(TimedJob("tally.announce", due=tally_due, run=tally_announce),),
    status=(tally_section,),
    export=tally_export,
    forget=tally_forget,
    routes=tally_routes,
)


async def test_a_workflow_declared_in_a_test_works_through_the_real_core_and_scheduler(
    db: Database, clock: ManualClock
) -> None:
    workflows = (*WORKFLOWS, TALLY)
    chat = Chat(make_core(db, clock, workflows))
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    assert not (await chat.say("bob", "/coalition join")).is_error

    assert (await chat.say("bob", "/tally add 3")).plain() == "Tally +3."
    await chat.say("alice", "/tally add 4")
    assert "/tally add <n>" in (await chat.say("bob", "/tally help")).plain()

    assert "Tally: 7" in (await chat.say("alice", "/coalition status")).plain()

    export = await chat.say("alice", "/coalition export")
    assert "2 tallies" in export.plain()
    data = json.loads(export.attachments[0].read())
    assert sorted(row["n"] for row in data["tally"]) == [3, 4]
    assert data["goals"] == []  # every other workflow's part is still there

    scheduler = Scheduler(db, jobs=jobs_of(workflows), clock=clock, public_url="http://bot.test")
    try:
        assert await scheduler.tick(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == 1
        assert await scheduler.tick(datetime(2026, 12, 1, 9, 1, tzinfo=UTC)) == 0  # idempotent
    finally:
        await scheduler.stop()
    async with db.session() as session:
        [post] = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.key).startswith("tally:")))).all()
    assert decode_reply(post.payload).plain() == "Tally so far: 7 (details at http://bot.test/tally)"

    async with db.session() as session:
        bob = (await session.exec(select(Member).where(Member.display_name == "Bob"))).one()
    FORGOTTEN.clear()
    offer = await chat.say("bob", "/coalition forget-me")
    assert "erased" in (await chat.click("bob", offer, "Erase my data")).plain()
    assert [bob.id] == FORGOTTEN

    app = build_app(chat.core, [], Metrics(), extra=routes_of(workflows, db, clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as client:
        page = await client.get("/tally")
    assert page.status_code == 200
    assert page.text.startswith("tally page at")
    assert page.text.endswith("among " + ", ".join(w.name for w in workflows))


async def test_the_production_list_does_not_know_the_test_workflow(chat: Chat) -> None:
    reply = await chat.say("alice", "/tally add 1")
    assert reply.is_error
    assert "Unknown command" in reply.plain()


# --- the rules that keep the shape ---------------------------------------------------------------------


def test_every_table_holding_coalition_data_is_exported_by_a_workflow() -> None:
    all_tables = {t.name for t in SQLModel.metadata.sorted_tables}
    holding = {t.name for t in SQLModel.metadata.sorted_tables if "coalition_id" in t.c}
    covered = {name for workflow in WORKFLOWS for name in workflow.exports}
    assert sorted(holding - covered) == [], "tables with coalition data that no workflow's `exports` covers"
    assert sorted(covered - all_tables) == [], "`exports` names tables that do not exist"
    assert all(w.export is not None for w in WORKFLOWS if w.exports), "a workflow covering tables must export"


def test_workflow_names_are_unique_and_each_command_belongs_to_one() -> None:
    names = [w.name for w in WORKFLOWS]
    assert len(names) == len(set(names))
    commands = [w.command.name for w in WORKFLOWS if w.command is not None]
    assert len(commands) == len(set(commands))


def _names(path: Path) -> list[str]:
    """The source's names and dots, without comments or strings (tokenize, not ast: CPython 3.11.7's
    ast.parse can fail after a deep recursion elsewhere in the test run)."""
    with path.open() as source:
        return [t.string for t in tokenize.generate_tokens(source.readline) if t.type in (tokenize.NAME, tokenize.OP)]


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for line in path.read_text().splitlines():
        match = re.match(r"\s*(?:from|import)\s+(bot\.[\w.]+)", line)
        if match:
            found.add(match.group(1))
    return found


def test_the_scheduler_registry_and_serve_name_no_workflow() -> None:
    generic = [
        *(BOT / "scheduling").rglob("*.py"),
        BOT / "server.py",
        BOT / "core" / "registry.py",
        BOT / "core" / "workflow.py",
        BOT / "commands" / "coalition" / "status.py",
        BOT / "commands" / "coalition" / "export.py",
        BOT / "commands" / "coalition" / "privacy.py",
    ]
    offenders = []
    for path in generic:
        for module in _imported_modules(path):
            if module.startswith("bot.commands") and not module.startswith(
                ("bot.commands.common", "bot.commands.coalition.command")
            ):
                offenders.append(f"{path.relative_to(BOT)} imports {module}")
            if module.startswith("bot.web") and path.parent.name != "web":
                offenders.append(f"{path.relative_to(BOT)} imports {module}")
    assert offenders == []


def test_handlers_reach_data_through_scoped_repositories_never_the_raw_session() -> None:
    """In every workflow package, ``ctx.session`` appears only in a ``repo.py`` (where a
    coalition-scoped repository is built from it)."""
    offenders = []
    for package in (p for p in (BOT / "commands").iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        for path in package.rglob("*.py"):
            if path.name == "repo.py":
                continue
            names = _names(path)
            if any(names[i : i + 3] == ["ctx", ".", "session"] for i in range(len(names))):
                offenders.append(str(path.relative_to(BOT)))
    assert offenders == []
