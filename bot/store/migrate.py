"""Apply Alembic migrations from inside the running program (async engines) or the CLI."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
FOREIGN_TABLES = {"apscheduler_jobs", "slack_installations", "slack_bots", "slack_oauth_states"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Keep other libraries' tables out of autogenerate and schema comparisons."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema up to ``revision``; safe to call at every start (no-op when current)."""

    async with db.engine.begin() as connection:
        await upgrade_in(connection, revision)


async def upgrade_in(connection: AsyncConnection, revision: str = "heads") -> None:
    """``upgrade`` inside the caller's transaction (a restore rebuilds, loads and migrates in one)."""

    def run(sync_connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    if connection.dialect.name == "postgresql":
        # Several processes may start at once: one migrates, the others wait for it.
        await connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7242311)")
    await connection.run_sync(run)


async def autogenerate(db: Database, message: str) -> None:
    """Developer tool: write a new revision from the difference between models and database."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


async def current_revisions(db: Database) -> set[str]:
    """The revisions the database is at (empty: never migrated)."""

    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with db.engine.connect() as connection:
        return await connection.run_sync(read)


def is_known(revision: str) -> bool:
    """Whether this version of the bot has the migration ``revision`` (a newer bot's is unknown)."""
    try:
        return script().get_revision(revision) is not None
    except Exception:
        return False


def pending(current: set[str]) -> list[Script]:
    """The migrations ``upgrade`` would apply to a database at ``current``, oldest first."""
    directory = script()
    ahead = list(directory.walk_revisions("base", "heads"))
    done: set[str] = set()
    for revision in current:
        if is_known(revision):
            done.update(r.revision for r in directory.walk_revisions("base", revision))
    return [rev for rev in reversed(ahead) if rev.revision not in done]
