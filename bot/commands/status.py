"""``/coalition status``: one private dashboard across every workflow.

Workflows contribute sections by registering a function in ``STATUS_SECTIONS``; each returns the
blocks to show (or none), so the dashboard grows with the product without this module knowing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.charts import Series, progress_overview
from bot.commands.common import progress_of
from bot.core.context import Ctx
from bot.core.ui import Attachment, Block, Context, Divider, Header, Image, Reply, Section, markup, rich

StatusSection = Callable[[Ctx], Awaitable[list[Block]]]
STATUS_SECTIONS: list[StatusSection] = []


def status_section(fn: StatusSection) -> StatusSection:
    STATUS_SECTIONS.append(fn)
    return fn


@status_section
async def goals_section(ctx: Ctx) -> list[Block]:
    goals = await ctx.repo.goals()
    if not goals:
        return [Section(markup('No open goals. Add one with `/goal add "Title" target=100 unit=calls`.'))]
    totals = await ctx.repo.progress([g.id for g in goals if g.id is not None])
    blocks: list[Block] = [Section(rich(f"Goals ({len(goals)} open)"))]
    blocks.extend(progress_of(goal, totals.get(goal.id or 0, 0.0)) for goal in goals[:20])
    if len(goals) > 20:
        blocks.append(Context(rich(f"…and {len(goals) - 20} more: `/goal list`.")))
    entries = await ctx.repo.checkins()
    if entries:
        shown = goals[:5]
        series = [
            Series(g.title, [(c.created_at, c.amount) for c in entries if c.goal_id == g.id], g.target, g.unit)
            for g in shown
        ]
        png = progress_overview(series, tz=ctx.c.tz, now=ctx.clock.now())
        blocks.append(
            Image(
                Attachment(f"status-{ctx.c.slug}.png", png, "image/png", "Progress"),
                "Progress of " + ", ".join(g.title for g in shown) + " as a share of each target",
            )
        )
    return blocks


async def status_reply(ctx: Ctx) -> Reply:
    c = ctx.c
    repo = ctx.repo
    members = await repo.members()
    orgs = await repo.organisations()
    bindings = await repo.bindings()
    blocks: list[Block] = [
        Header(f"{c.name} — status"),
        Context(
            rich(
                f"{len(orgs)} organisation{'s' if len(orgs) != 1 else ''}, {len(members)} member{'s' if len(members) != 1 else ''}, "
                f"{len(bindings)} linked channel{'s' if len(bindings) != 1 else ''}; time zone {c.tz}."
            )
        ),
    ]
    for section in STATUS_SECTIONS:
        part = await section(ctx)
        if part:
            blocks.append(Divider())
            blocks.extend(part)
    return Reply.private(*blocks)
