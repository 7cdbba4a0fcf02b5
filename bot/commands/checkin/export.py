"""The check-ins, schedules and windows in ``/coalition export``, with the check-ins as CSV too."""

from __future__ import annotations

import csv
import io

from sqlmodel import col

from bot.commands.checkin.repo import ScheduleRepo, forget_checkins
from bot.commands.common import csv_cell, removed, row_dict
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.ui import Attachment
from bot.core.workflow import Export
from bot.store.scheduling_models import CheckinSchedule

CSV_COLUMNS = ["checkin_id", "goal_id", "goal", "member", "amount", "note", "blockers", "at"]


async def checkins_export(ctx: Ctx) -> Export:
    checkins = await ctx.repo.checkins()
    schedules = ScheduleRepo.of(ctx)
    names = {m.id: m.display_name for m in await ctx.repo.members()}
    titles = {g.id: g.title for g in await ctx.repo.goals(include_closed=True)}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for ch in checkins:
        writer.writerow(
            [
                ch.id,
                ch.goal_id,
                csv_cell(titles.get(ch.goal_id, "")),
                csv_cell(names.get(ch.member_id, "")),
                int(ch.amount) if ch.amount.is_integer() else ch.amount,
                csv_cell(ch.note),
                csv_cell(ch.blockers),
                ch.created_at.isoformat(),
            ]
        )
    return Export(
        tables={
            "checkins": [row_dict(ch) for ch in checkins],
            "checkin_schedules": [row_dict(r) for r in await schedules.all_schedules()],
            "checkin_windows": [row_dict(w) for w in await schedules.all_windows()],
        },
        files=[Attachment(f"{ctx.c.slug}-checkins.csv", buffer.getvalue().encode(), "text/csv", _("Check-ins (CSV)"))],
        summary=[ngettext("{n} check-in", "{n} check-ins", len(checkins))],
    )


async def forget(ctx: Ctx, member_id: int) -> None:
    """Forget-me: the member's check-ins stay in the totals, without their name or their words."""
    await forget_checkins(ctx, member_id, removed(ctx))


MERGES = ("checkin", "checkinschedule", "goaltally")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.merge_checkins(from_id, into_id)  # their totals per goal too
    await ctx.repo.repoint(from_id, into_id, col(CheckinSchedule.created_by))
