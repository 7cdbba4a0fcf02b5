"""The goals in ``/coalition status`` and in ``/coalition export``: each goal's progress and whether
it is on track, in words and in colour, and one chart of all of them."""

from __future__ import annotations

from sqlmodel import col

from bot.charts import GoalState, Pace, pace_of, too_early
from bot.commands.common import row_dict
from bot.commands.goal.progress import goal_series, progress_of
from bot.core.context import Ctx
from bot.core.i18n import _, date, ngettext, number
from bot.core.ui import Attachment, Block, Context, Image, Section, markup, rich
from bot.core.workflow import Export
from bot.store.models import Goal

SHOWN = 20
CHARTED = 10
MARKS = {  # colour for the eye, always next to the words
    GoalState.DONE: "✅",
    GoalState.ON_TRACK: "🟢",
    GoalState.AT_RISK: "🟠",
    GoalState.OVERDUE: "🔴",
    GoalState.NO_DUE_DATE: "⚪",
}


def pace_line(pace: Pace) -> str:
    """``🟠 at risk: at the pace so far the target is reached on 28 Dec 2026, after the due date.``,
    and, early on, that it is too early to project a date."""
    line = _pace_words(pace)
    return line + " " + too_early() + "." if pace.too_early else line


def _pace_words(pace: Pace) -> str:
    mark = MARKS[pace.state]
    if pace.state is GoalState.DONE:
        return _("{mark} {state}: the target is reached.", mark=mark, state=pace.words())
    if pace.state is GoalState.OVERDUE:
        return _("{mark} {state}: the due date has passed.", mark=mark, state=pace.words())
    if pace.needed_per_day is not None and pace.expected is not None:
        return _(
            "{mark} {state}: {expected} should be done by now; {amount} a day from now reaches the target.",
            mark=mark,
            state=pace.words(),
            expected=number(round(pace.expected * pace.target, 1)),
            amount=number(pace.needed_per_day, digits=1),
        )
    if pace.projected is not None:
        return _(
            "{mark} {state}: at the pace so far the target is reached on {date}.",
            mark=mark,
            state=pace.words(),
            date=date(pace.projected),
        )
    return _("{mark} {state}", mark=mark, state=pace.words())


async def goals_section(ctx: Ctx) -> list[Block]:
    goals = await ctx.repo.goals()
    if not goals:
        return [Section(markup(_('No open goals. Add one with `/goal add "Title" target=100 unit=calls`.')))]
    totals = await ctx.repo.progress([g.id for g in goals if g.id is not None])
    now = ctx.clock.now()
    series = [goal_series(g, (), totals.get(g.id or 0, 0.0)) for g in goals]
    paces = [pace_of(s, now=now, tz=ctx.c.tz) for s in series]
    blocks: list[Block] = [Section(rich(ngettext("Goals ({n} open)", "Goals ({n} open)", len(goals))))]
    for goal, pace in list(zip(goals, paces, strict=True))[:SHOWN]:
        blocks.append(progress_of(goal, pace.total))
        blocks.append(Context(rich(pace_line(pace))))
    if len(goals) > SHOWN:
        blocks.append(
            Context(
                markup(ngettext("…and {n} more: `/goal list`.", "…and {n} more: `/goal list`.", len(goals) - SHOWN))
            )
        )
    from bot.charts import render, status_chart  # matplotlib with the first chart, not at start

    chart = await render(status_chart, series[:CHARTED], tz=ctx.c.tz, now=now)
    blocks.append(Image(Attachment(f"status-{ctx.c.slug}.png", chart.png, "image/png", _("Progress")), chart.alt))
    return blocks


async def goals_export(ctx: Ctx) -> Export:
    goals = await ctx.repo.goals(include_closed=True)
    return Export(
        tables={"goals": [row_dict(g) for g in goals]},
        summary=[ngettext("{n} goal", "{n} goals", len(goals))],
    )


MERGES = ("goal",)


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.repoint(from_id, into_id, col(Goal.created_by))
