"""Check-in schedules and windows: one coalition's (:class:`ScheduleRepo`, for handlers) and what is
due across every coalition (for the scheduler's leader, which works on one item at a time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, and_, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Ctx
from bot.store.models import Checkin
from bot.store.outbox_models import OutboxMessage, OutboxStatus
from bot.store.retention import drop_delivered
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow

latest = aliased(CheckinWindow)


class ScheduleRepo:
    """Every read and write of one coalition's schedules; an id of another coalition finds nothing."""

    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    @classmethod
    def of(cls, ctx: Ctx) -> ScheduleRepo:
        return cls(ctx.session, ctx.c.id or 0)

    async def active(self) -> Sequence[CheckinSchedule]:
        query = (
            select(CheckinSchedule)
            .where(CheckinSchedule.coalition_id == self.coalition_id, col(CheckinSchedule.active).is_(True))
            .order_by(col(CheckinSchedule.id))
        )
        return (await self.session.exec(query)).all()

    async def schedule(self, schedule_id: int) -> CheckinSchedule | None:
        row = await self.session.get(CheckinSchedule, schedule_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def save(self, row: CheckinSchedule) -> None:
        if row.coalition_id != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        self.session.add(row)
        await self.session.flush()

    async def skipped_count(self, schedule_id: int) -> int:
        query = select(func.count()).where(
            CheckinWindow.coalition_id == self.coalition_id,
            CheckinWindow.schedule_id == schedule_id,
            col(CheckinWindow.skipped).is_(True),
        )
        return int((await self.session.exec(query)).one())

    def _waiting_for(self, member_id: int, now: datetime) -> tuple[Any, list[Any]]:
        """Each schedule's newest window opened by ``now`` (found through the (schedule, opened_at)
        index, so the cost follows the coalition's few schedules, not its years of windows), if it
        is still open and has no check-in of this member."""
        newest = (
            select(func.max(latest.opened_at))
            .where(latest.schedule_id == CheckinSchedule.id, latest.opened_at <= now)
            .scalar_subquery()
        )
        reported = (
            select(Checkin.id)
            .where(
                Checkin.coalition_id == self.coalition_id,
                Checkin.member_id == member_id,
                Checkin.created_at >= CheckinWindow.opened_at,
                Checkin.created_at < CheckinWindow.closes_at,
            )
            .exists()
        )
        join = and_(col(CheckinWindow.schedule_id) == CheckinSchedule.id, col(CheckinWindow.opened_at) == newest)
        where = [
            CheckinSchedule.coalition_id == self.coalition_id,  # and so its windows
            col(CheckinWindow.skipped).is_(False),
            CheckinWindow.closes_at > now,
            ~reported,
        ]
        return join, where

    async def waiting_count(self, member_id: int, now: datetime) -> int:
        """Windows open at ``now`` in which this member has not checked in yet (a member's inbox)."""
        join, where = self._waiting_for(member_id, now)
        query = select(func.count()).select_from(CheckinSchedule).join(CheckinWindow, join).where(*where)
        return int((await self.session.exec(query)).one())

    async def waiting(self, member_id: int, now: datetime, limit: int) -> Sequence[tuple[CheckinWindow, str]]:
        """The first ``limit`` of them, soonest to close first, with their schedule's label."""
        join, where = self._waiting_for(member_id, now)
        query = (
            select(CheckinWindow, CheckinSchedule.label)
            .select_from(CheckinSchedule)
            .join(CheckinWindow, join)
            .where(*where)
            .order_by(col(CheckinWindow.closes_at), col(CheckinWindow.id))
            .limit(limit)
        )
        return (await self.session.exec(query)).all()

    async def all_schedules(self) -> Sequence[CheckinSchedule]:
        query = select(CheckinSchedule).where(CheckinSchedule.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(CheckinSchedule.id)))).all()

    async def all_windows(self) -> Sequence[CheckinWindow]:
        query = select(CheckinWindow).where(CheckinWindow.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(CheckinWindow.id)))).all()


