"""Meeting data as a handler reaches it: its coalition's :class:`MeetingRepo`, and what waits for
one member (:class:`WaitingPolls`, their inbox)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Ctx
from bot.store.meeting_models import Meeting, MeetingSlot, MeetingStatus, MeetingVote
from bot.store.meeting_repo import MeetingRepo


def meet_repo(ctx: Ctx) -> MeetingRepo:
    """The meetings of the coalition the handler runs in; an id of another finds nothing."""
    return MeetingRepo(ctx.session, ctx.c.id or 0)


def waiting_polls(ctx: Ctx) -> WaitingPolls:
    """The polls waiting for the actor in the coalition the handler runs in."""
    return WaitingPolls(ctx.session, ctx.c.id or 0, ctx.me.id or 0)


class WaitingPolls:
    """One member's open polls not answered for every slot (before their deadline), and the polls
    they proposed that everyone answered: counted and limited in SQL (a poll's slots and this
    member's votes as correlated counts), so the cost follows the few polls asked for."""

    def __init__(self, session: AsyncSession, coalition_id: int, member_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id
        self.member_id = member_id

    def _unanswered(self, now: datetime) -> list[Any]:
        slots = select(func.count(col(MeetingSlot.id))).where(MeetingSlot.meeting_id == Meeting.id).scalar_subquery()
        mine = (  # through the slots, so the (slot, member) index answers it
            select(func.count(col(MeetingVote.id)))
            .select_from(MeetingSlot)
            .join(
                MeetingVote,
                and_(col(MeetingVote.slot_id) == MeetingSlot.id, col(MeetingVote.member_id) == self.member_id),
            )
            .where(MeetingSlot.meeting_id == Meeting.id)
            .scalar_subquery()
        )
        return [
            Meeting.coalition_id == self.coalition_id,
            Meeting.status == MeetingStatus.OPEN.value,
            or_(col(Meeting.deadline).is_(None), col(Meeting.deadline) > now),
            slots > mine,
        ]

    def _to_close(self) -> list[Any]:
        return [
            Meeting.coalition_id == self.coalition_id,
            Meeting.status == MeetingStatus.OPEN.value,
            Meeting.proposer_id == self.member_id,
            col(Meeting.all_answered_at).is_not(None),
        ]

    async def _count(self, where: list[Any]) -> int:
        return int((await self.session.exec(select(func.count()).select_from(Meeting).where(*where))).one())

    async def unanswered_count(self, now: datetime) -> int:
        return await self._count(self._unanswered(now))

    async def unanswered(self, now: datetime, limit: int) -> Sequence[Meeting]:
        """The first ``limit`` of them, the soonest deadline first."""
        soonest = (case((col(Meeting.deadline).is_(None), 1), else_=0), col(Meeting.deadline), col(Meeting.id))
        query = select(Meeting).where(*self._unanswered(now)).order_by(*soonest).limit(limit)
        return (await self.session.exec(query)).all()

    async def slots_and_answers(self, meeting_ids: Sequence[int]) -> tuple[dict[int, list[MeetingSlot]], set[int]]:
        """The slots of these polls (in order), and the ids of the slots this member has answered."""
        slot_rows = await self.session.exec(
            select(MeetingSlot)
            .join(Meeting, col(Meeting.id) == MeetingSlot.meeting_id)
            .where(Meeting.coalition_id == self.coalition_id, col(Meeting.id).in_(meeting_ids))
            .order_by(col(MeetingSlot.meeting_id), col(MeetingSlot.position))
        )
        slots: dict[int, list[MeetingSlot]] = defaultdict(list)
        for slot in slot_rows.all():
            slots[slot.meeting_id].append(slot)
        slot_ids = [slot.id for shown in slots.values() for slot in shown]
        votes = await self.session.exec(
            select(MeetingVote.slot_id).where(
                MeetingVote.coalition_id == self.coalition_id,
                col(MeetingVote.slot_id).in_(slot_ids),
                MeetingVote.member_id == self.member_id,
            )
        )
        return slots, set(votes.all())

    async def to_close_count(self) -> int:
        return await self._count(self._to_close())

    async def to_close(self, limit: int) -> Sequence[tuple[int | None, str]]:
        """(id, title) of the first ``limit`` polls this member proposed that everyone answered."""
        query = select(Meeting.id, Meeting.title).where(*self._to_close()).order_by(col(Meeting.id)).limit(limit)
        return (await self.session.exec(query)).all()
