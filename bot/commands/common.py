"""Small pieces several workflows share: finding things by id or name, rendering goal progress."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound
from bot.core.params import UserRef
from bot.core.ui import Progress, format_date
from bot.store.models import Goal, Member, Organisation, WorkingGroup

ExportSection = Callable[[Ctx], Awaitable[dict[str, Any]]]
EXPORT_SECTIONS: list[ExportSection] = []


def export_section(fn: ExportSection) -> ExportSection:
    """Register a workflow's part of `/coalition export` (keys merged into the JSON export)."""
    EXPORT_SECTIONS.append(fn)
    return fn


def csv_cell(value: str) -> str:
    """User text for a CSV cell: a leading ``= + - @`` (or tab/CR) would make a spreadsheet evaluate
    it as a formula (``=HYPERLINK(…)``, ``=cmd|…``), so such a cell is quoted with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def row_dict(row: object) -> dict[str, Any]:
    """A table row as plain data (for exports)."""
    return {name: getattr(row, name) for name in type(row).model_fields}  # type: ignore[attr-defined]


def progress_of(goal: Goal, total: float) -> Progress:
    return Progress(label=f"#{goal.id} {goal.title}", current=total, target=goal.target, unit=goal.unit)


def goal_line(goal: Goal) -> str:
    parts = [f"target {goal.target:,g}{' ' + goal.unit if goal.unit else ''}"]
    if goal.due:
        parts.append(f"due {format_date(goal.due)}")
    if goal.status != "open":
        parts.append(goal.status)
    return ", ".join(parts)


async def find_goal(ctx: Ctx, goal_id: int) -> Goal:
    goal = await ctx.repo.goal(goal_id)
    if goal is None:
        raise NotFound(f"There is no goal #{goal_id} in {ctx.c.name}. `/goal list` shows the goals and their ids.")
    return goal


async def find_member(ctx: Ctx, ref: UserRef) -> Member:
    """A person named in a command: by platform identity (a mention), else by display name."""
    repo = ctx.repo
    member = await repo.member_by_identity(ctx.actor.platform, ctx.actor.workspace, ref.user_id)
    if member is None:
        for binding in await repo.bindings():
            if binding.platform == ctx.actor.platform:
                member = await repo.member_by_identity(binding.platform, binding.workspace, ref.user_id)
                if member is not None:
                    break
    if member is None:
        member = await repo.member_named(ref.user_id)
    if member is None:
        raise NotFound(
            f"{ref.user_id} has not joined {ctx.c.name} yet. They can join with `/coalition join`; "
            "`/coalition members` lists who has."
        )
    return member


async def find_owner(ctx: Ctx, name: str) -> Organisation | WorkingGroup:
    org = await ctx.repo.organisation_named(name)
    if org is not None:
        return org
    group = await ctx.repo.group_named(name)
    if group is not None:
        return group
    orgs = ", ".join(o.name for o in await ctx.repo.organisations()) or "none yet"
    groups = ", ".join(g.name for g in await ctx.repo.groups()) or "none yet"
    raise BadArgument(
        f"No organisation or working group is called “{name}”. Organisations: {orgs}. Working groups: {groups}."
    )


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "coalition"


def clean_name(value: str, what: str, limit: int = 100) -> str:
    name = " ".join(value.split())
    if not name:
        raise BadArgument(f"The {what} cannot be empty.")
    if len(name) > limit:
        raise BadArgument(f"The {what} is too long: {len(name):,} characters, at most {limit}.")
    return name
