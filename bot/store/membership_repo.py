"""Join requests of one coalition (join policy ``approval``). Every query filters on the coalition,
like :class:`bot.store.repo.CoalitionRepo`: an id of another coalition finds nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import savepoint
from bot.store.membership_models import ConnectCode, JoinRequest
from bot.store.models import Identity, LinkCode
from bot.store.repo import hash_code


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
            async with savepoint(self.session):
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    async def drop(self, row: JoinRequest) -> None:
        if row.coalition_id != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        await self.session.delete(row)
        await self.session.flush()

    # connect codes (one person, several accounts) ------------------------------------------------

    async def add_connect_code(self, code: str, *, member_id: int, expires_at: datetime) -> None:
        """A new code for this member; their earlier unused codes stop working."""
        for old in await self.connect_codes(member_id):
            await self.session.delete(old)
        self.session.add(
            ConnectCode(
                coalition_id=self.coalition_id, member_id=member_id, code_hash=hash_code(code), expires_at=expires_at
            )
        )
        await self.session.flush()

    async def connect_codes(self, member_id: int) -> Sequence[ConnectCode]:
        query = select(ConnectCode).where(
            ConnectCode.coalition_id == self.coalition_id, ConnectCode.member_id == member_id
        )
        return (await self.session.exec(query)).all()

    async def valid_connect_code(self, code: str, now: datetime) -> ConnectCode | None:
        """A connect code of this coalition that is still usable (not spent, not expired), unspent."""
        query = select(ConnectCode).where(
            ConnectCode.coalition_id == self.coalition_id, ConnectCode.code_hash == hash_code(code)
        )
        found = (await self.session.exec(query)).first()
        if found is None or found.used_at is not None or found.expires_at <= now:
            return None
        return found

    async def use_connect_code(self, code: str, now: datetime) -> int | None:
        """Spend a connect code of this coalition: the member who asked for it, or None if the code is
        unknown, used, expired or another coalition's."""
        found = await self.valid_connect_code(code, now)
        if found is None:
            return None
        found.used_at = now
        self.session.add(found)
        await self.session.flush()
        return found.member_id

    async def platforms_of(self, member_id: int) -> list[str]:
        """The platforms a member of this coalition has accounts on, sorted."""
        query = select(Identity.platform).where(
            Identity.coalition_id == self.coalition_id, Identity.member_id == member_id
        )
        return sorted(set((await self.session.exec(query)).all()))


async def spent_code_coalitions(session: AsyncSession, now: datetime) -> list[int]:
    """Coalitions holding a link or connect code that is used or expired (both tables are small)."""
    found: set[int] = set()
    for model in (ConnectCode, LinkCode):
        spent = or_(col(model.used_at).is_not(None), col(model.expires_at) <= now)
        found.update((await session.exec(select(model.coalition_id).where(spent).distinct())).all())
    return sorted(found)


async def drop_spent_codes(session: AsyncSession, coalition_id: int, now: datetime) -> int:
    """Delete one coalition's used or expired link and connect codes (the privacy page says codes
    are kept until they expire). Returns how many."""
    dropped = 0
    for model in (ConnectCode, LinkCode):
        result = await session.exec(
            delete(model).where(  # type: ignore[call-overload]
                col(model.coalition_id) == coalition_id,
                or_(col(model.used_at).is_not(None), col(model.expires_at) <= now),
            )
        )
        dropped += int(result.rowcount or 0)
    return dropped
