"""Shared fixtures. ``db`` runs each store/workflow test on SQLite and, when TEST_POSTGRES_URL is
set (CI sets it), on PostgreSQL too. Tests are offline by construction: sockets may only reach
loopback addresses."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.support import (
    POSTGRES_URL,
    Chat,
    make_core,
    migrated_sqlite_template,
    no_leader_left,
    reset_postgres,
    sqlite_copy,
)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise RuntimeError(f"tests must stay offline: attempted connection to {host}")
    _real_connect(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return await migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
async def postgres_db() -> AsyncIterator[Database | None]:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            raise RuntimeError("CI must run the PostgreSQL tests: TEST_POSTGRES_URL is not set")
        yield None
        return
    db = Database.from_url(POSTGRES_URL)
    async with db.engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture(params=BACKENDS)
async def db(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path, postgres_db: Database | None
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = sqlite_copy(sqlite_template, tmp_path, "test")
        yield database
        await database.dispose()
        return
    if postgres_db is None:
        pytest.skip("PostgreSQL not configured (set TEST_POSTGRES_URL)")
    await reset_postgres(postgres_db)
    yield postgres_db
    await no_leader_left(postgres_db)


@pytest.fixture
async def sqlite_db(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    database = sqlite_copy(sqlite_template, tmp_path, "test")
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def core(db: Database, clock: ManualClock):  # type: ignore[no-untyped-def]
    return make_core(db, clock)


@pytest.fixture
def chat(core) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(core)
