"""The impact workflow's part of status, export and forget-me, and the pulse's one reminder."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import row_dict
from bot.commands.impact.command import PULSE_ACTION
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.i18n import _, language, of_member
from bot.core.outbox import Outbox
from bot.core.ui import Actions, Block, Button, ButtonStyle, Context, Reply, Section, markup, rich
from bot.core.workflow import JobEnv
from bot.store.impact_models import Pulse, PulseResponder, Win
from bot.store.impact_repo import ImpactRepo, any_pulse, reminders_due

TABLES = ("win", "pulse", "pulsetally", "pulsecomment", "pulseresponder")


async def status(ctx: Ctx) -> list[Block]:
    """``/coalition status``: an open pulse, and whether you answered it."""
    repo = impact_repo(ctx)
    current = await repo.open_pulse()
    if current is None:
        return []
    if await repo.has_answered(current, ctx.me.id or 0):
        return [Context(markup(_("Pulse #{id} is open; you have answered it.", id=current.id)))]
    return [Section(markup(_("Pulse #{id} is open: answer it anonymously with `/impact pulse`.", id=current.id)))]


async def export(ctx: Ctx) -> dict[str, Any]:
    """Wins, pulses, their counts and comments; of the responders only how many (never who)."""
    repo = impact_repo(ctx)
    tallies = await repo.tallies()
    answered = await repo.answered_counts()
    return {
        "win": ctx.repo.pages(Win),
        "pulse": [row_dict(p) for p in await repo.pulses()],
        "pulsetally": [
            {"pulse_id": pulse_id, "score": score, "count": n}
            for pulse_id, counts in sorted(tallies.items())
            for score, n in sorted(counts.items())
        ],
        "pulsecomment": [{"pulse_id": c.pulse_id, "text": c.text} for c in await repo.all_comments()],
        "pulseresponder": [{"pulse_id": p, "answered": n} for p, n in sorted(answered.items())],
    }


async def forget(ctx: Ctx, member_id: int) -> None:
    """Wins stay the coalition's, without who logged them; that they answered a pulse goes with the
    member's row (the answers themselves were never theirs)."""
    await impact_repo(ctx).forget(member_id)


async def remind_due(session: AsyncSession, now: datetime) -> list[int]:
    return await reminders_due(session, now)


async def remind_run(session: AsyncSession, item: int, now: datetime, env: JobEnv) -> int:
    """One private reminder to each member who has not answered the pulse, once."""
    pulse = await any_pulse(session, item)
    if pulse is None or pulse.closed_at is not None or pulse.reminded_at is not None:
        return 0
    repo, outbox = ImpactRepo(session, pulse.coalition_id), Outbox(session, pulse.coalition_id, now=now)
    coalition = await repo.coalition()
    queued = 0
    for member in await repo.to_remind(pulse):
        with language(of_member(member, coalition)):
            note = Reply.private(
                Section(rich(_("A reminder: the coalition's anonymous pulse is open."))),
                Section(rich(pulse.question)),
                Actions((Button(_("Answer anonymously"), PULSE_ACTION, str(pulse.id), ButtonStyle.PRIMARY),)),
            )
        queued += len(await outbox.direct(member.id or 0, note, key=f"impact.pulse-remind:{pulse.id}:{member.id}"))
    pulse.reminded_at = now
    await repo.save(pulse)
    return queued


MERGES = ("win", "pulse", "pulseresponder")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.repoint(from_id, into_id, col(Win.member_id), col(Pulse.started_by))
    # a pulse counts each responder once, whichever account answered
    await ctx.repo.repoint_once(from_id, into_id, col(PulseResponder.member_id), col(PulseResponder.pulse_id))
