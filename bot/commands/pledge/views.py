"""How offers and needs read: one-line summaries, the posted need, an offer's reply, ``show``.

Everything here is written in the current language (the caller chooses it: the reader's for a
reply, the coalition's for a channel post, the recipient's for a notification). Text members typed
(descriptions, units, organisation names) travels as plain text pieces; renderers escape it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.commands.pledge.command import HELP_ACTION, MATCH_ACTION, kind_label, state_label
from bot.commands.pledge.ledger import Tally, open_for_more, quantity
from bot.commands.pledge.ranking import Ranked
from bot.core.i18n import _, datetime_, number
from bot.core.ui import Actions, Block, Bold, Button, ButtonStyle, Context, Header, Reply, Section, markup, rich
from bot.store.pledge_models import ItemState, PledgeEvent, PledgeItem, PledgeMatch, Side

BAR = 12
LISTED = 5


def bar(done: float, total: float) -> str:
    filled = 0 if total <= 0 else min(BAR, round(BAR * done / total))
    return "█" * filled + "░" * (BAR - filled)


def title(item: PledgeItem, org: str) -> str:
    if item.side == Side.OFFER.value:
        return _("Offer #{id} from {org}", id=item.id, org=org)
    return _("Need #{id} of {org}", id=item.id, org=org)


def amount_text(item: PledgeItem, t: Tally) -> str:
    """What is promised, missing, left or handed over, in words."""
    if item.amount is None:
        return _("not counted")
    total = quantity(item.amount, item.unit)
    if item.side == Side.NEED.value:
        if t.delivered > 0:
            return _(
                "{total}: {promised} promised, {delivered} received, {missing} still missing",
                total=total,
                promised=number(t.promised),
                delivered=number(t.delivered),
                missing=quantity(t.left or 0.0, item.unit),
            )
        return _(
            "{total}: {promised} promised, {missing} still missing",
            total=total,
            promised=number(t.promised),
            missing=quantity(t.left or 0.0, item.unit),
        )
    if t.delivered > 0:
        return _(
            "{total}: {left} left, {delivered} given",
            total=total,
            left=quantity(t.left or 0.0, item.unit),
            delivered=number(t.delivered),
        )
    return _("{total}: {left} left", total=total, left=quantity(t.left or 0.0, item.unit))


def state_text(item: PledgeItem, t: Tally) -> str:
    if item.state == ItemState.MATCHED.value and item.amount is not None:
        partly = (t.left or 0.0) > 0 if item.side == Side.NEED.value else t.delivered < item.amount
        return _("matched (partly)") if partly else _("matched (fully)")
    return state_label(item.state)


def line(item: PledgeItem, t: Tally, org: str) -> Section:
    """``#5 Funding · Acme Trust: “printing costs” — 200 EUR: 50 promised, 150 still missing · matched``."""
    return Section(
        rich(
            Bold(f"#{item.id}"),
            " ",
            _(
                "{kind} · {org}: {description} — {amount} · {state}",
                kind=kind_label(item.kind),
                org=org,
                description=item.description,
                amount=amount_text(item, t),
                state=state_text(item, t),
            ),
        )
    )


def candidate_lines(ranked: Sequence[Ranked], orgs: Mapping[int, str], items: Mapping[int, PledgeItem]) -> list[str]:
    out = []
    for r in ranked:
        c = r.candidate
        left = _("not counted") if c.left is None else quantity(c.left, c.unit)
        out.append(
            _(
                "• #{id} {org}: {description} ({kind}; left: {left})",
                id=c.item_id,
                org=orgs.get(c.organisation_id, "?"),
                description=c.description,
                kind=kind_label(c.kind),
                left=left,
            )
        )
    return out


