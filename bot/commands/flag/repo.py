"""The flags' data, as a handler reaches it: its coalition's :class:`FlagRepo`, and the queue of
open flags one handler may handle (:class:`HandlerQueue`, their inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.flag.command import ACK_OVERDUE, OUTCOME_OVERDUE
from bot.core.context import Ctx
from bot.store.flag_models import NOT_CLOSED, ConflictFlag, FlagParty, FlagStatus
from bot.store.flag_repo import FlagRepo
from bot.store.models import Member


def flag_repo(ctx: Ctx) -> FlagRepo:
    """The flags of the coalition the handler runs in; a flag id of another finds nothing."""
    return FlagRepo(ctx.session, ctx.c.id or 0)


def handler_queue(ctx: Ctx) -> HandlerQueue:
    """The open flags the actor may handle in the coalition the handler runs in."""
    return HandlerQueue(ctx.session, ctx.c.id or 0, ctx.me)


class HandlerQueue:
    """The open flags one handler may handle, counted and listed in SQL: the rules of
    :mod:`bot.commands.flag.access` (never a flag they reported, or that names them or their
    organisation) as conditions, so the cost follows the ids asked for, not the coalition's history."""

    def __init__(self, session: AsyncSession, coalition_id: int, handler: Member) -> None:
        self.session = session
        self.coalition_id = coalition_id
        self.handler = handler

    def _where(self) -> list[Any]:
        me = self.handler
        named = select(FlagParty.id).where(
            FlagParty.flag_id == ConflictFlag.id,
            or_(
                col(FlagParty.member_id) == me.id,
                and_(col(FlagParty.organisation_id).is_not(None), col(FlagParty.organisation_id) == me.organisation_id),
            ),
        )
        return [
            ConflictFlag.coalition_id == self.coalition_id,
            col(ConflictFlag.status).in_(NOT_CLOSED),
            or_(col(ConflictFlag.reporter_id).is_(None), col(ConflictFlag.reporter_id) != me.id),
            ~named.exists(),
        ]

    @staticmethod
    def _late(now: datetime) -> Any:
        """1 for an overdue flag (:func:`bot.commands.flag.access.overdue`), else 0, in SQL."""
        overdue = or_(
            and_(col(ConflictFlag.status) == FlagStatus.OPEN.value, col(ConflictFlag.created_at) <= now - ACK_OVERDUE),
            col(ConflictFlag.created_at) <= now - OUTCOME_OVERDUE,
        )
        return case((overdue, 1), else_=0)

    async def counts(self, now: datetime) -> tuple[int, int]:
        """How many open flags wait for this handler, and how many of them are overdue."""
        query = select(func.count(), func.coalesce(func.sum(self._late(now)), 0)).where(*self._where())
        total, late = (await self.session.exec(query)).one()
        return int(total), int(late)

    async def first_ids(self, now: datetime, limit: int) -> Sequence[int | None]:
        """The ids of the first ``limit`` of them: overdue first, then the oldest."""
        order = (self._late(now).desc(), col(ConflictFlag.created_at), col(ConflictFlag.id))
        query = select(ConflictFlag.id).where(*self._where()).order_by(*order).limit(limit)
        return (await self.session.exec(query)).all()
