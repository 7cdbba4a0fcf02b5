"""The flag workflow's places in the rest of the bot: the escalation job, its part of
``/coalition status``, its part of the export, and forget-me."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.flag import stats
from bot.commands.flag.access import is_handler, overdue, visible_flags
from bot.commands.flag.command import DEFAULT_ESCALATION_HOURS
from bot.commands.flag.notify import tell_steering
from bot.commands.flag.repo import flag_repo
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.outbox import Outbox
from bot.core.ui import Block, Context, Section, markup, rich
from bot.core.workflow import JobEnv
from bot.store.flag_models import ConflictFlag, FlagEvent, FlagEventKind, FlagParty, FlagStatus
from bot.store.flag_repo import FlagRepo, any_flag, unescalated
from bot.store.models import Coalition
from bot.store.retention import drop_delivered


def escalation_hours(coalition: Coalition) -> float:
    """``flag_escalation_hours`` from the coalition's settings (48 unless set to a positive number)."""
    value: Any = coalition.settings.get("flag_escalation_hours", DEFAULT_ESCALATION_HOURS)
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return DEFAULT_ESCALATION_HOURS
    return hours if 0 < hours <= 24 * 365 else DEFAULT_ESCALATION_HOURS


def escalates_at(flag: ConflictFlag, coalition: Coalition) -> datetime:
    return flag.created_at + timedelta(hours=escalation_hours(coalition))


async def due_escalations(session: AsyncSession, now: datetime) -> list[int]:
    return [f.id for f, c in await unescalated(session) if f.id is not None and now >= escalates_at(f, c)]


async def next_escalation(session: AsyncSession, now: datetime) -> datetime | None:
    times = [escalates_at(f, c) for f, c in await unescalated(session)]
    return min(times) if times else None


async def escalate(session: AsyncSession, flag_id: int, now: datetime, env: JobEnv) -> int:
    """Remind steering (not recused) privately that a flag is still unacknowledged; once per flag.

    The session only finds the flag and builds its coalition's repository and outbox."""
    entry = await any_flag(session, flag_id)
    if entry is None or entry.status != FlagStatus.OPEN.value or entry.escalated_at is not None:
        return 0
    repo = FlagRepo(session, entry.coalition_id)
    coalition = await repo.coalition()
    if coalition is None or now < escalates_at(entry, coalition):
        return 0
    entry.escalated_at = now
    await repo.save(entry)
    await repo.add(
        FlagEvent(coalition_id=entry.coalition_id, flag_id=flag_id, kind=FlagEventKind.ESCALATED.value, at=now)
    )
    outbox = Outbox(session, entry.coalition_id, now=now)
    return await tell_steering(repo, outbox, coalition, entry, escalation_hours(coalition))


async def erase_closed(session: AsyncSession, coalition_id: int, before: datetime) -> dict[str, int]:
    """Retention (``keep_flags``): flags resolved or dismissed before ``before`` go whole — their log,
    parties and receipt — with the delivered notifications that quoted them. Open flags stay."""
    repo = FlagRepo(session, coalition_id)
    ids = await repo.closed_before(before)
    if not ids:
        return {}
    counts = await repo.delete_flags(ids)
    counts["messages"] = await drop_delivered(session, coalition_id, [f"flag:{i}:" for i in ids])
    return counts


async def status_section(ctx: Ctx) -> list[Block]:
    """For handlers: how many flags they handle are open and overdue, and which are overdue."""
    if not is_handler(ctx.member):
        return []
    now = ctx.clock.now()
    flags = await visible_flags(ctx, await flag_repo(ctx).flags(include_closed=False))
    if not flags:
        return []
    late = [f for f in flags if overdue(f, now)]
    count = ngettext("{n} open conflict flag", "{n} open conflict flags", len(flags))
    blocks: list[Block] = []
    if late:
        listed = ", ".join(f"#{f.id}" for f in late[:20])
        blocks.append(
            Section(
                rich(
                    _(
                        "{flags}, {overdue}: {ids}.",
                        flags=count,
                        overdue=ngettext("{n} overdue", "{n} overdue", len(late)),
                        ids=listed,
                    )
                )
            )
        )
    else:
        blocks.append(Section(rich(_("{flags}, none overdue.", flags=count))))
    blocks.append(Context(markup(_("`/flag list` shows them."))))
    return blocks


async def export(ctx: Ctx) -> dict[str, Any]:
    """Flag contents for handlers (the flags they may handle; never receipts), read a page at a time;
    counts for others."""
    repo = flag_repo(ctx)
    by_status = await repo.status_counts()
    counts = [{"status": status.value, "count": by_status.get(status.value, 0)} for status in FlagStatus]
    if not is_handler(ctx.member):
        return {"flag_counts": counts}
    handled = repo.not_recused(ctx.me)
    ids = repo.flag_ids(handled)
    pages = ctx.repo.pages
    return {
        "flag_counts": counts,
        "conflict_flag": pages(ConflictFlag, where=(handled,), shape=without_receipt),
        "flag_party": pages(FlagParty, where=(col(FlagParty.flag_id).in_(ids),)),
        "flag_event": pages(FlagEvent, where=(col(FlagEvent.flag_id).in_(ids),)),
        "flag_quota": [{"day": q.day.isoformat(), "count": q.count} for q in await repo.quota_rows()],
        "flag_org_tally": await anonymous_counts(ctx),
    }


def without_receipt(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("receipt_hash", None)
    return row


async def anonymous_counts(ctx: Ctx) -> list[dict[str, Any]]:
    """Anonymous flags per organisation, withheld below the minimum as ``/flag stats`` withholds them."""
    organisations = [o.id for o in await ctx.repo.organisations() if o.id is not None]
    shown = await stats.anonymous_counts(ctx, organisations)
    return [
        {"organisation_id": org, "anonymous_flags": c.flags if c.shown else None, "withheld": not c.shown}
        for org, c in shown.items()
    ]


async def forget(ctx: Ctx, member_id: int) -> None:
    """A named reporter's flags stay, nameless; their name leaves parties and log lines too."""
    await flag_repo(ctx).forget_member(member_id)


MERGES = ("conflict_flag", "flag_event", "flag_party")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.repoint(
        from_id, into_id, col(ConflictFlag.reporter_id), col(FlagEvent.actor_id), col(FlagParty.member_id)
    )
