"""``coalition-bot restore FILE``: put a backup back, or ``--verify`` it in a scratch database.

A copy from a newer schema than this bot knows is refused before anything is touched; an older one
is restored at its own revision, then migrated forward. SQLite: the copy's file is written over the
database with the backup API. PostgreSQL, in one transaction: the bot's tables are dropped, the
schema is built up to the copy's revision, the rows are loaded with binary COPY (parents before
children) and the id sequences moved past them. ``--verify`` restores into a scratch place (a temporary SQLite file; on PostgreSQL a temporary
schema in the same database, so no right to create databases is needed) and compares each table's
row count and checksum with the manifest's."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Settings
from bot.core.i18n import _
from bot.ops import dump
from bot.ops.backup import FORMAT, SQLITE_DATA, read_manifest, sqlite_path
from bot.store.db import Database, create_engine
from bot.store.migrate import is_known, upgrade, upgrade_in

DECODERS: dict[str, Callable[[Any], Any]] = {
    "timestamp with time zone": datetime.fromisoformat,
    "timestamp without time zone": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time without time zone": time.fromisoformat,
    "numeric": Decimal,
    "bytea": base64.b64decode,
    "json": json.dumps,  # the driver hands JSON columns over decoded and takes them back as text
    "jsonb": json.dumps,
}


class Refused(Exception):
    """The copy cannot be restored here; the message says why (nothing was changed)."""


def check_restorable(manifest: dict[str, Any], db: Database) -> None:
    revision = str(manifest.get("schema_revision") or "")
    if (revision and not is_known(revision)) or int(manifest.get("format", 0)) > FORMAT:
        raise Refused(
            _(
                "This copy was made by a newer version of the bot (schema {revision}): install that version to restore it.",
                revision=revision,
            )
        )
    kind = "sqlite" if db.is_sqlite else "postgresql"
    if manifest.get("dialect") != kind:
        raise Refused(
            _(
                "This copy is of a {copy} database and DATABASE_URL is {target}: restore it into the same kind.",
                copy=str(manifest.get("dialect")),
                target=kind,
            )
        )


async def restore_into(db: Database, archive: Path, manifest: dict[str, Any], *, forward: bool = True) -> None:
    check_restorable(manifest, db)
    if db.is_sqlite:
        await db.dispose()
        await asyncio.to_thread(_sqlite_restore, archive, sqlite_path(db))
        if forward:
            await upgrade(db)
    else:
        await _postgres_restore(db, archive, manifest, forward=forward)


def _sqlite_restore(archive: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(archive, "r:gz") as tar, (Path(work) / SQLITE_DATA).open("wb") as out:
            member = tar.extractfile(SQLITE_DATA)
            if member is None:
                raise Refused(_("This copy has no database in it."))
            shutil.copyfileobj(member, out)
        with (
            closing(sqlite3.connect(Path(work) / SQLITE_DATA)) as copy,
            closing(sqlite3.connect(target, timeout=30)) as live,
        ):
            copy.backup(live)


async def _postgres_restore(db: Database, archive: Path, manifest: dict[str, Any], *, forward: bool) -> None:
    """One transaction (PostgreSQL's DDL is transactional): a restore that fails changes nothing."""
    async with db.engine.begin() as connection:
        for name, _columns, _keys in await dump.postgres_tables(connection):
            await connection.execute(text(f"DROP TABLE IF EXISTS {dump.quoted(name)} CASCADE"))
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await upgrade_in(connection, str(manifest["schema_revision"]))
        order = await connection.run_sync(_parents_first)
        types = await _column_types(connection)
        with tarfile.open(archive, "r:gz") as tar:
            for name in order:
                if name in manifest["tables"]:
                    columns = list(manifest["tables"][name]["columns"])
                    await _load(connection, tar, name, columns, types.get(name, {}))
        await _move_sequences(connection)
        if forward:
            await upgrade_in(connection)


def _parents_first(connection: Connection) -> list[str]:
    metadata = MetaData()
    metadata.reflect(connection)
    return [table.name for table in metadata.sorted_tables]


async def _column_types(connection: AsyncConnection) -> dict[str, dict[str, str]]:
    rows = await connection.execute(
        text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    )
    types: dict[str, dict[str, str]] = {}
    for table, column, kind in rows.all():
        types.setdefault(str(table), {})[str(column)] = str(kind)
    return types


async def _load(
    connection: AsyncConnection, tar: tarfile.TarFile, name: str, columns: list[str], types: dict[str, str]
) -> None:
    """Rows in with PostgreSQL's binary COPY (asyncpg's ``copy_records_to_table``) on the transaction's
    own connection, ``BATCH`` rows at a time."""
    member = tar.extractfile(f"tables/{name}.jsonl")
    if member is None:
        return
    decoders = [DECODERS.get(types.get(c, ""), lambda v: v) for c in columns]
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    schema = (await connection.execute(text("SELECT current_schema()"))).scalar()
    batch: list[tuple[Any, ...]] = []
    for line in io.TextIOWrapper(member, encoding="utf-8"):
        values = json.loads(line)
        batch.append(tuple(None if v is None else d(v) for v, d in zip(values, decoders, strict=True)))
        if len(batch) >= dump.BATCH:
            await driver.copy_records_to_table(name, records=batch, columns=columns, schema_name=schema)
            batch = []
    if batch:
        await driver.copy_records_to_table(name, records=batch, columns=columns, schema_name=schema)


async def _move_sequences(connection: AsyncConnection) -> None:
    rows = await connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
        )
    )
    for table, column in rows.all():
        t, c = dump.quoted(str(table)), dump.quoted(str(column))
        await connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)"),
            {"t": str(table), "c": str(column)},
        )


