"""What several ``/pledge`` subcommands share: tallies, ranking from the database, states kept up to
date, the posted need (posted once per channel, refreshed in place), and private notifications."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from bot.commands.pledge.ledger import Tally, kept, state_of, tally
from bot.commands.pledge.ranking import Candidate, Ranked, rank, units_compatible
from bot.commands.pledge.repo import pledge_repo
from bot.commands.pledge.views import need_post
from bot.core.context import Ctx
from bot.core.i18n import language, of_coalition, of_member
from bot.core.ui import Reply
from bot.store.models import Coalition, Role
from bot.store.pledge_models import ItemState, PledgeItem, PledgeMatch, Side
from bot.store.pledge_repo import PledgeRepo

CLOSED = (ItemState.FULFILLED.value, ItemState.WITHDRAWN.value)
POOL = 50  # candidates ranked for one item: the rest of a large pool is older or fits less well


def topic(need: PledgeItem) -> str:
    return f"pledge:need:{need.id}"


async def tallies(repo: PledgeRepo, items: Sequence[PledgeItem]) -> dict[int, Tally]:
    """Each item's matches summed up, as kept on the item itself (no query)."""
    return {i.id or 0: kept(i) for i in items}


def candidate(item: PledgeItem, t: Tally) -> Candidate:
    return Candidate(item.id or 0, item.organisation_id, item.kind, item.description, item.unit, item.amount, t.left)


async def best(
    repo: PledgeRepo, target: PledgeItem, t: Tally, *, limit: int = 5
) -> tuple[list[Ranked], dict[int, PledgeItem]]:
    """Live items on the other side that could go with ``target``, best first: ranked among the
    :data:`POOL` the database picks (its kind, the best unit fit, the newest), never every live
    item; other kinds are read only when fewer than ``limit`` of its kind could go with it (the
    ranking lists every one of its kind first)."""
    other = Side.NEED if target.side == Side.OFFER.value else Side.OFFER
    units = None
    if target.amount is not None:
        units = [u for u in await repo.live_units(other) if units_compatible(target.unit, u)]
    pool = await repo.candidates(other, target, same_kind=True, units=units, limit=POOL)
    if len(pool) < limit:
        pool += await repo.candidates(other, target, same_kind=False, units=units, limit=POOL)
    ranked = rank(candidate(target, t), [candidate(i, kept(i)) for i in pool], limit=limit)
    return ranked, {i.id or 0: i for i in pool}


async def recompute(repo: PledgeRepo, items: Iterable[PledgeItem], now: datetime) -> None:
    """Bring each item's kept quantities and stored state in line with its matches (summed from the
    matches of these items only, in the transaction that changed them); closing one frees its
    fingerprint. Every change to a match goes through here for both of its items."""
    unique = {i.id: i for i in items}.values()
    matches = await repo.matches([i.id or 0 for i in unique]) if unique else []
    for item in unique:
        t = tally(item, matches)
        item.promised, item.delivered = t.promised, t.delivered
        item.match_count, item.waiting_count = t.matches, t.undelivered_matches
        new = state_of(item, t).value
        if new != item.state:
            item.state = new
            item.updated_at = now
        if new in CLOSED and item.active:
            item.active = None
            item.closed_at = now
    await repo.save(*unique)


async def need_reply(repo: PledgeRepo, coalition: Coalition, need: PledgeItem) -> Reply:
    """The posted need, in the coalition's language."""
    t = (await tallies(repo, [need]))[need.id or 0]
    orgs = await repo.organisation_names()
    with language(of_coalition(coalition)) as lang:
        offers, items = await best(repo, need, t) if need.state not in CLOSED else ([], {})
        reply = need_post(need, t, orgs.get(need.organisation_id, "?"), offers, orgs, items)
        reply.lang = lang
        return reply


async def post_need(ctx: Ctx, need: PledgeItem) -> int:
    reply = await need_reply(pledge_repo(ctx), ctx.c, need)
    rows = await ctx.outbox.announce(reply, key=f"pledge:need:{need.id}", topic=topic(need))
    return len(rows)


async def refresh_needs(ctx: Ctx, needs: Iterable[PledgeItem]) -> None:
    """Every posted copy of each need shows what it has now."""
    repo = pledge_repo(ctx)
    for need in {n.id: n for n in needs if n.side == Side.NEED.value}.values():
        await ctx.outbox.refresh(topic(need), await need_reply(repo, ctx.c, need))


async def refresh_listings(ctx: Ctx, offer: PledgeItem) -> None:
    """A new or withdrawn offer changes which offers the open needs of its kind list."""
    needs = list(await pledge_repo(ctx).items(Side.NEED, live=True, kind=offer.kind))[-20:]
    await refresh_needs(ctx, needs)


async def notify(ctx: Ctx, items: Iterable[PledgeItem], build: Callable[[], Reply], key: str) -> int:
    """Tell the people who posted ``items`` privately, each in their own language (not the actor)."""
    sent = 0
    seen: set[int] = set()
    for item in items:
        member_id = item.member_id
        if member_id is None or member_id in seen or member_id == ctx.me.id:
            continue
        seen.add(member_id)
        member = await ctx.repo.member(member_id)
        if member is None:
            continue
        with language(of_member(member, ctx.c)) as lang:
            reply = build()
            reply.lang = lang
        sent += len(await ctx.outbox.direct(member_id, reply, key=f"{key}:{member_id}"))
    return sent


def acts_for(ctx: Ctx, *organisation_ids: int) -> bool:
    """Steering, or a member of one of these organisations."""
    return ctx.me.role == Role.STEERING.value or ctx.me.organisation_id in organisation_ids


def counterparts(item: PledgeItem, matches: Sequence[PledgeMatch]) -> list[int]:
    return [m.need_id if item.side == Side.OFFER.value else m.offer_id for m in matches]
