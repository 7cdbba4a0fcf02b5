"""``match``, ``fulfill`` and ``withdraw``: offers promised to needs, handed over, or taken back.

Each change updates every posted copy of the needs it touches and tells the people who posted
both sides, privately and in their own language.
"""

from __future__ import annotations

from bot.commands.pledge import service
from bot.commands.pledge.command import AMOUNT, ITEM, MATCH_ACTION, NEED, OFFER, pledge, state_label
from bot.commands.pledge.ledger import apply, deliveries, match_amount, open_for_more, quantity
from bot.commands.pledge.repo import pledge_repo
from bot.commands.pledge.views import amount_text
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound, PermissionDenied, UserError
from bot.core.i18n import N_, _
from bot.core.params import Args
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Context, Reply, Section, markup, rich
from bot.store.pledge_models import ItemState, MatchState, PledgeItem, PledgeMatch, Side


async def find_item(ctx: Ctx, item_id: int, side: Side | None = None) -> PledgeItem:
    item = await pledge_repo(ctx).item(item_id)
    if item is None:
        raise NotFound(
            _(
                "There is no offer or need #{id} in this coalition. `/pledge list` and `/pledge needs` show the ids.",
                id=item_id,
            )
        )
    if side == Side.OFFER and item.side != side.value:
        raise BadArgument(_("#{id} is a need, not an offer: `/pledge match <offer> <need>`.", id=item_id))
    if side == Side.NEED and item.side != side.value:
        raise BadArgument(_("#{id} is an offer, not a need: `/pledge match <offer> <need>`.", id=item_id))
    return item


def amount_words(m: PledgeMatch, unit: str) -> str:
    return quantity(m.amount, unit) if m.amount is not None else _("not counted")


@pledge.sub(
    "match",
    summary=N_("Promise an offer to a need (a member of either organisation, or steering)"),
    usage="/pledge match <pledge> <need> [amount=]",
    roles=CONTRIBUTORS,
    params=(OFFER, NEED, AMOUNT),
)
async def match(ctx: Ctx, args: Args) -> Reply:
    offer = await find_item(ctx, args.pledge, Side.OFFER)
    need = await find_item(ctx, args.need, Side.NEED)
    return await make_match(ctx, offer, need, args.amount)


@pledge.action(MATCH_ACTION, roles=CONTRIBUTORS)
async def match_clicked(ctx: Ctx, value: str) -> Reply:
    offer_id, _sep, need_id = value.partition(":")
    if not (offer_id.isdigit() and need_id.isdigit()):
        raise NotFound(_("That button is no longer active. `/pledge needs` lists the open needs."))
    offer = await find_item(ctx, int(offer_id), Side.OFFER)
    need = await find_item(ctx, int(need_id), Side.NEED)
    return await make_match(ctx, offer, need, None)


