"""Alembic environment. Runs on a connection handed over by :func:`bot.store.migrate.upgrade`
(async engines), or on its own engine from ``DATABASE_URL`` when invoked by the alembic CLI."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import bot.store.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.store.migrate import include_object

config = context.config
target_metadata = SQLModel.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    from bot.store.db import create_engine

    engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///coalition-bot.db"))
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_standalone())