async def verify_copy(db: Database, archive: Path, manifest: dict[str, Any]) -> list[str]:
    """Restore into a scratch place and compare; the tables that differ (empty: identical)."""
    check_restorable(manifest, db)
    if db.is_sqlite:
        with tempfile.TemporaryDirectory() as work:
            scratch = Database.from_url(f"sqlite:///{Path(work) / 'verify.db'}")
            await restore_into(scratch, archive, manifest, forward=False)
            await scratch.dispose()
            found = await asyncio.to_thread(_sqlite_sums, Path(work) / "verify.db")
    else:
        schema = f"coalition_verify_{secrets.token_hex(4)}"
        async with db.engine.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = db.engine.url.render_as_string(hide_password=False)
        scratch = Database(create_engine(url, connect_args={"server_settings": {"search_path": schema}}))
        try:
            await restore_into(scratch, archive, manifest, forward=False)
            async with scratch.engine.connect() as connection:
                found = await dump.postgres_sums(connection)
        finally:
            await scratch.dispose()
            async with db.engine.begin() as connection:
                await connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    expected = {name: {"rows": t["rows"], "sha256": t["sha256"]} for name, t in manifest["tables"].items()}
    return sorted(name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name))


def _sqlite_sums(path: Path) -> dict[str, dict[str, Any]]:
    with closing(sqlite3.connect(path)) as connection:
        return dump.sqlite_sums(connection)


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(question + " [y/N] ").strip().lower() in {"y", "yes", "s", "si", "sí", "o", "oui"}


async def restore_command(settings: Settings, file: str, *, yes: bool, verify: bool) -> int:
    from bot.ops.doctor import shown_url

    archive = Path(file)
    try:
        manifest = read_manifest(archive)
    except (OSError, ValueError, KeyError, tarfile.TarError):
        print(_("{file} is not a backup made by `coalition-bot backup`.", file=file))
        return 2
    db = Database.from_url(settings.database_url)
    try:
        rows = sum(int(t["rows"]) for t in manifest["tables"].values())
        if verify:
            print(_("Restoring {file} into a scratch database to compare it…", file=archive.name))
            different = await verify_copy(db, archive, manifest)
            if different:
                print(_("These tables differ from the copy's manifest: {tables}", tables=", ".join(different)))
                return 2
            print(
                _(
                    "Verified: {tables} tables, {rows} rows, identical to the copy.",
                    tables=len(manifest["tables"]),
                    rows=rows,
                )
            )
            return 0
        check_restorable(manifest, db)
        print(
            _(
                "This replaces everything in {url} with the copy {file} (taken {time}, schema {revision}, {rows} rows).",
                url=shown_url(settings.database_url),
                file=archive.name,
                time=str(manifest.get("created_at", "?")),
                revision=str(manifest.get("schema_revision")),
                rows=rows,
            )
        )
        if not yes and not confirm(_("Stop the bot first. Replace the database?")):
            print(_("Nothing was changed (add --yes to replace without asking)."))
            return 1
        await restore_into(db, archive, manifest)
        print(_("Restored; the database is at the current schema."))
        return 0
    except Refused as refused:
        print(str(refused))
        return 2
    finally:
        await db.dispose()