def need_post(
    need: PledgeItem,
    t: Tally,
    org: str,
    offers: Sequence[Ranked],
    orgs: Mapping[int, str],
    items: Mapping[int, PledgeItem],
) -> Reply:
    """The need as posted in every channel; each copy is updated in place as it is matched."""
    blocks: list[Block] = [
        Header(_("Need #{id}: {kind} for {org}", id=need.id, kind=kind_label(need.kind), org=org)),
        Section(rich(need.description)),
    ]
    if need.amount is not None:
        blocks.append(Section(rich(bar(t.promised, need.amount), " ", amount_text(need, t))))
    if need.state == ItemState.FULFILLED.value:
        blocks.append(Section(rich(Bold(_("Fulfilled. Thank you to everyone who helped!")))))
    elif need.state == ItemState.WITHDRAWN.value:
        blocks.append(Section(rich(Bold(_("Withdrawn: this need is no longer open.")))))
    else:
        blocks.append(Context(rich(_("State: {state}", state=state_text(need, t)))))
    if open_for_more(need, t):
        if offers:
            blocks.append(Section(rich(Bold(_("Open offers that could meet it, best first:")))))
            blocks.append(Section(rich("\n".join(candidate_lines(offers, orgs, items)))))
        blocks.append(
            Context(
                markup(
                    _(
                        "Click “I can help” to offer, or match an existing offer with `/pledge match <offer> {id}`.",
                        id=need.id,
                    )
                )
            )
        )
        blocks.append(Actions((Button(_("I can help"), HELP_ACTION, str(need.id), ButtonStyle.PRIMARY),)))
    return Reply.channel(*blocks)


def offer_reply(
    offer: PledgeItem,
    t: Tally,
    org: str,
    needs: Sequence[Ranked],
    orgs: Mapping[int, str],
    items: Mapping[int, PledgeItem],
) -> Reply:
    blocks: list[Block] = [
        Section(rich(_("Offer #{id} is posted for {org}.", id=offer.id, org=org))),
        line(offer, t, org),
    ]
    if needs:
        blocks.append(Section(rich(Bold(_("Open needs it could meet, best first:")))))
        blocks.append(Section(rich("\n".join(candidate_lines(needs, orgs, items)))))
        buttons = tuple(
            Button(_("Match need #{id}", id=r.candidate.item_id), MATCH_ACTION, f"{offer.id}:{r.candidate.item_id}")
            for r in needs[:LISTED]
        )
        blocks.append(Actions(buttons))
    else:
        blocks.append(Context(markup(_("No open need fits it yet; it is listed in `/pledge list` for when one does."))))
    return Reply.private(*blocks)


def event_line(event: PledgeEvent, who: str, tz: str, unit: str) -> str:
    at = datetime_(event.at, tz, format="short")
    amount = quantity(event.amount, unit) if event.amount is not None else ""
    if event.action == "posted":
        return _("{at}: posted by {who}", at=at, who=who)
    if event.action == "matched":
        if amount:
            return _(
                "{at}: matched with #{other} for {amount}, by {who}",
                at=at,
                other=event.other_id,
                amount=amount,
                who=who,
            )
        return _("{at}: matched with #{other}, by {who}", at=at, other=event.other_id, who=who)
    if event.action == "delivered":
        if amount:
            return _(
                "{at}: {amount} handed over (#{other}), recorded by {who}",
                at=at,
                amount=amount,
                other=event.other_id,
                who=who,
            )
        return _("{at}: handed over (#{other}), recorded by {who}", at=at, other=event.other_id, who=who)
    if event.action == "released":
        return _("{at}: the match with #{other} ended when one side withdrew", at=at, other=event.other_id)
    return _("{at}: withdrawn by {who}", at=at, who=who)


def show_reply(
    item: PledgeItem,
    t: Tally,
    org: str,
    matches: Sequence[PledgeMatch],
    items: Mapping[int, PledgeItem],
    orgs: Mapping[int, str],
    events: Sequence[PledgeEvent],
    people: Mapping[int, str],
    tz: str,
) -> Reply:
    blocks: list[Block] = [Header(title(item, org)), Section(rich(item.description)), line(item, t, org)]
    match_lines = []
    for m in matches:
        other_id = m.need_id if item.side == Side.OFFER.value else m.offer_id
        other = items.get(other_id)
        other_org = orgs.get(other.organisation_id, "?") if other else "?"
        amount = quantity(m.amount, item.unit) if m.amount is not None else _("not counted")
        match_lines.append(
            _(
                "• #{other} {org}: {amount}, {delivered} handed over · {state}",
                other=other_id,
                org=other_org,
                amount=amount,
                delivered=number(m.delivered),
                state=state_label(m.state),
            )
        )
    if match_lines:
        blocks.append(Section(rich(Bold(_("Matches")), "\n", "\n".join(match_lines))))
    former = _("a former member")
    history = [event_line(e, people.get(e.member_id or 0, former), tz, item.unit) for e in events[-15:]]
    if history:
        blocks.append(Section(rich(Bold(_("History")), "\n", "\n".join(history))))
    return Reply.private(*blocks)
