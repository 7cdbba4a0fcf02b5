"""Pledge data, as a handler reaches it: its coalition's :class:`PledgeRepo`, and one organisation's
live items and the needs its offers could meet (:class:`OrganisationPledges`, a member's inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Ctx
from bot.store.decision_repo import DecisionRepo
from bot.store.pledge_models import PledgeItem, Side
from bot.store.pledge_repo import LIVE_STATES, PledgeRepo


def pledge_repo(ctx: Ctx) -> PledgeRepo:
    """The offers, needs, matches and profiles of the coalition the handler runs in; an id of
    another coalition finds nothing."""
    return PledgeRepo(ctx.session, ctx.c.id or 0)


def delegations(ctx: Ctx) -> DecisionRepo:
    """Who votes for each organisation on decisions by organisation (shown on its profile)."""
    return DecisionRepo(ctx.session, ctx.c.id or 0)


def organisation_pledges(ctx: Ctx, organisation_id: int) -> OrganisationPledges:
    return OrganisationPledges(ctx.session, ctx.c.id or 0, organisation_id)


class OrganisationPledges:
    """One organisation's live offers and needs, and the live needs of others of given kinds, newest
    first and limited in SQL, so the cost follows what is shown, not the coalition's history."""

    def __init__(self, session: AsyncSession, coalition_id: int, organisation_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id
        self.organisation_id = organisation_id

    def _live(self) -> list[Any]:
        return [PledgeItem.coalition_id == self.coalition_id, col(PledgeItem.state).in_(LIVE_STATES)]

    async def _newest(self, where: list[Any], limit: int) -> Sequence[PledgeItem]:
        query = select(PledgeItem).where(*where).order_by(col(PledgeItem.id).desc()).limit(limit)
        return (await self.session.exec(query)).all()

    async def own_count(self) -> int:
        query = select(func.count()).select_from(PledgeItem)
        query = query.where(*self._live(), PledgeItem.organisation_id == self.organisation_id)
        return int((await self.session.exec(query)).one())

    async def own(self, limit: int, side: Side | None = None) -> Sequence[PledgeItem]:
        """The organisation's newest live items (of one side)."""
        where = [*self._live(), PledgeItem.organisation_id == self.organisation_id]
        if side is not None:
            where.append(PledgeItem.side == side.value)
        return await self._newest(where, limit)

    async def others_needs(self, kinds: Sequence[str], limit: int) -> Sequence[PledgeItem]:
        """The newest live needs of other organisations, of these kinds."""
        where = [
            *self._live(),
            PledgeItem.side == Side.NEED.value,
            PledgeItem.organisation_id != self.organisation_id,
            col(PledgeItem.kind).in_(list(kinds)),
        ]
        return await self._newest(where, limit)
