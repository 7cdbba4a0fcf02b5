"""Steering's view of proactive-message delivery in ``/coalition status``: messages that could not
be delivered (parked), messages dropped because their time passed before a platform took them
(expired: a check-in prompt after its window, a reminder after its meeting), and how many are
waiting. Counted in SQL, for this coalition only; members see nothing of it."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.core.i18n import _, ngettext, number
from bot.core.ui import Block, Context, Section, rich
from bot.store.models import Role
from bot.store.outbox_models import OutboxStatus

SHOWN = 5
MANY_WAITING = 20


async def delivery_section(ctx: Ctx) -> list[Block]:
    if ctx.member is None or ctx.member.role != Role.STEERING.value:
        return []
    counts = await ctx.repo.outbox_counts()
    parked = counts.get(OutboxStatus.PARKED.value, 0)
    waiting = counts.get(OutboxStatus.PENDING.value, 0) + counts.get(OutboxStatus.SENDING.value, 0)
    expired = counts.get(OutboxStatus.EXPIRED.value, 0)
    if not parked and not expired and waiting < MANY_WAITING:
        return []
    blocks: list[Block] = []
    if parked:
        blocks.append(
            Section(
                rich(
                    ngettext(
                        "⚠ {n} message could not be delivered (steering only):",
                        "⚠ {n} messages could not be delivered (steering only):",
                        parked,
                    )
                )
            )
        )
        for row in await ctx.repo.parked_messages(SHOWN):
            where = f"#{row.target}" if row.kind != "direct" else _("a private message to {target}", target=row.target)
            blocks.append(
                Context(
                    rich(
                        _(
                            "{platform} {where}, after {attempts} attempt(s): {error}",
                            platform=row.platform,
                            where=where,
                            attempts=number(row.attempts),
                            error=row.last_error or _("unknown error"),
                        )
                    )
                )
            )
        blocks.append(
            Context(rich(_("Usually the bot was removed from that channel or lacks permission to post there.")))
        )
    if expired:
        blocks.append(
            Section(
                rich(
                    ngettext(
                        "⚠ {n} message expired before it could be delivered (steering only).",
                        "⚠ {n} messages expired before they could be delivered (steering only).",
                        expired,
                    )
                )
            )
        )
        blocks.append(
            Context(
                rich(
                    _(
                        "A message whose time has passed is dropped, never sent late: a check-in prompt "
                        "after its window closed, a reminder after its meeting. Usually a platform was "
                        "failing for that long."
                    )
                )
            )
        )
    if waiting >= MANY_WAITING:
        blocks.append(
            Context(
                rich(
                    ngettext(
                        "{n} message is waiting to be delivered.", "{n} messages are waiting to be delivered.", waiting
                    )
                )
            )
        )
    return blocks
