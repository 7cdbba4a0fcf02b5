"""Self-healing connections, on SQLite and PostgreSQL: a pooled connection that turned read-only
(a SQLite file read-only for a while, a PostgreSQL session left read-only) fails one unit of work,
is discarded, and the next unit of work gets a fresh connection: no restart needed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import func, select

from bot.store.db import Database
from bot.store.models import Coalition


async def coalitions(db: Database) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(Coalition))).one())


@pytest.fixture
async def one_connection(db: Database) -> AsyncIterator[Database]:
    """The test database through an engine of its own, so the pool holds the connection spoiled below."""
    fresh = Database.from_url(db.engine.url.render_as_string(hide_password=False))
    yield fresh
    await fresh.dispose()


async def spoil(db: Database) -> None:
    """Leave a read-only connection in the pool, as a read-only file or session would."""
    async with db.engine.connect() as connection:
        if db.is_sqlite:
            await connection.exec_driver_sql("PRAGMA query_only = ON")
        else:
            await connection.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        await connection.commit()


async def test_a_connection_that_failed_is_replaced_for_the_next_unit_of_work(one_connection: Database) -> None:
    db = one_connection
    before = await coalitions(db)
    await spoil(db)
    with pytest.raises(DBAPIError):
        async with db.unit_of_work() as session:
            session.add(Coalition(name="During", slug="during"))
    async with db.unit_of_work() as session:  # healed: a fresh connection, without a restart
        session.add(Coalition(name="After", slug="after"))
    for n in range(3):
        async with db.unit_of_work() as session:
            session.add(Coalition(name=f"Next {n}", slug=f"next-{n}"))
    assert await coalitions(db) == before + 4


async def test_a_lost_race_keeps_its_connection(one_connection: Database) -> None:
    db = one_connection
    async with db.unit_of_work() as session:
        session.add(Coalition(name="Taken", slug="taken"))
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        first = raw.driver_connection
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as session:
            session.add(Coalition(name="Taken again", slug="taken"))
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is first  # a unique key taken says nothing about the connection
