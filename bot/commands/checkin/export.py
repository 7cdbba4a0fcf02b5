"""The check-ins, schedules and windows in ``/coalition export``, with the check-ins as CSV too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col

from bot.commands.checkin.repo import ScheduleRepo, forget_checkins
from bot.commands.common import csv_cell, removed, row_dict
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.workflow import CsvStream, Export
from bot.store.models import Checkin
from bot.store.scheduling_models import CheckinSchedule

CSV_COLUMNS = ["checkin_id", "goal_id", "goal", "member", "amount", "note", "blockers", "at"]


async def checkins_export(ctx: Ctx) -> Export:
    """Check-ins streamed a page at a time, to the JSON and to their CSV."""
    schedules = ScheduleRepo.of(ctx)
    names = {m.id: m.display_name for m in await ctx.repo.members()}
    titles = {g.id: g.title for g in await ctx.repo.goals(include_closed=True)}

    def cells(ch: Mapping[str, Any]) -> list[Any]:
        amount = ch["amount"]
        return [
            ch["id"],
            ch["goal_id"],
            csv_cell(titles.get(ch["goal_id"], "")),
            csv_cell(names.get(ch["member_id"], "")),
            int(amount) if float(amount).is_integer() else amount,
            csv_cell(ch["note"]),
            csv_cell(ch["blockers"]),
            ch["created_at"].isoformat(),
        ]

    count = await ctx.repo.count(Checkin)
    return Export(
        tables={
            "checkins": ctx.repo.pages(Checkin),
            "checkin_schedules": [row_dict(r) for r in await schedules.all_schedules()],
            "checkin_windows": [row_dict(w) for w in await schedules.all_windows()],
        },
        files=[
            CsvStream(f"{ctx.c.slug}-checkins.csv", _("Check-ins (CSV)"), CSV_COLUMNS, ctx.repo.pages(Checkin), cells)
        ],
        summary=[ngettext("{n} check-in", "{n} check-ins", count)],
    )


async def forget(ctx: Ctx, member_id: int) -> None:
    """Forget-me: the member's check-ins stay in the totals, without their name or their words."""
    await forget_checkins(ctx, member_id, removed(ctx))


MERGES = ("checkin", "checkinschedule", "goaltally")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.merge_checkins(from_id, into_id)  # their totals per goal too
    await ctx.repo.repoint(from_id, into_id, col(CheckinSchedule.created_by))