async def due_schedules(session: AsyncSession, now: datetime) -> list[int]:
    query = (
        select(CheckinSchedule.id)
        .where(col(CheckinSchedule.active).is_(True), col(CheckinSchedule.next_fire_at) <= now)
        .order_by(col(CheckinSchedule.id))
    )
    return [i for i in (await session.exec(query)).all() if i is not None]


async def due_windows(session: AsyncSession, now: datetime) -> list[int]:
    """Windows with a reminder or a digest due."""
    query = (
        select(CheckinWindow.id)
        .where(
            col(CheckinWindow.skipped).is_(False),
            col(CheckinWindow.digested_at).is_(None),
            col(CheckinWindow.remind_at) <= now,
        )
        .order_by(col(CheckinWindow.id))
    )
    return [i for i in (await session.exec(query)).all() if i is not None]


async def next_wake(session: AsyncSession, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` when a prompt, reminder or digest falls due."""
    pending = col(CheckinWindow.skipped).is_(False), col(CheckinWindow.digested_at).is_(None)
    candidates: list[Executable] = [
        select(func.min(CheckinSchedule.next_fire_at)).where(
            col(CheckinSchedule.active).is_(True), col(CheckinSchedule.next_fire_at) > now
        ),
        select(func.min(CheckinWindow.remind_at)).where(
            *pending, col(CheckinWindow.reminded_at).is_(None), col(CheckinWindow.remind_at) > now
        ),
        select(func.min(CheckinWindow.closes_at)).where(*pending, col(CheckinWindow.closes_at) > now),
    ]
    found = [await session.scalar(query) for query in candidates]
    moments = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in found if m is not None]
    return min(moments, default=None)


async def skipped_before(session: AsyncSession, window: CheckinWindow) -> int:
    """Skipped windows of the same schedule since its previous digested window."""
    previous = (
        await session.exec(
            select(CheckinWindow.opened_at)
            .where(
                CheckinWindow.schedule_id == window.schedule_id,
                col(CheckinWindow.skipped).is_(False),
                col(CheckinWindow.opened_at) < window.opened_at,
            )
            .order_by(col(CheckinWindow.opened_at).desc())
        )
    ).first()
    query = select(CheckinWindow.id).where(
        CheckinWindow.schedule_id == window.schedule_id,
        col(CheckinWindow.skipped).is_(True),
        col(CheckinWindow.opened_at) <= window.opened_at,
    )
    if previous is not None:
        query = query.where(col(CheckinWindow.opened_at) > previous)
    return len((await session.exec(query)).all())


async def forget_checkins(ctx: Ctx, member_id: int, placeholder: str) -> None:
    """A member's check-ins lose their author; their notes and blockers become ``placeholder``.
    The amounts stay in every total (their totals per goal become a former member's)."""
    await ctx.repo.unattribute_checkins(member_id, placeholder)


async def erase_notes(session: AsyncSession, coalition_id: int, before: datetime) -> dict[str, int]:
    """Retention (``keep_notes``): one coalition's check-ins from before ``before`` lose their notes
    and blockers (the amounts stay), and the delivered digests of that time, which quoted them, go."""
    erased = await session.exec(
        update(Checkin)  # type: ignore[call-overload]
        .where(
            col(Checkin.coalition_id) == coalition_id,
            col(Checkin.created_at) < before,
            or_(col(Checkin.note) != "", col(Checkin.blockers) != ""),
        )
        .values(note="", blockers="")
    )
    digests = await drop_delivered(session, coalition_id, ["digest:"], before)
    return {"notes": int(erased.rowcount or 0), "digests": digests}


async def prompts_not_posted(session: AsyncSession, window: CheckinWindow) -> int:
    """Copies of the window's prompt that never reached their channel (the platform was down until
    the window closed): the outbox drops them rather than post them late."""
    query = select(func.count()).where(
        OutboxMessage.coalition_id == window.coalition_id,
        col(OutboxMessage.key).like(f"prompt:{window.schedule_id}:%"),
        OutboxMessage.expires_at == window.closes_at,
        OutboxMessage.status != OutboxStatus.SENT.value,
    )
    return int((await session.exec(query)).one())
