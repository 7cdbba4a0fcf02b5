"""Alembic migrations give exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import include_object, upgrade


def diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
    return compare_metadata(context, SQLModel.metadata)


async def test_upgrade_head_matches_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_upgrade_is_idempotent(db: Database) -> None:
    await upgrade(db)
    await upgrade(db)
    async with db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
