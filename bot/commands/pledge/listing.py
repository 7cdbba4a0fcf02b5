"""``list``, ``needs`` and ``show``: open offers and needs with their ids, and one item's history."""

from __future__ import annotations

from bot.commands.pledge import service
from bot.commands.pledge.command import ITEM, ITEMS, LIST_KIND, kind_label, pledge
from bot.commands.pledge.matching import find_item
from bot.commands.pledge.repo import pledge_repo
from bot.commands.pledge.views import line, show_reply
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args
from bot.core.ui import Block, Context, Header, Option, Reply, Section, markup, rich
from bot.store.pledge_models import Side

SHOWN = 30


async def listing(ctx: Ctx, side: Side, kind: str | None) -> Reply:
    repo = pledge_repo(ctx)
    total, items = await repo.live_page(side, kind=kind, limit=SHOWN)
    if not items:
        if side == Side.OFFER:
            empty = _('No open offers yet. Offer something with `/pledge offer "…"`.')
        else:
            empty = _('No open needs. Post one with `/pledge need "…"`.')
        return Reply.private(empty)
    counts = await service.tallies(repo, items)
    orgs = await repo.organisation_names()
    if side == Side.OFFER:
        head = ngettext("{n} open offer", "{n} open offers", total)
    else:
        head = ngettext("{n} open need", "{n} open needs", total)
    if kind:
        head = _("{list} ({kind})", list=head, kind=kind_label(kind))
    blocks: list[Block] = [Header(head)]
    blocks += [line(i, counts[i.id or 0], orgs.get(i.organisation_id, "?")) for i in items]
    if total > SHOWN:
        blocks.append(
            Context(
                rich(ngettext("The {shown} newest of {n}.", "The {shown} newest of {n}.", total, shown=number(SHOWN)))
            )
        )
    blocks.append(Context(markup(_("`/pledge show <id>` shows one with its matches and history."))))
    return Reply.private(*blocks)


@pledge.sub(
    "list",
    summary=N_("Open offers with their ids (optionally of one kind)"),
    usage="/pledge list [kind]",
    params=(LIST_KIND,),
)
async def list_(ctx: Ctx, args: Args) -> Reply:
    return await listing(ctx, Side.OFFER, args.kind)


@pledge.sub(
    "needs", summary=N_("Open needs with what is still missing"), usage="/pledge needs [kind]", params=(LIST_KIND,)
)
async def needs(ctx: Ctx, args: Args) -> Reply:
    return await listing(ctx, Side.NEED, args.kind)


@pledge.sub(
    "show", summary=N_("One offer or need: matches, what is left, history"), usage="/pledge show <id>", params=(ITEM,)
)
async def show(ctx: Ctx, args: Args) -> Reply:
    item = await find_item(ctx, args.id)
    repo = pledge_repo(ctx)
    matches = await repo.matches([item.id or 0])
    others = await repo.items(ids=service.counterparts(item, matches))
    t = (await service.tallies(repo, [item]))[item.id or 0]
    orgs = await repo.organisation_names()
    people = {m.id or 0: m.display_name for m in await ctx.repo.members()}
    return show_reply(
        item,
        t,
        orgs.get(item.organisation_id, "?"),
        matches,
        {o.id or 0: o for o in others},
        orgs,
        await repo.events(item.id or 0),
        people,
        ctx.tz,
    )


@pledge.completer(ITEMS)
async def complete_item(ctx: Ctx, partial: str) -> list[Option]:
    """Live offers and needs, newest first, each saying which it is (they share one list of ids)."""
    out = []
    for i in reversed(await pledge_repo(ctx).items(live=True)):
        if i.side == Side.OFFER.value:
            label = _("Offer #{id}: {description}", id=i.id, description=i.description)
        else:
            label = _("Need #{id}: {description}", id=i.id, description=i.description)
        if partial in label.lower() or partial.lstrip("#") == str(i.id):
            out.append(Option(label[:100], str(i.id)))
    return out[:25]


__all__ = ["Section", "complete_item", "list_", "needs", "show"]
