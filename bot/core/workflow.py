"""The one shape every workflow has.

A workflow is a package under ``bot/commands/<name>/`` that exports one :class:`Workflow`. The
registry, the scheduler, ``/coalition status``, export, forget-me and ``serve``'s web routes iterate
over ``bot.commands.WORKFLOWS`` and never name a workflow. Adding one is: a package, its models, a
migration, and one line in that list.

Everything but ``command`` is optional. The hooks receive neutral things only (a coalition-scoped
context, a session and a time for timed work), never a platform object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession
    from starlette.routing import BaseRoute

    from bot.core.context import Ctx
    from bot.core.registry import Command
    from bot.core.ui import Block


@dataclass(frozen=True)
class TimedJob:
    """Work the scheduler's leader runs on every tick (each minute, and at planned wake-ups).

    ``due(session, now)`` lists the item ids that are due; ``run(session, item, now)`` does one item
    in its own transaction and returns how many outbox messages it queued. ``next_wake(session,
    now)`` (optional) says when the next item falls due between minute ticks. Both must be
    idempotent: a doubled or late tick is harmless.
    """

    name: str
    due: Callable[[AsyncSession, datetime], Awaitable[Sequence[int]]]
    run: Callable[[AsyncSession, int, datetime, JobEnv], Awaitable[int]]
    next_wake: Callable[[AsyncSession, datetime], Awaitable[datetime | None]] | None = None


@dataclass(frozen=True)
class JobEnv:
    """What timed work may know of the process around it."""

    public_url: str = ""


StatusSection = Callable[["Ctx"], Awaitable[list["Block"]]]
ExportPart = Callable[["Ctx"], Awaitable[dict[str, list[dict[str, Any]]]]]
ForgetHook = Callable[["Ctx", int], Awaitable[None]]
RoutesFactory = Callable[[Any], list["BaseRoute"]]


@dataclass(frozen=True)
class Workflow:
    """A workflow's declaration: its command and every place the rest of the bot reaches into it.

    - ``command``: the slash command, its subcommands, forms, buttons and autocomplete sources.
    - ``jobs``: timed work (prompts, reminders, digests, deadlines, escalations).
    - ``status``: sections of ``/coalition status``, in order; each returns blocks or none.
    - ``export``: the coalition's data as named tables of rows (``/coalition export``); a test fails
      if a table holding coalition data is exported by no workflow (``exports`` names them).
    - ``exports``: the names of the database tables this workflow's export covers.
    - ``forget``: erase one member's identifying data (``/coalition forget-me``), keep totals.
    - ``routes``: public web routes (``serve``), built from the database handle.
    - ``extra_commands``: further subcommands this workflow adds to another workflow's command
      are registered on that command object directly; nothing to declare here.
    """

    name: str
    command: Command | None = None
    jobs: tuple[TimedJob, ...] = ()
    status: tuple[StatusSection, ...] = ()
    export: ExportPart | None = None
    exports: tuple[str, ...] = ()
    forget: ForgetHook | None = None
    routes: RoutesFactory | None = None
    models: tuple[type, ...] = field(default=())
