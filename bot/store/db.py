"""Engines and the unit of work: the one place that commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import ConfigError


def async_url(url: str) -> str:
    """Accept plain ``sqlite:///path`` and ``postgresql://`` URLs and pick the async drivers."""
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(
            f"DATABASE_URL is not a database URL (got {url!r}); use sqlite:///path or postgresql://..."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ConfigError(f"DATABASE_URL must be sqlite:///... or postgresql://... (got a {backend!r} URL)")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    full = async_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(full, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_async_engine(full, **kwargs)
    event.listen(engine.sync_engine, "handle_error", discard_broken)
    return engine


def discard_broken(context: ExceptionContext) -> None:
    """A connection that raised a database error is discarded, not handed back to the pool: the next
    unit of work gets a fresh one. A SQLite connection opened while its file was read-only stays
    read-only, a PostgreSQL session can be left in a state no ping notices, and neither heals by
    itself (``pool_pre_ping`` only checks that the connection answers). Lost races (a unique key,
    a lock, a serialization failure: :func:`is_conflict`) and errors in the statement itself
    (:class:`ProgrammingError`, :class:`DataError`) say nothing about the connection and keep it."""
    error = context.sqlalchemy_exception
    if context.is_disconnect or not isinstance(error, DBAPIError):
        return
    if is_conflict(error) or isinstance(error, ProgrammingError | DataError):
        return
    context.is_disconnect = True  # invalidates this connection…
    context.invalidate_pool_on_disconnect = False  # …and only this one


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@asynccontextmanager
async def savepoint(session: AsyncSession) -> AsyncIterator[None]:
    """``session.begin_nested()`` that stays inside the unit of work's transaction on SQLite too.

    Python's sqlite3 driver begins its transaction only before a data write, so a SAVEPOINT issued
    before any write opens the outermost transaction itself, and its RELEASE commits on its own: the
    guarded row would stay even if the rest of the unit of work failed. An explicit BEGIN first
    (deferred: the writer lock is still taken by the first write) keeps the savepoint nested."""
    if session.get_bind().dialect.name == "sqlite":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
            await connection.exec_driver_sql("BEGIN")
    async with session.begin_nested():
        yield


RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


def is_conflict(error: BaseException) -> bool:
    """A transaction that lost a race with another one: a unique key taken in the meantime (two
    people adding the same organisation at once), SQLite's writer lock still held after the busy
    timeout, or a PostgreSQL serialization failure or deadlock. Running the whole unit of work
    again is safe and will see the winner's rows."""
    if isinstance(error, IntegrityError):
        return True
    if isinstance(error, OperationalError) and "database is locked" in str(error):
        return True
    if isinstance(error, DBAPIError):
        original = error.orig
        sqlstate = getattr(original, "sqlstate", None) or getattr(
            getattr(original, "__cause__", None), "sqlstate", None
        )
        return sqlstate in RETRYABLE_SQLSTATES
    return False


AHEAD_WAIT = 1.0  # seconds a unit of work waits at most for the writes let ahead of it


class Database:
    """An engine plus a session factory; ``unit_of_work()`` commits once, or rolls back on error."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._ahead: set[asyncio.Future[Any]] = set()

    def let_ahead(self, write: asyncio.Future[Any]) -> None:
        """A unit of work that starts before ``write`` is done waits for it (at most ``AHEAD_WAIT``).
        For the intake's rows (:mod:`bot.core.intake`), written while their requests wait to be
        acknowledged: SQLite has one writer, and without this they queue behind the work of the
        requests acknowledged before them (each holding the write lock across the event loop's
        turns), behind SQLite's busy timeout that polls ever more slowly. PostgreSQL locks rows,
        not the database: nothing waits there."""
        if self.is_sqlite and not write.done():
            self._ahead.add(write)
            write.add_done_callback(self._ahead.discard)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(create_engine(url))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def _after_ahead(self) -> None:
        loop = asyncio.get_running_loop()
        ahead = [write for write in self._ahead if write.get_loop() is loop]
        self._ahead.intersection_update(ahead)  # another event loop's (a test's) are nobody's now
        if ahead:
            await asyncio.wait(ahead, timeout=AHEAD_WAIT)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        if self._ahead:
            await self._after_ahead()
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (no commit)."""
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
