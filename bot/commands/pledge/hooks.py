"""Where the rest of the bot reaches into pledges: the status section, export, forget-me, and the
weekly digest of needs that have waited a week or more."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.pledge import service
from bot.commands.pledge.command import HELP_ACTION
from bot.commands.pledge.ledger import open_for_more
from bot.commands.pledge.repo import pledge_repo
from bot.commands.pledge.views import line
from bot.core.context import Ctx
from bot.core.i18n import _, language, ngettext, of_coalition
from bot.core.outbox import Outbox
from bot.core.ui import Actions, Block, Button, Context, Header, Reply, Section, markup, rich
from bot.core.workflow import JobEnv
from bot.store.models import Coalition
from bot.store.pledge_models import NeedDigest, OrgProfile, PledgeEvent, PledgeItem, PledgeMatch
from bot.store.pledge_repo import PledgeRepo, coalitions_with_stalled_needs

STALLED_AFTER = timedelta(days=7)
DIGEST_HOUR = 9  # local time on the digest day
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUS_SHOWN = 5
EXPORTS = ("pledgeitem", "pledgematch", "pledgeevent", "orgprofile", "needdigest")


async def status(ctx: Ctx) -> list[Block]:
    """``/coalition status``: the open needs, what each still misses (the oldest few, and a count)."""
    repo = pledge_repo(ctx)
    total, needs = await repo.missing_page(limit=STATUS_SHOWN)
    if not needs:
        return []
    counts = await service.tallies(repo, needs)
    orgs = await repo.organisation_names()
    blocks: list[Block] = [Section(rich(ngettext("{n} open need", "{n} open needs", total)))]
    blocks += [line(n, counts[n.id or 0], orgs.get(n.organisation_id, "?")) for n in needs]
    if total > STATUS_SHOWN:
        blocks.append(
            Context(
                markup(
                    ngettext("…and {n} more: `/pledge needs`.", "…and {n} more: `/pledge needs`.", total - STATUS_SHOWN)
                )
            )
        )
    return blocks


def row_dict(row: object) -> dict[str, Any]:
    return {name: getattr(row, name) for name in type(row).model_fields}  # type: ignore[attr-defined]


async def export(ctx: Ctx) -> dict[str, Any]:
    repo = pledge_repo(ctx)
    return {
        "pledgeitem": ctx.repo.pages(PledgeItem),
        "pledgematch": ctx.repo.pages(PledgeMatch),
        "pledgeevent": ctx.repo.pages(PledgeEvent),
        "orgprofile": [row_dict(r) for r in await repo.profiles()],
        "needdigest": [row_dict(r) for r in await repo.digests()],
    }


async def forget(ctx: Ctx, member_id: int) -> None:
    """The person's link to what they posted goes; their organisation's offers, needs and totals stay."""
    await pledge_repo(ctx).forget_member(member_id)


# the weekly digest of stalled needs ---------------------------------------------------------------


def digest_week(coalition: Coalition, now: datetime) -> str | None:
    """This week's digest key if it is due now (the settings' day, from 09:00 local), else None."""
    local = now.astimezone(ZoneInfo(coalition.tz or "UTC"))
    day = str(coalition.settings.get("stalled_need_day", "mon")).lower()[:3]
    if day not in DAYS or local.weekday() != DAYS.index(day) or local.hour < DIGEST_HOUR:
        return None
    year, week, _weekday = local.isocalendar()
    return f"{year}-W{week:02d}"


async def stalled(repo: PledgeRepo, now: datetime) -> list[PledgeItem]:
    """Needs posted a week or more ago that still miss something."""
    needs = await repo.stalled_needs(now - STALLED_AFTER)
    counts = await service.tallies(repo, needs)
    return [n for n in needs if open_for_more(n, counts[n.id or 0])]


async def digest_due(session: AsyncSession, now: datetime) -> list[int]:
    """The coalitions whose weekly digest is due (the timed job's items); the session only finds
    them and builds each one's repository."""
    due = []
    for coalition_id in await coalitions_with_stalled_needs(session, now - STALLED_AFTER):
        repo = PledgeRepo(session, coalition_id)
        coalition = await repo.coalition()
        week = digest_week(coalition, now) if coalition is not None else None
        if week is not None and await repo.digest(week) is None and await stalled(repo, now):
            due.append(coalition_id)
    return due


async def digest_run(session: AsyncSession, coalition_id: int, now: datetime, env: JobEnv) -> int:
    """Post one coalition's digest, once a week; returns the posts queued."""
    return await post_digest(PledgeRepo(session, coalition_id), Outbox(session, coalition_id, now=now), now)


async def post_digest(repo: PledgeRepo, outbox: Outbox, now: datetime) -> int:
    coalition = await repo.coalition()
    week = digest_week(coalition, now) if coalition is not None else None
    if coalition is None or week is None:
        return 0
    needs = await stalled(repo, now)
    if not needs:
        return 0
    if not await repo.add_once(NeedDigest(coalition_id=repo.coalition_id, week=week, needs=len(needs), sent_at=now)):
        return 0  # another tick queued it
    counts = await service.tallies(repo, needs)
    orgs = await repo.organisation_names()
    with language(of_coalition(coalition)) as lang:
        blocks: list[Block] = [
            Header(_("Still missing: needs waiting a week or more")),
            Section(rich(ngettext("{n} need still misses something:", "{n} needs still miss something:", len(needs)))),
        ]
        blocks += [line(n, counts[n.id or 0], orgs.get(n.organisation_id, "?")) for n in needs[:20]]
        blocks.append(
            Context(markup(_("Help with a button below, or match an offer with `/pledge match <offer> <need>`.")))
        )
        blocks.append(Actions(tuple(Button(_("Help with #{id}", id=n.id), HELP_ACTION, str(n.id)) for n in needs[:5])))
        reply = Reply.channel(*blocks)
        reply.lang = lang
    rows = await outbox.announce(reply, key=f"pledge:stalled:{week}")
    return len(rows)


MERGES = ("orgprofile", "pledgeitem", "pledgematch", "pledgeevent")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.repoint(
        from_id,
        into_id,
        col(OrgProfile.updated_by),
        col(PledgeItem.member_id),
        col(PledgeMatch.member_id),
        col(PledgeEvent.member_id),
    )
