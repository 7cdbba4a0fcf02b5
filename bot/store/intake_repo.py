"""The intake rows (:class:`~bot.store.intake_models.IntakeRequest`): recorded before a request is
acknowledged, deleted once it is answered, taken over after a crash. Recording and forgetting take
the connection of the intake's writer (:mod:`bot.core.intake`), one short transaction per group of
requests, apart from the requests' own units of work; taking over is a unit of work of its own."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, or_, select

from bot.store.db import Database
from bot.store.intake_models import IntakeRequest

INTAKE: Table = IntakeRequest.__table__  # type: ignore[attr-defined]
CHUNK = 200  # rows per INSERT: far below SQLite's limit on bound parameters


async def record_group(
    connection: AsyncConnection,
    platform: str,
    requests: Sequence[tuple[str, str, dict[str, Any]]],
    now: datetime,
    held_until: datetime,
) -> list[int]:
    """Keep several requests (kind, key, payload) in one short transaction and return their row ids,
    in order. A request seen before (a platform's retry, a replay after a crash) keeps its first row,
    now held for this process until ``held_until``: one ``INSERT … ON CONFLICT DO UPDATE`` for all."""
    first: dict[str, tuple[str, dict[str, Any]]] = {}
    for kind, key, payload in requests:
        first.setdefault(key, (kind, payload))
    rows = [
        {
            "platform": platform,
            "kind": kind,
            "request_key": key,
            "payload": payload,
            "received_at": now,
            "claimed_until": held_until,
            "attempts": 0,
        }
        for key, (kind, payload) in first.items()
    ]
    upsert = sqlite.insert if connection.dialect.name == "sqlite" else postgresql.insert
    ids: dict[str, int] = {}
    async with connection.begin():
        for start in range(0, len(rows), CHUNK):
            insert = upsert(INTAKE).values(rows[start : start + CHUNK])
            statement = insert.on_conflict_do_update(
                index_elements=[INTAKE.c.platform, INTAKE.c.request_key],
                set_={"claimed_until": insert.excluded.claimed_until},
            ).returning(INTAKE.c.id, INTAKE.c.request_key)
            ids.update({key: row_id for row_id, key in (await connection.execute(statement)).all()})
    return [ids[key] for _, key, _ in requests]


async def forget_group(connection: AsyncConnection, row_ids: Sequence[int]) -> None:
    """The requests were answered."""
    async with connection.begin():
        for start in range(0, len(row_ids), CHUNK):
            await connection.execute(delete(INTAKE).where(INTAKE.c.id.in_(row_ids[start : start + CHUNK])))


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


def connection(db: Database) -> AbstractAsyncContextManager[AsyncConnection]:
    """A connection of the intake's writer's own, for as long as it has rows to write or forget."""
    return db.engine.connect()
