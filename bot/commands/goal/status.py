"""The goals in ``/coalition status`` and in ``/coalition export``."""

from __future__ import annotations

from bot.commands.common import row_dict
from bot.commands.goal.progress import progress_of
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext, number
from bot.core.ui import Attachment, Block, Context, Image, Section, markup, rich
from bot.core.workflow import Export

SHOWN = 20
CHARTED = 5


async def goals_section(ctx: Ctx) -> list[Block]:
    goals = await ctx.repo.goals()
    if not goals:
        return [Section(markup(_('No open goals. Add one with `/goal add "Title" target=100 unit=calls`.')))]
    totals = await ctx.repo.progress([g.id for g in goals[:SHOWN] if g.id is not None])  # only what is shown
    blocks: list[Block] = [Section(rich(ngettext("Goals ({n} open)", "Goals ({n} open)", len(goals))))]
    blocks.extend(progress_of(goal, totals.get(goal.id or 0, 0.0)) for goal in goals[:SHOWN])
    if len(goals) > SHOWN:
        blocks.append(Context(markup(_("…and {n} more: `/goal list`.", n=number(len(goals) - SHOWN)))))
    shown = goals[:CHARTED]
    points = await ctx.repo.series([g.id for g in shown if g.id is not None], now=ctx.clock.now())
    if any(points.values()):
        from bot.charts import Series, progress_overview  # matplotlib with the first chart (issue 16)

        series = [Series(g.title, points.get(g.id or 0, []), g.target, g.unit) for g in shown]
        png = progress_overview(series, tz=ctx.c.tz, now=ctx.clock.now())
        blocks.append(
            Image(
                Attachment(f"status-{ctx.c.slug}.png", png, "image/png", _("Progress")),
                _(
                    "Progress of {goals} as a share of each target",
                    goals=", ".join(g.title for g in shown),
                ),
            )
        )
    return blocks


async def goals_export(ctx: Ctx) -> Export:
    goals = await ctx.repo.goals(include_closed=True)
    return Export(
        tables={"goals": [row_dict(g) for g in goals]},
        summary=[ngettext("{n} goal", "{n} goals", len(goals))],
    )
