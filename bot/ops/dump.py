"""Tables as canonical lines: what a backup stores (PostgreSQL) and what its checksums are made of.

Each row becomes one JSON array of its values in column order, rows in primary-key order; a table's
checksum is the SHA-256 of its lines. Values are encoded the same way whichever side reads them
(datetimes and dates as ISO text, decimals as text, bytes as base64), so a table restored into a
scratch database hashes to the same value as the table that was copied."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

SKIPPED = {"alembic_version"}  # the schema revision is in the manifest
BATCH = 1000


def encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def line(row: Iterable[Any]) -> str:
    return json.dumps([encode(v) for v in row], ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass
class TableSum:
    """A table's row count and checksum, built line by line."""

    rows: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def add(self, text_line: str) -> None:
        self.rows += 1
        self.digest.update(text_line.encode())
        self.digest.update(b"\n")

    def summary(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.digest.hexdigest()}


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_tables(connection: sqlite3.Connection) -> list[tuple[str, list[str], list[str]]]:
    """(table, columns, primary-key columns) of a SQLite database, by name."""
    names = [
        r[0]
        for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    out = []
    for name in names:
        if name in SKIPPED:
            continue
        info = connection.execute(f"PRAGMA table_info({quoted(name)})").fetchall()
        columns = [c[1] for c in info]
        keys = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]]
        out.append((name, columns, keys or columns))
    return out


def sqlite_sums(connection: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    sums: dict[str, dict[str, Any]] = {}
    for name, columns, keys in sqlite_tables(connection):
        total = TableSum()
        select = ", ".join(quoted(c) for c in columns)
        order = ", ".join(quoted(c) for c in keys)
        for row in connection.execute(f"SELECT {select} FROM {quoted(name)} ORDER BY {order}"):
            total.add(line(row))
        sums[name] = total.summary()
    return sums


def sqlite_revision(connection: sqlite3.Connection) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return ""
    return str(row[0]) if row else ""


async def postgres_tables(connection: AsyncConnection) -> list[tuple[str, list[str], list[str]]]:
    """(table, columns, primary-key columns) in the connection's current schema, by name."""
    columns = await connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        )
    )
    keys = await connection.execute(
        text(
            "SELECT k.table_name, k.column_name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
            "AND k.table_schema = c.table_schema AND k.table_name = c.table_name "
            "WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() "
            "ORDER BY k.table_name, k.ordinal_position"
        )
    )
    by_table: dict[str, list[str]] = {}
    for table, column in columns.all():
        by_table.setdefault(str(table), []).append(str(column))
    primary: dict[str, list[str]] = {}
    for table, column in keys.all():
        primary.setdefault(str(table), []).append(str(column))
    return [(t, cols, primary.get(t) or cols) for t, cols in sorted(by_table.items()) if t not in SKIPPED]


async def postgres_table(
    connection: AsyncConnection, name: str, columns: list[str], keys: list[str], sink: Callable[[str], object]
) -> TableSum:
    """Stream a table's lines in key order (a server-side cursor, ``BATCH`` rows at a time) to ``sink``."""
    total = TableSum()
    select = ", ".join(quoted(c) for c in columns)
    order = ", ".join(quoted(c) for c in keys)
    result = await connection.stream(text(f"SELECT {select} FROM {quoted(name)} ORDER BY {order}"))
    async for partition in result.partitions(BATCH):
        for row in partition:
            text_line = line(row)
            sink(text_line)
            total.add(text_line)
    return total


async def postgres_sums(connection: AsyncConnection) -> dict[str, dict[str, Any]]:
    return {
        name: (await postgres_table(connection, name, columns, keys, lambda _line: None)).summary()
        for name, columns, keys in await postgres_tables(connection)
    }


async def postgres_revision(connection: AsyncConnection) -> str:
    exists = (await connection.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
    if exists is None:
        return ""
    row = (await connection.execute(text("SELECT version_num FROM alembic_version"))).first()
    return str(row[0]) if row else ""
