"""Pledges, needs, matches, history and organisation profiles of one coalition.

Every query filters on the coalition, like :class:`bot.store.repo.CoalitionRepo`: an id of another
coalition finds nothing, and a row of another coalition is never written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import savepoint
from bot.store.models import Coalition, Organisation
from bot.store.pledge_models import (
    ItemState,
    MatchState,
    NeedDigest,
    OrgProfile,
    PledgeEvent,
    PledgeItem,
    PledgeMatch,
    Side,
)

T = TypeVar("T", bound=SQLModel)

LIVE_STATES = (ItemState.OFFERED.value, ItemState.OPEN.value, ItemState.MATCHED.value)
EPSILON = 1e-9


class PledgeRepo:
    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    def _own(self, row: SQLModel) -> None:
        if getattr(row, "coalition_id", None) != self.coalition_id:
            raise ValueError("row belongs to another coalition")

    async def add(self, row: T) -> T:
        """Add a row of this coalition (made with its ``coalition_id``)."""
        self._own(row)
        self.session.add(row)
        await self.session.flush()
        return row

    async def add_once(self, row: T) -> bool:
        """Add a row a unique constraint guards; False (and nothing added) when the same row was
        made at the same moment in another request (a double click, a doubled tick)."""
        self._own(row)
        try:
            async with savepoint(self.session):
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    async def save(self, *rows: SQLModel) -> None:
        """Keep changes to rows of this coalition (read through this repository)."""
        for row in rows:
            self._own(row)
            self.session.add(row)
        await self.session.flush()

    # the coalition -----------------------------------------------------------------------------

    async def coalition(self) -> Coalition | None:
        return await self.session.get(Coalition, self.coalition_id)

    async def organisation_names(self) -> dict[int, str]:
        """The coalition's organisations' names, by id."""
        query = select(Organisation).where(Organisation.coalition_id == self.coalition_id)
        return {o.id: o.name for o in (await self.session.exec(query)).all() if o.id is not None}

    # offers and needs --------------------------------------------------------------------------

    async def item(self, item_id: int) -> PledgeItem | None:
        row = await self.session.get(PledgeItem, item_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def items(
        self,
        side: Side | None = None,
        *,
        live: bool = False,
        kind: str | None = None,
        organisation_id: int | None = None,
        ids: Iterable[int] | None = None,
    ) -> Sequence[PledgeItem]:
        """Offers and/or needs, oldest first; ``live`` keeps those still offered, open or matched."""
        query = select(PledgeItem).where(PledgeItem.coalition_id == self.coalition_id)
        if side is not None:
            query = query.where(PledgeItem.side == side.value)
        if live:
            query = query.where(col(PledgeItem.state).in_(LIVE_STATES))
        if kind is not None:
            query = query.where(PledgeItem.kind == kind)
        if organisation_id is not None:
            query = query.where(PledgeItem.organisation_id == organisation_id)
        if ids is not None:
            query = query.where(col(PledgeItem.id).in_(list(ids)))
        return (await self.session.exec(query.order_by(col(PledgeItem.id)))).all()

    async def add_item(self, item: PledgeItem) -> PledgeItem:
        """The new offer or need; or, when the same one (its fingerprint) was posted at the same
        moment in another request, that one, and nothing added."""
        self._own(item)
        try:
            async with savepoint(self.session):
                self.session.add(item)
        except IntegrityError:
            again = await self.active_by_fingerprint(item.fingerprint)
            if again is None:
                raise  # another conflict: the unit of work runs again
            return again
        return item

    async def active_by_fingerprint(self, fingerprint: str) -> PledgeItem | None:
        query = select(PledgeItem).where(
            PledgeItem.coalition_id == self.coalition_id,
            PledgeItem.fingerprint == fingerprint,
            PledgeItem.active == True,  # noqa: E712  (SQL comparison)
        )
        return (await self.session.exec(query)).first()

    def _live(self, side: Side, kind: str | None) -> list[Any]:
        where = [
            col(PledgeItem.coalition_id) == self.coalition_id,
            col(PledgeItem.side) == side.value,
            col(PledgeItem.state).in_(LIVE_STATES),
        ]
        return where if kind is None else [*where, col(PledgeItem.kind) == kind]

    async def live_page(self, side: Side, *, kind: str | None = None, limit: int) -> tuple[int, list[PledgeItem]]:
        """How many offers (or needs) are live, and the newest ``limit`` of them, oldest first."""
        where = self._live(side, kind)
        total = (await self.session.exec(select(func.count()).select_from(PledgeItem).where(*where))).one()
        query = select(PledgeItem).where(*where).order_by(col(PledgeItem.id).desc()).limit(limit)
        return total, list(reversed((await self.session.exec(query)).all()))

    async def missing_page(self, *, limit: int) -> tuple[int, list[PledgeItem]]:
        """How many needs still miss something (another match could give them more), and the
        oldest ``limit`` of them: :func:`~bot.commands.pledge.ledger.open_for_more` in SQL, on the
        quantities kept on each need."""
        where = [*self._live(Side.NEED, None), _open_for_more(Side.NEED)]
        total = (await self.session.exec(select(func.count()).select_from(PledgeItem).where(*where))).one()
        query = select(PledgeItem).where(*where).order_by(col(PledgeItem.id)).limit(limit)
        return total, list((await self.session.exec(query)).all())

    async def live_units(self, side: Side) -> list[str]:
        """The units of the live counted offers (or needs), each once."""
        where = [*self._live(side, None), col(PledgeItem.amount).is_not(None)]
        return list((await self.session.exec(select(PledgeItem.unit).where(*where).distinct())).all())

    async def candidates(
        self, side: Side, target: PledgeItem, *, same_kind: bool, units: Sequence[str] | None, limit: int
    ) -> list[PledgeItem]:
        """At most ``limit`` live offers (or needs) of other organisations that could still go with
        ``target`` (:func:`~bot.commands.pledge.ledger.open_for_more` in SQL), of its kind or of
        the others: those whose unit fits best first (one of ``units``, then the uncounted; every
        unit fits when ``units`` is None), newest first."""
        kind = col(PledgeItem.kind) == target.kind if same_kind else col(PledgeItem.kind) != target.kind
        where = [
            *self._live(side, None),
            kind,
            col(PledgeItem.organisation_id) != target.organisation_id,
            col(PledgeItem.id) != target.id,
            _open_for_more(side),
        ]
        order: list[Any] = [col(PledgeItem.id).desc()]
        if units is not None:
            fit = case((col(PledgeItem.amount).is_(None), 1), (col(PledgeItem.unit).in_(list(units)), 2), else_=0)
            order.insert(0, fit.desc())
        return list((await self.session.exec(select(PledgeItem).where(*where).order_by(*order).limit(limit))).all())

    async def recount(self) -> None:
        """Sum every item's matches into the quantities kept on it (after bulk loads; migration
        0018 runs the same for the items that existed before)."""
        live = and_(
            or_(col(PledgeMatch.offer_id) == PledgeItem.id, col(PledgeMatch.need_id) == PledgeItem.id),
            col(PledgeMatch.state) != MatchState.WITHDRAWN.value,
        )

        def summed(what: Any, *extra: Any) -> Any:
            return select(what).select_from(PledgeMatch).where(live, *extra).scalar_subquery()

        await self.session.exec(
            update(PledgeItem)  # type: ignore[call-overload]
            .where(col(PledgeItem.coalition_id) == self.coalition_id)
            .values(
                promised=summed(func.coalesce(func.sum(func.coalesce(PledgeMatch.amount, 0.0)), 0.0)),
                delivered=summed(func.coalesce(func.sum(PledgeMatch.delivered), 0.0)),
                match_count=summed(func.count()),
                waiting_count=summed(func.count(), col(PledgeMatch.state) == MatchState.MATCHED.value),
            )
        )

    async def map_items(self) -> Sequence[Any]:
        """The resource map's offered and asked, summed in SQL per organisation, kind, side and unit
        as typed: (organisation, kind, side, unit, items, items with an amount, their sum), the
        first-typed unit first. A withdrawn item that handed nothing over is left out."""
        i = PledgeItem
        dropped = and_(
            col(i.state) == ItemState.WITHDRAWN.value,
            col(i.closed_at).is_not(None),
            col(i.match_count) - col(i.waiting_count) == 0,
        )
        query = (
            sql_select(
                col(i.organisation_id),
                col(i.kind),
                col(i.side),
                col(i.unit),
                func.count(),
                func.count(col(i.amount)),
                func.sum(col(i.amount)),
            )
            .where(col(i.coalition_id) == self.coalition_id, ~dropped)
            .group_by(col(i.organisation_id), col(i.kind), col(i.side), col(i.unit))
            .order_by(func.min(col(i.id)))
        )
        return (await self.session.exec(query)).all()  # type: ignore[call-overload, no-any-return]

    async def map_handovers(self) -> Sequence[Any]:
        """The resource map's given and received, summed in SQL over matches that handed something
        over: (giver, its kind, its unit, taker, its kind, its unit, counted, matches, delivered)."""
        offer, need, m = aliased(PledgeItem), aliased(PledgeItem), PledgeMatch
        counted = col(m.amount).is_not(None)
        query = (
            sql_select(*self._sides(offer, need), counted, func.count(), func.sum(col(m.delivered)))
            .where(
                col(m.coalition_id) == self.coalition_id,
                col(m.state) != MatchState.WITHDRAWN.value,
                or_(col(m.delivered) > 0, col(m.state) == MatchState.FULFILLED.value),
                col(m.offer_id) == offer.id,
                col(m.need_id) == need.id,
            )
            .group_by(*self._sides(offer, need), counted)
            .order_by(func.min(col(m.id)))
        )
        return (await self.session.exec(query)).all()  # type: ignore[call-overload, no-any-return]

    @staticmethod
    def _sides(offer: Any, need: Any) -> list[Any]:
        return [offer.organisation_id, offer.kind, offer.unit, need.organisation_id, need.kind, need.unit]

    # matches -----------------------------------------------------------------------------------

    async def match(self, match_id: int) -> PledgeMatch | None:
        row = await self.session.get(PledgeMatch, match_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def pair(self, offer_id: int, need_id: int) -> PledgeMatch | None:
        query = select(PledgeMatch).where(
            PledgeMatch.coalition_id == self.coalition_id,
            PledgeMatch.offer_id == offer_id,
            PledgeMatch.need_id == need_id,
        )
        return (await self.session.exec(query)).first()

    async def matches(self, item_ids: Iterable[int] | None = None) -> Sequence[PledgeMatch]:
        """Matches touching any of ``item_ids`` (all of the coalition's without), oldest first."""
        query = select(PledgeMatch).where(PledgeMatch.coalition_id == self.coalition_id)
        if item_ids is not None:
            ids = list(item_ids)
            query = query.where(or_(col(PledgeMatch.offer_id).in_(ids), col(PledgeMatch.need_id).in_(ids)))
        return (await self.session.exec(query.order_by(col(PledgeMatch.id)))).all()

    # history -----------------------------------------------------------------------------------

    async def record(
        self,
        item: PledgeItem,
        action: str,
        *,
        at: datetime,
        member_id: int | None,
        amount: float | None = None,
        match: PledgeMatch | None = None,
        other: PledgeItem | None = None,
    ) -> PledgeEvent:
        return await self.add(
            PledgeEvent(
                coalition_id=self.coalition_id,
                item_id=item.id or 0,
                match_id=match.id if match else None,
                action=action,
                amount=amount,
                other_id=other.id if other else None,
                member_id=member_id,
                at=at,
            )
        )

    async def events(self, item_id: int) -> Sequence[PledgeEvent]:
        query = select(PledgeEvent).where(PledgeEvent.coalition_id == self.coalition_id, PledgeEvent.item_id == item_id)
        return (await self.session.exec(query.order_by(col(PledgeEvent.at), col(PledgeEvent.id)))).all()

    async def all_events(self) -> Sequence[PledgeEvent]:
        query = select(PledgeEvent).where(PledgeEvent.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(PledgeEvent.id)))).all()

    # stalled needs -----------------------------------------------------------------------------

    async def stalled_needs(self, posted_before: datetime) -> Sequence[PledgeItem]:
        """Needs still missing something (open, or partly matched) posted before the cut-off."""
        query = select(PledgeItem).where(
            PledgeItem.coalition_id == self.coalition_id,
            PledgeItem.side == Side.NEED.value,
            col(PledgeItem.state).in_((ItemState.OPEN.value, ItemState.MATCHED.value)),
            PledgeItem.created_at <= posted_before,
        )
        return (await self.session.exec(query.order_by(col(PledgeItem.created_at), col(PledgeItem.id)))).all()

    async def digest(self, week: str) -> NeedDigest | None:
        query = select(NeedDigest).where(NeedDigest.coalition_id == self.coalition_id, NeedDigest.week == week)
        return (await self.session.exec(query)).first()

    async def digests(self) -> Sequence[NeedDigest]:
        query = select(NeedDigest).where(NeedDigest.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(NeedDigest.id)))).all()

    # organisation profiles ---------------------------------------------------------------------

    async def profile(self, organisation_id: int) -> OrgProfile | None:
        query = select(OrgProfile).where(
            OrgProfile.coalition_id == self.coalition_id, OrgProfile.organisation_id == organisation_id
        )
        return (await self.session.exec(query)).first()

    async def profiles(self) -> Sequence[OrgProfile]:
        query = select(OrgProfile).where(OrgProfile.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(OrgProfile.id)))).all()

    # forget-me ---------------------------------------------------------------------------------

    async def forget_member(self, member_id: int) -> None:
        """Unlink a person from what they posted; the organisation's offers, needs and totals stay."""
        for model, column in (
            (PledgeItem, "member_id"),
            (PledgeMatch, "member_id"),
            (PledgeEvent, "member_id"),
            (OrgProfile, "updated_by"),
        ):
            await self.session.exec(
                update(model)  # type: ignore[call-overload]
                .where(col(model.coalition_id) == self.coalition_id, getattr(model, column) == member_id)
                .values({column: None})
            )


async def coalitions_with_stalled_needs(session: AsyncSession, posted_before: datetime) -> Sequence[int]:
    """Coalitions (any) that have a need still missing something, posted before the cut-off."""
    query = (
        select(PledgeItem.coalition_id)
        .where(
            PledgeItem.side == Side.NEED.value,
            col(PledgeItem.state).in_((ItemState.OPEN.value, ItemState.MATCHED.value)),
            PledgeItem.created_at <= posted_before,
        )
        .distinct()
    )
    return sorted((await session.exec(query)).all())


def _open_for_more(side: Side) -> Any:
    """:func:`~bot.commands.pledge.ledger.open_for_more` of a live item, on its kept quantities."""
    counted = and_(col(PledgeItem.amount).is_not(None), col(PledgeItem.amount) - col(PledgeItem.promised) > EPSILON)
    if side == Side.OFFER:
        return or_(counted, col(PledgeItem.amount).is_(None))
    return or_(counted, and_(col(PledgeItem.amount).is_(None), col(PledgeItem.match_count) == 0))
