"""Quantities and states: what a match may take, what is still missing, what was handed over.

Pure functions over items and matches (no database), so partial quantities and state changes are
tested on their own. An item with an amount is fulfilled when that much has been handed over; an
item without one is fulfilled when every match it has was handed over.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.commands.pledge.ranking import units_compatible
from bot.core.errors import BadArgument
from bot.core.i18n import _, number
from bot.store.pledge_models import ItemState, MatchState, PledgeItem, PledgeMatch, Side

EPSILON = 1e-9


@dataclass(frozen=True)
class Tally:
    """One item's matches summed up (withdrawn matches left out)."""

    amount: float | None
    promised: float = 0.0
    delivered: float = 0.0
    matches: int = 0
    undelivered_matches: int = 0

    @property
    def left(self) -> float | None:
        """What is not promised yet (None when the item's quantity is not counted)."""
        return None if self.amount is None else max(0.0, self.amount - self.promised)

    @property
    def to_hand_over(self) -> float:
        return max(0.0, self.promised - self.delivered)


def tally(item: PledgeItem, matches: Iterable[PledgeMatch]) -> Tally:
    promised = delivered = 0.0
    count = undelivered = 0
    for m in matches:
        if m.state == MatchState.WITHDRAWN.value or item.id not in (m.offer_id, m.need_id):
            continue
        count += 1
        promised += m.amount or 0.0
        delivered += m.delivered
        undelivered += m.state == MatchState.MATCHED.value
    return Tally(item.amount, promised, delivered, count, undelivered)


def kept(item: PledgeItem) -> Tally:
    """The item's matches as summed up on its own row (kept by ``service.recompute``)."""
    return Tally(item.amount, item.promised, item.delivered, item.match_count, item.waiting_count)


def state_of(item: PledgeItem, t: Tally) -> ItemState:
    if item.state == ItemState.WITHDRAWN.value:
        return ItemState.WITHDRAWN
    waiting = ItemState.OFFERED if item.side == Side.OFFER.value else ItemState.OPEN
    if t.amount is not None:
        if t.delivered >= t.amount - EPSILON:
            return ItemState.FULFILLED
        return ItemState.MATCHED if t.promised > EPSILON or t.matches else waiting
    if t.matches == 0:
        return waiting
    return ItemState.FULFILLED if t.undelivered_matches == 0 else ItemState.MATCHED


def open_for_more(item: PledgeItem, t: Tally) -> bool:
    """Whether another match could still take something from (or give something to) the item."""
    if item.state in (ItemState.FULFILLED.value, ItemState.WITHDRAWN.value):
        return False
    if t.amount is not None:
        return (t.left or 0.0) > EPSILON
    return item.side == Side.OFFER.value or t.matches == 0


def match_amount(
    offer: PledgeItem, offer_t: Tally, need: PledgeItem, need_t: Tally, requested: float | None
) -> float | None:
    """How much a new match of ``offer`` to ``need`` takes, or a clear error why it cannot."""
    if offer.amount is not None and need.amount is not None and not units_compatible(offer.unit, need.unit):
        raise BadArgument(
            _(
                "Offer #{offer} is counted in “{offer_unit}” and need #{need} in “{need_unit}”: they cannot be matched by amount.",
                offer=offer.id,
                need=need.id,
                offer_unit=offer.unit or "—",
                need_unit=need.unit or "—",
            )
        )
    need_left, offer_left = need_t.left, offer_t.left
    if need_left is not None and need_left <= EPSILON:
        raise BadArgument(_("Need #{need} is already fully matched.", need=need.id))
    if offer_left is not None and offer_left <= EPSILON:
        raise BadArgument(_("Offer #{offer} has nothing left to give.", offer=offer.id))
    if requested is not None:
        if requested <= 0:
            raise BadArgument(_("`amount` must be more than 0."))
        if need_left is not None and requested > need_left + EPSILON:
            raise BadArgument(
                _(
                    "Need #{need} is missing only {left}: give `amount=` up to that.",
                    need=need.id,
                    left=quantity(need_left, need.unit),
                )
            )
        if offer_left is not None and requested > offer_left + EPSILON:
            raise BadArgument(
                _(
                    "Offer #{offer} has only {left} left: give `amount=` up to that.",
                    offer=offer.id,
                    left=quantity(offer_left, offer.unit),
                )
            )
        return requested
    candidates = [x for x in (need_left, offer_left) if x is not None]
    return min(candidates) if candidates else None


@dataclass(frozen=True)
class Delivery:
    match: PledgeMatch
    amount: float | None  # None: an uncounted match handed over as a whole


def deliveries(item: PledgeItem, matches: Sequence[PledgeMatch], requested: float | None) -> list[Delivery]:
    """What ``fulfill`` hands over: all that is matched, or ``requested`` spread oldest match first."""
    waiting = [m for m in matches if m.state == MatchState.MATCHED.value and item.id in (m.offer_id, m.need_id)]
    if not waiting:
        raise BadArgument(
            _(
                "#{id} has nothing matched that is waiting to be handed over. Match it first with `/pledge match <offer> <need>`.",
                id=item.id,
            )
        )
    if requested is None:
        return [Delivery(m, None if m.amount is None else m.amount - m.delivered) for m in waiting]
    if requested <= 0:
        raise BadArgument(_("`amount` must be more than 0."))
    counted = [m for m in waiting if m.amount is not None]
    outstanding = sum((m.amount or 0.0) - m.delivered for m in counted)
    if not counted:
        raise BadArgument(_("What is matched to #{id} is not counted: leave out `amount=`.", id=item.id))
    if requested > outstanding + EPSILON:
        raise BadArgument(
            _("Only {left} is waiting to be handed over for #{id}.", left=quantity(outstanding, item.unit), id=item.id)
        )
    out, rest = [], requested
    for m in counted:
        if rest <= EPSILON:
            break
        take = min(rest, (m.amount or 0.0) - m.delivered)
        if take > EPSILON:
            out.append(Delivery(m, take))
            rest -= take
    return out


def apply(delivery: Delivery) -> None:
    """Hand over: the match grows, and is fulfilled once all of it was handed over."""
    m = delivery.match
    if delivery.amount is not None:
        m.delivered += delivery.amount
    if m.amount is None or m.delivered >= m.amount - EPSILON:
        m.state = MatchState.FULFILLED.value


def quantity(amount: float, unit: str) -> str:
    """An amount with the unit its poster typed (never translated), in the reader's number format."""
    return f"{number(amount)} {unit}".strip()
