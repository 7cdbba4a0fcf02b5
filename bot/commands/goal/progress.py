"""A goal's progress as the other workflows show it: the bar, the one-line summary, the chart, and
finding a goal by id in the current coalition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.core.context import Ctx
from bot.core.errors import NotFound
from bot.core.i18n import N_, _, number, tr
from bot.core.i18n import date as local_date
from bot.core.ui import Attachment, Image, Progress
from bot.store.models import Goal

if TYPE_CHECKING:
    from bot.charts import Series

GOAL_STATES = {"open": N_("open"), "closed": N_("closed")}


def progress_of(goal: Goal, total: float) -> Progress:
    return Progress(label=f"#{goal.id} {goal.title}", current=total, target=goal.target, unit=goal.unit)


def due_date(value: date) -> str:
    """``Sun 01 Mar 2026`` (en), ``dom 01 mar 2026`` (es)."""
    return local_date(value, format="EEE dd MMM y")


def goal_line(goal: Goal) -> str:
    unit = f" {goal.unit}" if goal.unit else ""
    parts = [_("target {target}", target=number(goal.target) + unit)]
    if goal.due:
        parts.append(_("due {date}", date=due_date(goal.due)))
    if goal.status != "open":
        parts.append(tr(GOAL_STATES.get(goal.status, goal.status)))
    return ", ".join(parts)


async def find_goal(ctx: Ctx, goal_id: int) -> Goal:
    goal = await ctx.repo.goal(goal_id)
    if goal is None:
        raise NotFound(
            _(
                "There is no goal #{id} in {coalition}. `/goal list` shows the goals and their ids.",
                id=goal_id,
                coalition=ctx.c.name,
            )
        )
    return goal


def goal_series(g: Goal, points: Sequence[tuple[datetime, float]], total: float | None = None) -> Series:
    from bot.charts import Series

    return Series(g.title, points, g.target, g.unit, start=g.created_at, due=g.due, total=total)


async def goal_chart(g: Goal, points: Sequence[tuple[datetime, float]], tz: str, now: datetime) -> Image:
    """The goal's burn-up from its creation to its due date, drawn off the event loop, from its
    check-ins summed in SQL over spans of time (``CoalitionRepo.series``)."""
    from bot.charts import burnup_chart, render  # matplotlib with the first chart, not at start

    chart = await render(burnup_chart, goal_series(g, points), tz=tz, now=now)
    return Image(Attachment(f"goal-{g.id}-progress.png", chart.png, "image/png", g.title), chart.alt)