async def make_match(
    ctx: Ctx, offer: PledgeItem, need: PledgeItem, requested: float | None, *, via_help: bool = False
) -> Reply:
    repo = pledge_repo(ctx)
    if not service.acts_for(ctx, offer.organisation_id, need.organisation_id):
        raise PermissionDenied(
            _(
                "Only members of the two organisations, or steering, can match offer #{offer} to need #{need}.",
                offer=offer.id,
                need=need.id,
            )
        )
    if offer.organisation_id == need.organisation_id:
        raise BadArgument(
            _("Offer #{offer} and need #{need} belong to the same organisation.", offer=offer.id, need=need.id)
        )
    existing = await repo.pair(offer.id or 0, need.id or 0)
    if existing is not None and existing.state != MatchState.WITHDRAWN.value:
        if via_help:
            return await matched_reply(ctx, offer, need, existing, again=True)
        raise UserError(_("Offer #{offer} is already matched to need #{need}.", offer=offer.id, need=need.id))
    counts = await service.tallies(repo, [offer, need])
    for item in (offer, need):
        if not open_for_more(item, counts[item.id or 0]):
            raise UserError(
                _("#{id} is {state}: it cannot take another match.", id=item.id, state=state_label(item.state))
            )
    amount = match_amount(offer, counts[offer.id or 0], need, counts[need.id or 0], requested)
    now = ctx.clock.now()
    if existing is not None:  # matched before, withdrawn, matched again
        row = existing
        row.amount, row.state, row.withdrawn_at, row.member_id, row.created_at = (
            amount,
            MatchState.MATCHED.value,
            None,
            ctx.me.id,
            now,
        )
        await repo.save(row)
    else:
        row = PledgeMatch(
            coalition_id=ctx.c.id or 0,
            offer_id=offer.id or 0,
            need_id=need.id or 0,
            amount=amount,
            member_id=ctx.me.id,
            created_at=now,
        )
        if not await repo.add_once(row):
            raise UserError(_("Offer #{offer} is already matched to need #{need}.", offer=offer.id, need=need.id))
    await service.recompute(repo, [offer, need], now)
    for item, other in ((offer, need), (need, offer)):
        event = await repo.record(item, "matched", at=now, member_id=ctx.me.id, amount=amount, match=row, other=other)
    await ctx.repo.audit(
        "pledge.matched", member=ctx.me, subject=f"#{offer.id}→#{need.id}", match_id=row.id, amount=amount
    )
    await service.refresh_needs(ctx, [need])
    orgs = await repo.organisation_names()

    def notice() -> Reply:
        return Reply.private(
            Section(
                rich(
                    _(
                        "{who} matched offer #{offer} of {offer_org} to need #{need} of {need_org}: {amount}.",
                        who=ctx.me.display_name,
                        offer=offer.id,
                        offer_org=orgs.get(offer.organisation_id, "?"),
                        need=need.id,
                        need_org=orgs.get(need.organisation_id, "?"),
                        amount=amount_words(row, need.unit or offer.unit),
                    )
                )
            ),
            Section(rich(_("Offer: {offer}\nNeed: {need}", offer=offer.description, need=need.description))),
            Context(
                markup(
                    _(
                        "Arrange the hand-over between you; when it is done, record it with `/pledge fulfill {id}`.",
                        id=need.id,
                    )
                )
            ),
        )

    await service.notify(ctx, [offer, need], notice, key=f"pledge:matched:{event.id}")
    return await matched_reply(ctx, offer, need, row)


async def matched_reply(
    ctx: Ctx, offer: PledgeItem, need: PledgeItem, row: PledgeMatch, *, again: bool = False
) -> Reply:
    repo = pledge_repo(ctx)
    t = (await service.tallies(repo, [need]))[need.id or 0]
    orgs = await repo.organisation_names()
    text = _(
        "Offer #{offer} ({offer_org}) is matched to need #{need} ({need_org}): {amount}.",
        offer=offer.id,
        offer_org=orgs.get(offer.organisation_id, "?"),
        need=need.id,
        need_org=orgs.get(need.organisation_id, "?"),
        amount=amount_words(row, need.unit or offer.unit),
    )
    blocks: list[Section | Context] = [Section(rich(text))]
    if again:
        blocks.insert(0, Context(rich(_("This was done already; nothing new was added."))))
    blocks.append(Section(rich(_("Need #{id}: {amount}", id=need.id, amount=amount_text(need, t)))))
    blocks.append(
        Context(
            markup(
                _(
                    "Both organisations' posters are told privately. Record the hand-over with `/pledge fulfill {id}`.",
                    id=need.id,
                )
            )
        )
    )
    return Reply.private(*blocks)


