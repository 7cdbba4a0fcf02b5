"""The one shape every workflow has.

A workflow is a package under ``bot/commands/<name>/`` that exports one :class:`Workflow`. The
registry, the scheduler, ``/coalition status``, export, forget-me and ``serve``'s web routes iterate
over the workflows they are given (``bot.commands.WORKFLOWS`` in production) and never name one.
Adding one is: a package, its models, a migration, and one line in that list.

Everything but ``name`` is optional. The hooks receive neutral things only (a coalition-scoped
context, a session and a time for timed work), never a platform object.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession
    from starlette.routing import BaseRoute

    from bot.core.clock import Clock
    from bot.core.context import Ctx
    from bot.core.registry import Command
    from bot.core.ui import Attachment, Block
    from bot.store.db import Database


@dataclass(frozen=True)
class JobEnv:
    """What timed work may know of the process around it."""

    public_url: str = ""


@dataclass(frozen=True)
class TimedJob:
    """Work the scheduler's leader runs on every tick (each minute, and at planned wake-ups).

    ``due(session, now)`` lists the item ids that are due; ``run(session, item, now, env)`` does one
    item in its own transaction and returns how many outbox messages it queued, so one broken item
    never holds up the others. ``next_wake(session, now)`` (optional) says when the next item falls
    due between minute ticks. Both must be idempotent: a doubled or late tick is harmless.
    """

    name: str
    due: Callable[[AsyncSession, datetime], Awaitable[Sequence[int]]]
    run: Callable[[AsyncSession, int, datetime, JobEnv], Awaitable[int]]
    next_wake: Callable[[AsyncSession, datetime], Awaitable[datetime | None]] | None = None


class Batches(Protocol):
    """A table read a page at a time (``bot.store.pages.Pages``): what an export streams."""

    def batches(self) -> AsyncIterator[Sequence[Mapping[str, Any]]]: ...


@dataclass(frozen=True)
class CsvStream:
    """A CSV file of an export written a page at a time: one row of ``cells`` per row of ``rows``."""

    filename: str
    title: str
    header: Sequence[str]
    rows: Batches
    cells: Callable[[Mapping[str, Any]], Sequence[Any]]


@dataclass
class Export:
    """A workflow's part of ``/coalition export``: JSON sections, extra files (CSV), and the phrases
    of the reply's summary line (``2 goals``). An export hook may also return a plain mapping, which
    is taken as ``tables``. A section may be a list of rows or :class:`Batches` (streamed to the
    file a page at a time, so a large table never sits in memory); a file may be a
    :class:`CsvStream` likewise."""

    tables: dict[str, Any] = field(default_factory=dict)
    files: list[Attachment | CsvStream] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DataUse:
    """One thing a workflow stores about people, as ``/coalition privacy`` and ``GET /privacy`` say
    it: what is stored, why, who can see it and how long it is kept (``N_()`` texts, translated where
    shown)."""

    what: str
    why: str
    who_sees: str
    kept: str
    retention: Retention | None = None


@dataclass(frozen=True)
class Retention:
    """A limit steering may set on how long a :class:`DataUse` is kept (``bot.core.retention``):
    ``setting`` is both the key in the coalition's settings and the option of ``/coalition settings``
    (months, 1–120, or ``forever``); ``offer`` (``N_()``) is what the public page says steering can
    choose; ``limited(months)`` is the whole sentence, in the current language, for a limit that is
    set; the workflow's daily job (``retention_job``) applies it."""

    setting: str
    offer: str
    limited: Callable[[int], str]


StatusSection = Callable[["Ctx"], Awaitable[list["Block"]]]
InboxSection = Callable[["Ctx"], Awaitable[list["Block"]]]
"""What waits for ``ctx.member`` in ``ctx.coalition`` (``/coalition inbox``, the Slack Home tab):
blocks with working buttons, or none when nothing waits."""
ExportPart = Callable[["Ctx"], Awaitable["Mapping[str, Any] | Export"]]
ForgetHook = Callable[["Ctx", int], Awaitable[None]]
ExportMine = Callable[["Ctx", int], Awaitable["Mapping[str, Any]"]]
MergeHook = Callable[["Ctx", int, int], Awaitable[None]]
RoutesFactory = Callable[["Database", "Clock", "tuple[Workflow, ...]"], list["BaseRoute"]]


