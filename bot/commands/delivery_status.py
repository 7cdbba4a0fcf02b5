"""Steering's view of proactive-message delivery in ``/coalition status``: messages that could not
be delivered (parked) and how many are waiting. Members see nothing of it."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from bot.commands.status import status_section
from bot.core.context import Ctx
from bot.core.ui import Block, Context, Section, rich
from bot.store.models import Role
from bot.store.outbox_models import OutboxMessage, OutboxStatus

SHOWN = 5


@status_section
async def delivery_section(ctx: Ctx) -> list[Block]:
    if ctx.member is None or ctx.member.role != Role.STEERING.value:
        return []
    coalition_id = ctx.c.id
    counts = dict(
        (
            await ctx.session.exec(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.coalition_id == coalition_id)
                .group_by(col(OutboxMessage.status))
            )
        ).all()
    )
    parked = int(counts.get(OutboxStatus.PARKED.value, 0))
    waiting = int(counts.get(OutboxStatus.PENDING.value, 0)) + int(counts.get(OutboxStatus.SENDING.value, 0))
    if not parked and waiting < 20:
        return []
    blocks: list[Block] = []
    if parked:
        blocks.append(
            Section(rich(f"⚠ {parked} message{'s' if parked != 1 else ''} could not be delivered (steering only):"))
        )
        latest = (
            await ctx.session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.coalition_id == coalition_id, OutboxMessage.status == OutboxStatus.PARKED.value)
                .order_by(col(OutboxMessage.id).desc())
                .limit(SHOWN)
            )
        ).all()
        for row in latest:
            where = f"#{row.target}" if row.kind != "direct" else f"a private message to {row.target}"
            blocks.append(
                Context(
                    rich(
                        f"{row.platform} {where}, after {row.attempts} attempt(s): {row.last_error or 'unknown error'}"
                    )
                )
            )
        blocks.append(Context(rich("Usually the bot was removed from that channel or lacks permission to post there.")))
    if waiting >= 20:
        blocks.append(Context(rich(f"{waiting} messages are waiting to be delivered.")))
    return blocks
