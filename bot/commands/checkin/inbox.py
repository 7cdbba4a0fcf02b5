"""A member's inbox (``/coalition inbox``, the Slack Home tab): the check-in windows open now in which
they have not checked in yet, each with the prompt's own "Check in" button.

One query for the windows (at most a few are open at a time: one per schedule), with a correlated
EXISTS on the check-in time index for "not checked in yet" (:meth:`ScheduleRepo.waiting`).
"""

from __future__ import annotations

from bot.commands.checkin.repo import ScheduleRepo
from bot.commands.common import sentence
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext
from bot.core.ui import Actions, Block, Bold, Button, ButtonStyle, Context, Section, Timestamp, markup
from bot.store.models import Role

OPEN_ACTION = "checkin.open"  # the prompt's button (bot.commands.checkin.messages.prompt_reply)
SHOWN = 5


async def checkin_inbox(ctx: Ctx) -> list[Block]:
    """Open windows without a check-in of this member, soonest to close first."""
    if ctx.member is None or ctx.member.role == Role.OBSERVER.value:
        return []
    now = ctx.clock.now()
    repo = ScheduleRepo.of(ctx)
    total = await repo.waiting_count(ctx.me.id or 0, now)
    if not total:
        return []
    rows = await repo.waiting(ctx.me.id or 0, now, SHOWN)
    blocks: list[Block] = []
    for window, label in rows:
        blocks.append(
            Section(
                sentence(
                    N_("{title} ({schedule}): open until {when}; you have not checked in yet."),
                    title=Bold(_("Check-in")),
                    schedule=label,
                    when=Timestamp(window.closes_at, ctx.tz),
                )
            )
        )
        blocks.append(Actions((Button(_("Check in"), OPEN_ACTION, str(window.id), ButtonStyle.PRIMARY),)))
    if total > len(rows):
        left = total - len(rows)
        blocks.append(
            Context(markup(ngettext("{n} more: `/checkin schedules`.", "{n} more: `/checkin schedules`.", left)))
        )
    return blocks
