"""The intake rows (:class:`~bot.store.intake_models.IntakeRequest`): recorded before a request is
acknowledged, deleted once it is answered, taken over after a crash. Each call is one short
transaction of its own, apart from the request's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select

from bot.store.db import Database
from bot.store.intake_models import IntakeRequest


async def record(
    db: Database, platform: str, kind: str, key: str, payload: dict[str, Any], now: datetime, held_until: datetime
) -> int | None:
    """Keep the request; returns its row id. The same request again (a platform retry, a replay
    after a crash) keeps the first row and holds it for this process until ``held_until``."""
    try:
        async with db.unit_of_work() as session:
            row = IntakeRequest(
                platform=platform,
                kind=kind,
                request_key=key,
                payload=payload,
                received_at=now,
                claimed_until=held_until,
            )
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        async with db.unit_of_work() as session:
            query = select(IntakeRequest).where(IntakeRequest.platform == platform, IntakeRequest.request_key == key)
            existing = (await session.exec(query)).first()
            if existing is None:
                return None
            existing.claimed_until = held_until
            session.add(existing)
            return existing.id


async def record_many(
    db: Database,
    platform: str,
    requests: Sequence[tuple[str, str, dict[str, Any]]],
    now: datetime,
    held_until: datetime,
) -> list[int | None]:
    """Keep several requests (kind, key, payload) in one transaction: a burst costs one commit, not
    one each. A request seen before (a retry) falls back to :func:`record`, one by one."""
    try:
        async with db.unit_of_work() as session:
            rows = [
                IntakeRequest(
                    platform=platform,
                    kind=kind,
                    request_key=key,
                    payload=payload,
                    received_at=now,
                    claimed_until=held_until,
                )
                for kind, key, payload in requests
            ]
            session.add_all(rows)
            await session.flush()
            return [row.id for row in rows]
    except IntegrityError:
        return [await record(db, platform, kind, key, payload, now, held_until) for kind, key, payload in requests]


async def forget(db: Database, row_id: int) -> None:
    """The request was answered."""
    async with db.unit_of_work() as session:
        await session.exec(delete(IntakeRequest).where(col(IntakeRequest.id) == row_id))  # type: ignore[call-overload]


async def take_over(db: Database, platform: str, now: datetime, held_until: datetime) -> Sequence[IntakeRequest]:
    """Requests of ``platform`` no process is answering any more (their holder died), oldest first,
    held for this process until ``held_until``."""
    async with db.unit_of_work() as session:
        stale = or_(col(IntakeRequest.claimed_until).is_(None), col(IntakeRequest.claimed_until) < now)
        query = (
            select(IntakeRequest)
            .where(IntakeRequest.platform == platform, stale)
            .order_by(col(IntakeRequest.id))
            .limit(500)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list((await session.exec(query)).all())
        if rows:
            await session.exec(
                update(IntakeRequest)  # type: ignore[call-overload]
                .where(col(IntakeRequest.id).in_([row.id for row in rows]), stale)
                .values(claimed_until=held_until, attempts=IntakeRequest.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        session.expunge_all()
        return rows
