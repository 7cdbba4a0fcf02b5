"""Meeting data of one coalition. Every query filters on the coalition, like CoalitionRepo, so a
meeting id of another coalition finds nothing. The few functions at the bottom answer the
scheduler's cross-coalition questions ("what is due?", "which meeting is this item?") and the
calendar feed's "whose token is this?"; each caller then works through the owner's repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.meeting_models import (
    Meeting,
    MeetingAgendaItem,
    MeetingFeed,
    MeetingSlot,
    MeetingStatus,
    MeetingVote,
)
from bot.store.models import Member
from bot.store.scoped import Scoped

Row = Meeting | MeetingSlot | MeetingVote | MeetingAgendaItem | MeetingFeed


class MeetingRepo(Scoped[Row]):
    async def members(self) -> Sequence[Member]:
        """The coalition's members, in the order they joined (who may answer a poll)."""
        query = select(Member).where(Member.coalition_id == self.coalition_id).order_by(col(Member.id))
        return (await self.session.exec(query)).all()

    # meetings ----------------------------------------------------------------------------------

    async def meeting(self, meeting_id: int) -> Meeting | None:
        row = await self.session.get(Meeting, meeting_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def meeting_by_request(self, request_key: str) -> Meeting | None:
        query = select(Meeting).where(Meeting.coalition_id == self.coalition_id, Meeting.request_key == request_key)
        return (await self.session.exec(query)).first()

    async def meetings(self, statuses: Sequence[str], *, limit: int = 50) -> Sequence[Meeting]:
        """Newest first."""
        query = (
            select(Meeting)
            .where(Meeting.coalition_id == self.coalition_id, col(Meeting.status).in_(list(statuses)))
            .order_by(col(Meeting.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(query)).all()

    async def upcoming(self, since: datetime) -> Sequence[Meeting]:
        """Closed meetings still to come (or recurring), for the calendar feed, soonest first."""
        query = select(Meeting).where(
            Meeting.coalition_id == self.coalition_id,
            Meeting.status == MeetingStatus.CLOSED.value,
            or_(col(Meeting.repeat).is_not(None), col(Meeting.starts_at) >= since),
        )
        return (await self.session.exec(query.order_by(col(Meeting.starts_at)))).all()

    # slots and votes ---------------------------------------------------------------------------

    async def slots(self, meeting_id: int) -> Sequence[MeetingSlot]:
        query = select(MeetingSlot).where(
            MeetingSlot.coalition_id == self.coalition_id, MeetingSlot.meeting_id == meeting_id
        )
        return (await self.session.exec(query.order_by(col(MeetingSlot.position)))).all()

    async def votes(self, meeting_id: int) -> Sequence[MeetingVote]:
        query = select(MeetingVote).where(
            MeetingVote.coalition_id == self.coalition_id, MeetingVote.meeting_id == meeting_id
        )
        return (await self.session.exec(query.order_by(col(MeetingVote.id)))).all()

    async def vote(self, slot: MeetingSlot, member_id: int, answer: str, now: datetime) -> bool:
        """Record ``answer`` as the member's for ``slot``: one row per member and slot, changed in
        place. Returns whether anything changed (a repeated click changes nothing)."""
        query = select(MeetingVote).where(
            MeetingVote.coalition_id == self.coalition_id,
            MeetingVote.slot_id == slot.id,
            MeetingVote.member_id == member_id,
        )
        existing = (await self.session.exec(query)).first()
        if existing is not None:
            if existing.answer == answer:
                return False
            existing.answer = answer
            existing.updated_at = now
            await self.save(existing)
            return True
        await self.add(
            MeetingVote(
                coalition_id=self.coalition_id,
                meeting_id=slot.meeting_id,
                slot_id=slot.id or 0,
                member_id=member_id,
                answer=answer,
                updated_at=now,
            )
        )
        return True

    # agenda ------------------------------------------------------------------------------------

    async def agenda(self, meeting_id: int) -> Sequence[MeetingAgendaItem]:
        query = select(MeetingAgendaItem).where(
            MeetingAgendaItem.coalition_id == self.coalition_id, MeetingAgendaItem.meeting_id == meeting_id
        )
        return (await self.session.exec(query.order_by(col(MeetingAgendaItem.id)))).all()

    async def agendas(self, meeting_ids: Sequence[int]) -> dict[int, list[MeetingAgendaItem]]:
        """The agendas of several meetings in one query (the calendar feed)."""
        query = select(MeetingAgendaItem).where(
            MeetingAgendaItem.coalition_id == self.coalition_id, col(MeetingAgendaItem.meeting_id).in_(meeting_ids)
        )
        found: dict[int, list[MeetingAgendaItem]] = {m: [] for m in meeting_ids}
        for item in (await self.session.exec(query.order_by(col(MeetingAgendaItem.id)))).all():
            found[item.meeting_id].append(item)
        return found

    async def poll_progress(
        self, meeting_ids: Sequence[int], roles: Sequence[str], member_id: int | None
    ) -> tuple[int, dict[int, tuple[int, bool]]]:
        """For several polls at once, in a fixed number of queries: how many members may vote
        (``roles``), and per poll how many of them answered every slot and whether ``member_id``
        (when they may vote) still has to."""
        voters = (
            await self.session.exec(
                select(func.count())
                .select_from(Member)
                .where(Member.coalition_id == self.coalition_id, col(Member.role).in_(roles))
            )
        ).one()
        slots = dict(
            (
                await self.session.exec(
                    select(MeetingSlot.meeting_id, func.count())
                    .where(MeetingSlot.coalition_id == self.coalition_id, col(MeetingSlot.meeting_id).in_(meeting_ids))
                    .group_by(col(MeetingSlot.meeting_id))
                )
            ).all()
        )
        answered = (
            select(MeetingVote.meeting_id, MeetingVote.member_id, func.count().label("n"))
            .where(
                MeetingVote.coalition_id == self.coalition_id,
                col(MeetingVote.meeting_id).in_(meeting_ids),
                col(MeetingVote.member_id).in_(
                    select(Member.id).where(Member.coalition_id == self.coalition_id, col(Member.role).in_(roles))
                ),
            )
            .group_by(col(MeetingVote.meeting_id), col(MeetingVote.member_id))
        )
        complete: dict[int, int] = {}
        mine: dict[int, int] = {}
        for meeting_id, voter_id, n in (await self.session.exec(answered)).all():
            if n >= slots.get(meeting_id, 0):
                complete[meeting_id] = complete.get(meeting_id, 0) + 1
            if voter_id == member_id:
                mine[meeting_id] = n
        me_votes = (
            member_id is not None
            and (
                await self.session.exec(
                    select(func.count())
                    .select_from(Member)
                    .where(
                        Member.coalition_id == self.coalition_id, Member.id == member_id, col(Member.role).in_(roles)
                    )
                )
            ).one()
        )
        return voters, {
            m: (complete.get(m, 0), bool(me_votes) and mine.get(m, 0) < slots.get(m, 0)) for m in meeting_ids
        }

    async def agenda_count(self, meeting_id: int) -> int:
        query = (
            select(func.count())
            .select_from(MeetingAgendaItem)
            .where(MeetingAgendaItem.coalition_id == self.coalition_id, MeetingAgendaItem.meeting_id == meeting_id)
        )
        return int((await self.session.exec(query)).one())

    # the calendar feed -------------------------------------------------------------------------

    async def feed(self) -> MeetingFeed | None:
        query = select(MeetingFeed).where(MeetingFeed.coalition_id == self.coalition_id)
        return (await self.session.exec(query)).first()

    async def set_feed_token(self, token: str, now: datetime) -> MeetingFeed:
        feed = await self.feed()
        if feed is None:
            feed = MeetingFeed(coalition_id=self.coalition_id, token=token, created_at=now)
        else:
            feed.token = token
            feed.created_at = now
        await self.add(feed)
        return feed

    # forget-me ---------------------------------------------------------------------------------

    async def forget_member(self, member_id: int, placeholder: str = "") -> None:
        """Erase a member's name from agenda items, whose text becomes ``placeholder``, and their votes
        (poll totals lose their answers)."""
        await self.session.exec(
            update(MeetingAgendaItem)  # type: ignore[call-overload]
            .where(
                col(MeetingAgendaItem.coalition_id) == self.coalition_id,
                col(MeetingAgendaItem.member_id) == member_id,
            )
            .values(author_name="", member_id=None, text=placeholder)
        )
        await self.session.exec(
            delete(MeetingVote).where(  # type: ignore[call-overload]
                col(MeetingVote.coalition_id) == self.coalition_id, col(MeetingVote.member_id) == member_id
            )
        )
        await self.session.exec(
            update(Meeting)  # type: ignore[call-overload]
            .where(col(Meeting.coalition_id) == self.coalition_id, col(Meeting.proposer_id) == member_id)
            .values(proposer_id=None)
        )


# the scheduler's questions, across coalitions -------------------------------------------------


async def due_polls(session: AsyncSession, now: datetime) -> Sequence[int]:
    """Open polls whose one reminder to non-responders, or whose deadline, has come."""
    query = select(Meeting.id).where(
        Meeting.status == MeetingStatus.OPEN.value,
        or_(
            (col(Meeting.nudge_at) <= now) & col(Meeting.nudged_at).is_(None),
            (col(Meeting.deadline) <= now) & col(Meeting.deadline_asked_at).is_(None),
        ),
    )
    return [int(i) for i in (await session.exec(query.order_by(col(Meeting.id)))).all() if i is not None]


async def next_poll_wake(session: AsyncSession, now: datetime) -> datetime | None:
    open_ = Meeting.status == MeetingStatus.OPEN.value
    nudge = select(func.min(Meeting.nudge_at)).where(open_, col(Meeting.nudged_at).is_(None))
    deadline = select(func.min(Meeting.deadline)).where(open_, col(Meeting.deadline_asked_at).is_(None))
    moments = [(await session.exec(nudge)).one(), (await session.exec(deadline)).one()]
    return min((m for m in moments if m is not None), default=None)


async def due_reminders(session: AsyncSession, now: datetime) -> Sequence[int]:
    query = select(Meeting.id).where(Meeting.status == MeetingStatus.CLOSED.value, col(Meeting.next_reminder_at) <= now)
    return [int(i) for i in (await session.exec(query.order_by(col(Meeting.id)))).all() if i is not None]


async def next_reminder_wake(session: AsyncSession, now: datetime) -> datetime | None:
    query = select(func.min(Meeting.next_reminder_at)).where(Meeting.status == MeetingStatus.CLOSED.value)
    moment: datetime | None = (await session.exec(query)).one()
    return moment


async def any_meeting(session: AsyncSession, meeting_id: int) -> Meeting | None:
    """A meeting of any coalition, by id (a timed job's item); the job goes on through
    ``MeetingRepo(session, meeting.coalition_id)``."""
    return await session.get(Meeting, meeting_id)


async def feed_by_token(session: AsyncSession, token: str) -> MeetingFeed | None:
    return (await session.exec(select(MeetingFeed).where(MeetingFeed.token == token))).first()
