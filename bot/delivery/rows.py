"""The outbox rows' states as the dispatcher moves them (:mod:`bot.delivery.dispatcher`): claimed,
sent, handed back. Each is one short committed transaction of its own, separate from the sends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select

from bot.core.delivery import MessageRef
from bot.store.db import Database
from bot.store.outbox_models import OutboxKind, OutboxMessage, OutboxStatus

Sent = tuple[OutboxMessage, MessageRef | None, dict[str, Any]]  # a row, where it went, what was sent


WAITING = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


def held_back(now: datetime) -> Any:
    """A row of a channel (a lane: platform, workspace, target) waits while an earlier row of that
    lane is in flight (claimed) or waiting for a retry (tried, or told to wait by a 429): the
    channel's messages go in order, also after a failure. An earlier row that was simply queued for
    later (a reminder) holds nothing back."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        col(earlier.platform) == col(OutboxMessage.platform),
        col(earlier.workspace) == col(OutboxMessage.workspace),
        col(earlier.target) == col(OutboxMessage.target),
        col(earlier.id) < col(OutboxMessage.id),
        col(earlier.status).in_(WAITING),
        col(earlier.not_before) > now,
        or_(
            col(earlier.status) == OutboxStatus.SENDING.value,
            col(earlier.attempts) > 0,
            col(earlier.last_error).is_not(None),
        ),
    )


async def claim(
    db: Database,
    platforms: Iterable[str],
    now: datetime,
    lease_until: datetime,
    limit: int,
    *,
    per_lane: int | None = None,
) -> tuple[list[OutboxMessage], set[int]]:
    """Take up to ``limit`` due rows (pending, or sending with an expired lease) until
    ``lease_until`` (rows past their deadline are marked ``expired`` instead), at most ``per_lane`` of each channel and none held back behind an earlier row
    of its channel (:func:`held_back`); returns them and the ids of those whose earlier claim
    expired (they may have reached the platform already)."""
    async with db.unit_of_work() as session:
        await session.exec(expire_due(platforms, now))  # past their deadline: never sent
        due = (
            col(OutboxMessage.status).in_(WAITING),  # a sending row here has an expired lease
            col(OutboxMessage.not_before) <= now,
            col(OutboxMessage.platform).in_(list(platforms)),
            ~held_back(now),
        )
        if per_lane is None:
            query = select(OutboxMessage).where(*due)
        else:
            lane = (OutboxMessage.platform, OutboxMessage.workspace, OutboxMessage.target)
            place = func.row_number().over(partition_by=lane, order_by=col(OutboxMessage.id)).label("place")
            numbered = select(col(OutboxMessage.id).label("id"), place).where(*due).subquery()
            first = select(numbered.c.id).where(numbered.c.place <= per_lane)
            query = select(OutboxMessage).where(col(OutboxMessage.id).in_(first))
        query = query.order_by(col(OutboxMessage.id)).limit(limit)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        candidates = list((await session.exec(query)).all())
        session.expunge_all()
        if not candidates:
            return [], set()
        # One compare-and-set for the whole batch: only rows still due are taken, so where SKIP
        # LOCKED is not available (SQLite serialises writers) a competing dispatcher that read
        # the same rows takes none of those this one took.
        result = await session.exec(
            update(OutboxMessage)  # type: ignore[call-overload]
            .where(
                col(OutboxMessage.id).in_([row.id for row in candidates]),
                col(OutboxMessage.status).in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
                col(OutboxMessage.not_before) <= now,
            )
            .values(status=OutboxStatus.SENDING.value, not_before=lease_until)
            .returning(col(OutboxMessage.id))
            .execution_options(synchronize_session=False)
        )
        won = {row_id for (row_id,) in result.all()}
        rows = [row for row in candidates if row.id in won]
        recovering = {row.id for row in rows if row.status == OutboxStatus.SENDING.value and row.id is not None}
        for row in rows:
            row.status = OutboxStatus.SENDING.value
            row.not_before = lease_until
    return rows, recovering


async def record(db: Database, sent: Sequence[Sent], now: datetime) -> None:
    """Mark these rows sent, in one commit, with the platform's message ids; a row whose payload
    was refreshed while it was in flight gets an update queued that brings the posted copy up to date."""
    async with db.unit_of_work() as session:
        ids = [row.id for row, _, _ in sent]
        fresh_rows = {
            fresh.id: fresh
            for fresh in (await session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))).all()
        }
        for row, ref, sent_payload in sent:
            fresh = fresh_rows.get(row.id)
            if fresh is None or fresh.status == OutboxStatus.SENT.value:
                continue
            fresh.status = OutboxStatus.SENT.value
            fresh.sent_at = now
            fresh.last_error = None
            if ref is not None and fresh.kind != OutboxKind.UPDATE.value:
                fresh.message_id = ref.message_id
            session.add(fresh)
            if fresh.payload != sent_payload and ref is not None and fresh.kind != OutboxKind.UPDATE.value:
                # Refreshed while in flight: bring the posted copy up to date.
                key = f"update:{fresh.id}:inflight:{now.timestamp():.6f}"
                session.add(fresh.update_for(fresh.payload, key=key, now=now))


async def release(db: Database, rows: Sequence[OutboxMessage], until: datetime) -> None:
    """Hand claimed rows back, due at ``until`` (their channel is rate limited): one ``UPDATE``."""
    if not rows:
        return
    async with db.unit_of_work() as session:
        await session.exec(
            update(OutboxMessage)  # type: ignore[call-overload]
            .where(
                col(OutboxMessage.id).in_([row.id for row in rows]),
                col(OutboxMessage.status) == OutboxStatus.SENDING.value,
            )
            .values(status=OutboxStatus.PENDING.value, not_before=until)
            .execution_options(synchronize_session=False)
        )


async def created_event(db: Database, row: OutboxMessage) -> OutboxMessage | None:
    """The row that creates the scheduled event a cancellation row retracts."""
    async with db.session() as session:
        return await session.get(OutboxMessage, row.payload.get("event_row"))


def expire_due(platforms: Iterable[str], now: datetime) -> Any:
    """Rows whose deadline passed before they were sent are never sent (one ``UPDATE``)."""
    return (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.PENDING.value,
            col(OutboxMessage.expires_at) <= now,
            col(OutboxMessage.platform).in_(list(platforms)),
        )
        .values(status=OutboxStatus.EXPIRED.value)
        .execution_options(synchronize_session=False)
    )


async def expire(db: Database, rows: Sequence[OutboxMessage]) -> None:
    """These claimed rows are never sent: their deadline passed while they waited."""
    async with db.unit_of_work() as session:
        await session.exec(
            update(OutboxMessage)  # type: ignore[call-overload]
            .where(col(OutboxMessage.id).in_([row.id for row in rows]), col(OutboxMessage.status).in_(WAITING))
            .values(status=OutboxStatus.EXPIRED.value)
            .execution_options(synchronize_session=False)
        )


async def due_again(db: Database, platform: str, now: datetime) -> None:
    """``platform`` works again: rows backing off after failures there come due now."""
    async with db.unit_of_work() as session:
        await session.exec(
            update(OutboxMessage)  # type: ignore[call-overload]
            .where(
                col(OutboxMessage.platform) == platform,
                col(OutboxMessage.status) == OutboxStatus.PENDING.value,
                col(OutboxMessage.attempts) > 0,
                col(OutboxMessage.not_before) > now,
            )
            .values(not_before=now)
            .execution_options(synchronize_session=False)
        )
