"""A goal's progress as the other workflows show it: the bar, the one-line summary, the chart, and
finding a goal by id in the current coalition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.context import Ctx
from bot.core.errors import NotFound
from bot.core.i18n import N_, _, number, tr
from bot.core.i18n import date as local_date
from bot.core.ui import Attachment, Image, Progress
from bot.store.models import Goal

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


def goal_chart(g: Goal, points: Sequence[tuple[datetime, float]], total: float, tz: str, now: datetime) -> Image:
    """The goal's cumulative progress over time against its target, as a PNG, from its check-ins
    summed over spans of time (``CoalitionRepo.series``) and its total."""
    from bot.charts import Series, progress_chart  # matplotlib with the first chart (issue 16)

    png = progress_chart(Series(g.title, points, g.target, g.unit), tz=tz, now=now)
    return Image(
        Attachment(f"goal-{g.id}-progress.png", png, "image/png", g.title),
        _(
            "Progress of {goal}: {done} of {target}",
            goal=g.title,
            done=number(total),
            target=number(g.target),
        ),
    )
