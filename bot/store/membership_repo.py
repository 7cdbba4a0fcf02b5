"""Join requests of one coalition (join policy ``approval``). Every query filters on the coalition,
like :class:`bot.store.repo.CoalitionRepo`: an id of another coalition finds nothing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.membership_models import JoinRequest


class MembershipRepo:
    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    async def request(self, request_id: int) -> JoinRequest | None:
        row = await self.session.get(JoinRequest, request_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def request_of(self, platform: str, workspace: str, user_id: str) -> JoinRequest | None:
        query = select(JoinRequest).where(
            JoinRequest.coalition_id == self.coalition_id,
            JoinRequest.platform == platform,
            JoinRequest.workspace == workspace,
            JoinRequest.user_id == user_id,
        )
        return (await self.session.exec(query)).first()

    async def requests(self) -> Sequence[JoinRequest]:
        query = select(JoinRequest).where(JoinRequest.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(JoinRequest.created_at), col(JoinRequest.id)))).all()

    async def add_request(self, row: JoinRequest) -> bool:
        """False (nothing added) when this account asked at the same moment in another request."""
        if row.coalition_id != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    async def drop(self, row: JoinRequest) -> None:
        if row.coalition_id != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        await self.session.delete(row)
        await self.session.flush()
