"""``coalition-bot backup``: a consistent copy of the live database, with a manifest, in one file.

The file (``coalition-bot-<UTC time>.tar.gz``) holds ``manifest.json`` — format, bot version, time,
database kind, schema revision, and per table its columns, row count and checksum — and the data:
on SQLite ``database.sqlite``, made with SQLite's online backup API (a consistent snapshot while the
bot writes; copying the file is not); on PostgreSQL ``tables/<name>.jsonl``, every table read in one
``REPEATABLE READ`` read-only transaction (one snapshot), so no ``pg_dump`` of the server's exact
version is needed in the bot's container. The checksums are computed from the copy itself, so
``restore --verify`` proves the file holds the database as it was at that moment."""

from __future__ import annotations

import asyncio
import importlib.metadata
import io
import json
import sqlite3
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.config import Settings
from bot.core.i18n import _, ngettext
from bot.ops import dump
from bot.ops.rotation import backup_name, stale
from bot.store.db import Database

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DATA = "database.sqlite"


def bot_version() -> str:
    try:
        return importlib.metadata.version("coalition-bot")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def sqlite_path(db: Database) -> Path:
    return Path(db.engine.url.database or "")


def _sqlite_snapshot(source: Path, target: Path) -> dict[str, Any]:
    """Copy ``source`` into ``target`` with the backup API; the manifest's tables from the copy."""
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
    with closing(sqlite3.connect(target)) as copy:
        tables = {name: {"columns": columns} for name, columns, _keys in dump.sqlite_tables(copy)}
        for name, summary in dump.sqlite_sums(copy).items():
            tables[name].update(summary)
        revision = dump.sqlite_revision(copy)
    return {"dialect": "sqlite", "schema_revision": revision, "tables": tables}


async def _postgres_snapshot(db: Database, folder: Path) -> dict[str, Any]:
    (folder / "tables").mkdir()
    tables: dict[str, Any] = {}
    async with db.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            await connection.execute(text("SET TRANSACTION READ ONLY"))
            revision = await dump.postgres_revision(connection)
            for name, columns, keys in await dump.postgres_tables(connection):
                with (folder / "tables" / f"{name}.jsonl").open("w", encoding="utf-8") as out:
                    total = await dump.postgres_table(connection, name, columns, keys, lambda s: out.write(s + "\n"))
                tables[name] = {"columns": columns, **total.summary()}
    return {"dialect": "postgresql", "schema_revision": revision, "tables": tables}


def _pack(folder: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=str(path.relative_to(folder)))
    partial.rename(target)


async def make_backup(db: Database, folder: Path, *, now: datetime | None = None) -> tuple[Path, dict[str, Any]]:
    """Write one copy into ``folder``; returns its path and manifest."""
    at = now or datetime.now(UTC)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as work:
        workdir = Path(work)
        if db.is_sqlite:
            manifest = await asyncio.to_thread(_sqlite_snapshot, sqlite_path(db), workdir / SQLITE_DATA)
        else:
            manifest = await _postgres_snapshot(db, workdir)
        manifest = {"format": FORMAT, "bot_version": bot_version(), "created_at": at.isoformat(), **manifest}
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        n = 0
        while (target := folder / backup_name(at, n)).exists():
            n += 1
        await asyncio.to_thread(_pack, workdir, target)
    return target, manifest


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise ValueError("no manifest")
        return dict(json.load(io.TextIOWrapper(member, encoding="utf-8")))


async def backup_command(settings: Settings, to: str | None) -> int:
    from bot.ops.doctor import shown_url

    folder = Path(to or settings.backup_dir)
    print(_("Copying {url} into {folder}…", url=shown_url(settings.database_url), folder=str(folder)))
    db = Database.from_url(settings.database_url)
    try:
        path, manifest = await make_backup(db, folder)
    finally:
        await db.dispose()
    rows = sum(int(t["rows"]) for t in manifest["tables"].values())
    print(
        ngettext(
            "Wrote {file}: {n} row in {tables} tables, schema {revision}.",
            "Wrote {file}: {n} rows in {tables} tables, schema {revision}.",
            rows,
            file=str(path),
            tables=len(manifest["tables"]),
            revision=manifest["schema_revision"],
        )
    )
    keep = {"daily": settings.backup_keep_daily, "weekly": settings.backup_keep_weekly}
    for old in stale(folder, monthly=settings.backup_keep_monthly, **keep):
        print(_("Removing the older copy {file}.", file=old.name))
        old.unlink(missing_ok=True)
    return 0
