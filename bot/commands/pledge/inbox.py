"""A member's inbox (``/coalition inbox``, the Slack Home tab), for their organisation: the open needs
of others its open offers could meet (ranked as a posted need ranks offers, same kind only), each
with the need's own "I can help" button; and the organisation's own open offers and needs, with a
hint to ``/pledge fulfill`` where a match waits to be handed over.

Bounded in SQL (:class:`bot.commands.pledge.repo.OrganisationPledges`): the organisation's newest
``OFFERS`` live offers, the newest ``POOL`` live needs of those kinds, and the newest ``SHOWN`` own
items (with a count for the rest), so the cost follows what is shown, not the coalition's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.pledge import service
from bot.commands.pledge.command import HELP_ACTION
from bot.commands.pledge.ledger import Tally, open_for_more
from bot.commands.pledge.ranking import Ranked, rank
from bot.commands.pledge.repo import OrganisationPledges, organisation_pledges, pledge_repo
from bot.commands.pledge.views import line
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Actions, Block, Button, ButtonStyle, Context, Section, markup, rich
from bot.store.pledge_models import ItemState, PledgeItem, Side
from bot.store.pledge_repo import PledgeRepo

OFFERS = 10  # the organisation's newest live offers that needs are ranked against
POOL = 50  # the newest live needs of those kinds that are ranked
SHOWN_NEEDS = 3  # each with its button
SHOWN = 5


async def pledge_inbox(ctx: Ctx) -> list[Block]:
    if ctx.member is None or ctx.member.organisation_id is None or ctx.member.role not in CONTRIBUTORS:
        return []
    mine = organisation_pledges(ctx, ctx.member.organisation_id)
    return [*await needs_part(ctx, mine), *await own_part(ctx, mine)]


async def needs_part(ctx: Ctx, mine: OrganisationPledges) -> list[Block]:
    """Others' open needs that one of the organisation's open offers could meet, best first."""
    repo = pledge_repo(ctx)
    offers = await usable(repo, await mine.own(OFFERS, Side.OFFER))
    kinds = sorted({offer.kind for offer, _t in offers})
    if not kinds:
        return []
    candidates = [service.candidate(offer, t) for offer, t in offers]
    best: list[tuple[Ranked, PledgeItem, Tally]] = []
    for need, t in await usable(repo, await mine.others_needs(kinds, POOL)):
        ranked = [r for r in rank(service.candidate(need, t), candidates, limit=1) if r.same_kind]
        if ranked:
            best.append((ranked[0], need, t))
    if not best:
        return []
    best.sort(key=lambda found: (*found[0].key[:3], found[1].id or 0))
    orgs = await repo.organisation_names()
    blocks: list[Block] = [
        Section(
            rich(
                ngettext(
                    "{n} open need your organisation's offers could meet:",
                    "{n} open needs your organisation's offers could meet:",
                    len(best),
                )
            )
        )
    ]
    for _ranked, need, t in best[:SHOWN_NEEDS]:
        blocks.append(line(need, t, orgs.get(need.organisation_id, "?")))
        blocks.append(Actions((Button(_("I can help"), HELP_ACTION, str(need.id), ButtonStyle.PRIMARY),)))
    if len(best) > SHOWN_NEEDS:
        left = len(best) - SHOWN_NEEDS
        blocks.append(Context(markup(ngettext("{n} more: `/pledge needs`.", "{n} more: `/pledge needs`.", left))))
    return blocks


async def own_part(ctx: Ctx, mine: OrganisationPledges) -> list[Block]:
    """The organisation's own open offers and needs, newest first."""
    total = await mine.own_count()
    if not total:
        return []
    items = list(await mine.own(SHOWN))
    repo = pledge_repo(ctx)
    counts = await service.tallies(repo, items)
    org = (await repo.organisation_names()).get(mine.organisation_id, "?")
    blocks: list[Block] = [
        Section(
            rich(ngettext("{n} open offer or need of {org}:", "{n} open offers and needs of {org}:", total, org=org))
        )
    ]
    for item in items:
        t = counts[item.id or 0]
        blocks.append(line(item, t, org))
        if item.state == ItemState.MATCHED.value and t.undelivered_matches:
            waits = _("A match waits to be handed over; once it is, record it with `/pledge fulfill {id}`.", id=item.id)
            blocks.append(Context(markup(waits)))
    if total > len(items):
        left = total - len(items)
        blocks.append(Context(markup(ngettext("{n} more: `/pledge list`.", "{n} more: `/pledge list`.", left))))
    return blocks


async def usable(repo: PledgeRepo, items: Sequence[PledgeItem]) -> list[tuple[PledgeItem, Tally]]:
    """The items another match could still take from or give to, with their tallies."""
    counts = await service.tallies(repo, items)
    return [(item, counts[item.id or 0]) for item in items if open_for_more(item, counts[item.id or 0])]