@pledge.sub(
    "fulfill",
    summary=N_("Record that a matched offer was handed over (all, or amount=)"),
    usage="/pledge fulfill <id> [amount=]",
    roles=CONTRIBUTORS,
    params=(ITEM, AMOUNT),
)
async def fulfill(ctx: Ctx, args: Args) -> Reply:
    item = await find_item(ctx, args.id)
    repo = pledge_repo(ctx)
    matches = await repo.matches([item.id or 0])
    involved = await repo.items(ids=[*service.counterparts(item, matches), item.id or 0])
    by_id = {i.id or 0: i for i in involved}
    if not service.acts_for(ctx, *(i.organisation_id for i in involved)):
        raise PermissionDenied(
            _("Only members of the organisations involved, or steering, can record a hand-over for #{id}.", id=item.id)
        )
    if item.state in (ItemState.FULFILLED.value, ItemState.WITHDRAWN.value):
        raise UserError(_("#{id} is {state} already.", id=item.id, state=state_label(item.state)))
    handed = deliveries(item, matches, args.amount)
    now = ctx.clock.now()
    for d in handed:
        apply(d)
        if d.match.state == MatchState.FULFILLED.value:
            d.match.fulfilled_at = now
    await repo.save(*(d.match for d in handed))
    await service.recompute(repo, involved, now)
    events = []
    for d in handed:
        offer, need = by_id[d.match.offer_id], by_id[d.match.need_id]
        await repo.record(offer, "delivered", at=now, member_id=ctx.me.id, amount=d.amount, match=d.match, other=need)
        events.append(
            await repo.record(
                need, "delivered", at=now, member_id=ctx.me.id, amount=d.amount, match=d.match, other=offer
            )
        )
    await ctx.repo.audit(
        "pledge.fulfilled",
        member=ctx.me,
        subject=f"#{item.id}",
        amount=args.amount,
        matches=[d.match.id for d in handed],
    )
    await service.refresh_needs(ctx, [i for i in involved if i.side == Side.NEED.value])
    for d, event in zip(handed, events, strict=True):
        offer, need = by_id[d.match.offer_id], by_id[d.match.need_id]
        unit = need.unit or offer.unit

        def notice(
            offer: PledgeItem = offer, need: PledgeItem = need, amount: float | None = d.amount, unit: str = unit
        ) -> Reply:
            what = quantity(amount, unit) if amount is not None else _("everything matched")
            return Reply.private(
                rich(
                    _(
                        "{who} recorded a hand-over from offer #{offer} to need #{need}: {what}. Offer #{offer} is now {offer_state}; need #{need} is {need_state}.",
                        who=ctx.me.display_name,
                        offer=offer.id,
                        need=need.id,
                        what=what,
                        offer_state=state_label(offer.state),
                        need_state=state_label(need.state),
                    )
                )
            )

        await service.notify(ctx, [offer, need], notice, key=f"pledge:delivered:{event.id}")
    t = (await service.tallies(repo, [item]))[item.id or 0]
    total = sum(d.amount or 0.0 for d in handed)
    counted = any(d.amount is not None for d in handed)
    head = (
        _("Recorded: {amount} handed over for #{id}.", amount=quantity(total, item.unit), id=item.id)
        if counted
        else _("Recorded: everything matched to #{id} is handed over.", id=item.id)
    )
    return Reply.private(
        Section(rich(head)),
        Section(
            rich(_("#{id}: {amount} · {state}", id=item.id, amount=amount_text(item, t), state=state_label(item.state)))
        ),
    )


@pledge.sub(
    "withdraw",
    summary=N_("Withdraw your organisation's offer or need (what was handed over stays)"),
    usage="/pledge withdraw <id>",
    roles=CONTRIBUTORS,
    params=(ITEM,),
)
async def withdraw(ctx: Ctx, args: Args) -> Reply:
    item = await find_item(ctx, args.id)
    if not service.acts_for(ctx, item.organisation_id):
        raise PermissionDenied(
            _("Only members of the organisation that posted #{id}, or steering, can withdraw it.", id=item.id)
        )
    if item.state in (ItemState.FULFILLED.value, ItemState.WITHDRAWN.value):
        raise UserError(_("#{id} is {state} already.", id=item.id, state=state_label(item.state)))
    repo = pledge_repo(ctx)
    now = ctx.clock.now()
    matches = [m for m in await repo.matches([item.id or 0]) if m.state == MatchState.MATCHED.value]
    others = await repo.items(ids=service.counterparts(item, matches))
    for m in matches:
        if m.delivered > 0:  # what was handed over stays given; the rest is released
            m.amount, m.state, m.fulfilled_at = m.delivered, MatchState.FULFILLED.value, now
        else:
            m.state, m.withdrawn_at = MatchState.WITHDRAWN.value, now
    item.state = ItemState.WITHDRAWN.value
    await repo.save(*matches, item)
    await service.recompute(repo, [item, *others], now)
    event = await repo.record(item, "withdrawn", at=now, member_id=ctx.me.id)
    for other in others:
        await repo.record(other, "released", at=now, member_id=ctx.me.id, other=item)
    await ctx.repo.audit("pledge.withdrawn", member=ctx.me, subject=f"#{item.id}", released=[m.id for m in matches])
    await service.refresh_needs(ctx, [item, *others])
    if item.side == Side.OFFER.value:
        await service.refresh_listings(ctx, item)

    def notice() -> Reply:
        return Reply.private(
            rich(
                _(
                    "{who} withdrew #{id} ({description}). Its matches that were not handed over are released.",
                    who=ctx.me.display_name,
                    id=item.id,
                    description=item.description,
                )
            )
        )

    await service.notify(ctx, [item, *others], notice, key=f"pledge:withdrawn:{event.id}")
    released = len(matches)
    return Reply.private(
        _("#{id} is withdrawn.", id=item.id)
        + (
            " " + _("The matches with {ids} are released.", ids=", ".join(f"#{o.id}" for o in others))
            if released
            else ""
        )
    )