@dataclass(frozen=True)
class Workflow:
    """A workflow's declaration: its command and every place the rest of the bot reaches into it.

    - ``command``: the slash command, its subcommands, forms, buttons and autocomplete sources.
    - ``jobs``: timed work (prompts, reminders, digests, deadlines, escalations).
    - ``status``: sections of ``/coalition status``, in order; each returns blocks or none.
    - ``export``: the coalition's data for ``/coalition export``, as named JSON sections (or an
      :class:`Export` with files and a summary too).
    - ``exports``: the names of the database tables that export covers; a test fails if a table
      holding coalition data (a ``coalition_id`` column) is covered by no workflow.
    - ``forget``: erase one member's identifying data (``/coalition forget-me``), keep totals. It runs
      before the member's own row and accounts are deleted.
    - ``merge``: ``merge(ctx, from_id, into_id)`` moves everything of one member to another
      (``/coalition connect``: one person's two accounts become one member), keeping one row where a
      uniqueness rule applies. ``merges`` names the tables it re-points; a test fails if a table with
      a column referencing ``member.id`` is in no workflow's ``merges``. Hooks run before the merged
      member's row is deleted.
    - ``routes``: public web routes (``serve``), built once when the app is built, from the database,
      the clock and the workflows being served (a route that needs them never imports
      ``bot.commands`` at request time).
    - ``export_mine``: everything the workflow holds about one member (``/coalition export mine``),
      as named sections of rows; never another person's data, never an anonymous answer.
    - ``inbox``: sections of a person's inbox (``/coalition inbox``, the Slack Home tab): what waits
      for them in this coalition, with the buttons to act on it; none when nothing waits.
    - ``privacy``: what the workflow stores about people, why, who sees it and how long it is kept
      (``/coalition privacy``, ``GET /privacy``); a test fails if a workflow with ``exports`` has none.
    - Further subcommands a workflow adds to another workflow's command are registered on that
      command object directly; nothing to declare here.
    """

    name: str
    command: Command | None = None
    jobs: tuple[TimedJob, ...] = ()
    status: tuple[StatusSection, ...] = ()
    export: ExportPart | None = None
    exports: tuple[str, ...] = ()
    forget: ForgetHook | None = None
    merge: MergeHook | None = None
    merges: tuple[str, ...] = ()
    routes: RoutesFactory | None = None
    export_mine: ExportMine | None = None
    privacy: tuple[DataUse, ...] = ()
    inbox: tuple[InboxSection, ...] = ()


def as_export(part: Mapping[str, Any] | Export) -> Export:
    return part if isinstance(part, Export) else Export(tables=dict(part))


async def read_tables(part: Mapping[str, Any] | Export) -> dict[str, Any]:
    """An export part's sections with every streamed one read into a list (small exports, tests)."""
    tables: dict[str, Any] = {}
    for name, value in as_export(part).tables.items():
        if hasattr(value, "batches"):
            tables[name] = [row async for batch in value.batches() for row in batch]
        else:
            tables[name] = value
    return tables


def jobs_of(workflows: Sequence[Workflow]) -> list[TimedJob]:
    """Every workflow's timed work, in order: what the scheduler is given."""
    return [job for workflow in workflows for job in workflow.jobs]


def routes_of(workflows: Sequence[Workflow], db: Database, clock: Clock) -> list[BaseRoute]:
    """Every workflow's public web routes: what ``serve`` mounts. Each factory is handed the very
    workflows being served."""
    served = tuple(workflows)
    return [route for workflow in served if workflow.routes for route in workflow.routes(db, clock, served)]


# The workflows of the registry whose handler is running (set by the registry around each call),
# so ``/coalition status``, export and forget-me reach every workflow of *that* registry.
_active: ContextVar[tuple[Workflow, ...]] = ContextVar("coalition_bot_workflows", default=())


def active() -> tuple[Workflow, ...]:
    """The workflows of the registry running the current handler."""
    return _active.get()


def activate(workflows: tuple[Workflow, ...]) -> None:
    """Make these the active workflows for the rest of the current call (the registry does this)."""
    _active.set(workflows)


@contextmanager
def running(workflows: tuple[Workflow, ...]) -> Iterator[None]:
    """Run a block with these workflows active, then restore the previous ones."""
    token = _active.set(workflows)
    try:
        yield
    finally:
        _active.reset(token)
