"""What every workflow's repository of one coalition shares: it is opened for one coalition, adds
rows to that coalition only, and refuses to save a row of another. A workflow's repository builds
its own questions on top, each filtering on ``coalition_id`` (SPEC §6: every read and write is
scoped to the caller's coalition)."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Coalition


class CoalitionRow(Protocol):
    coalition_id: int


R = TypeVar("R", bound=CoalitionRow)


class Scoped(Generic[R]):
    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    async def add(self, row: R) -> None:
        """A new row, made this coalition's."""
        row.coalition_id = self.coalition_id
        self.session.add(row)
        await self.session.flush()

    async def save(self, row: R) -> None:
        """Keep changes to a row of this coalition (read through this repository)."""
        if row.coalition_id != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        self.session.add(row)
        await self.session.flush()

    async def coalition(self) -> Coalition | None:
        return await self.session.get(Coalition, self.coalition_id)
