"""The scheduler process: one leader runs the timed work every minute, on the minute.

Schedules live in our tables (``CheckinSchedule``), never in an APScheduler job store: APScheduler's
``AsyncIOScheduler`` (memory job store) only provides the clockwork — a job at second 0 of every
minute (all prompt times are whole minutes; this also picks up schedules other processes changed)
that runs :meth:`Scheduler.tick`, a one-off wake-up at the next reminder or digest time (planned
from the tables after every tick), and a job every 15 seconds that checks leadership. ``tick`` is
idempotent, so a late or doubled run is harmless, and a restart simply continues from the rows.

Leadership: on PostgreSQL, the process holding a session-level advisory lock on a dedicated
autocommit connection is the leader. If it dies, its connection closes, PostgreSQL releases the lock, and the
next process to check (within 15 seconds) takes over. On SQLite only one process may run, and it
always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.unity import run_deadlines
from bot.core.clock import Clock, SystemClock
from bot.scheduling import checkins
from bot.store.db import Database

log = logging.getLogger(__name__)
LOCK_KEY = 7242312  # the migration lock is 7242311
WAKE_JOB = "coalition-bot-wake"
PING_TIMEOUT = 10.0  # seconds; a leader that cannot reach the database in this time steps down
Step = Callable[[AsyncSession, int, datetime], Awaitable[int]]


class Leadership:
    """A PostgreSQL session advisory lock held on its own connection (SQLite: always the leader)."""

    def __init__(self, db: Database, key: int = LOCK_KEY) -> None:
        self.db = db
        self.key = key
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self.db.is_sqlite or self._connection is not None

    async def check(self) -> bool:
        """Keep or try to take leadership; returns whether this process leads now."""
        if self.db.is_sqlite:
            return True
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection.execute(text("SELECT 1")), PING_TIMEOUT)
                return True
            except Exception:
                log.warning("lost the scheduler leadership connection")
                await self._drop()
        # Autocommit: the session-level lock outlives transactions, and the idle connection never
        # sits "idle in transaction" (which would hold back VACUUM or trip idle timeouts).
        connection = await self.db.engine.connect()
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = (await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})).scalar()
        except Exception:
            await connection.close()
            raise
        if got:
            self._connection = connection
            log.info("this process now runs the scheduler")
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()


class Scheduler:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        public_url: str = "",
        after_tick: Callable[[], None] | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.public_url = public_url
        self.after_tick = after_tick  # e.g. wake the outbox dispatcher
        self.leadership = leadership or Leadership(db)
        self._apscheduler: AsyncIOScheduler | None = None
        self._ticking = asyncio.Lock()  # the minute tick and a wake-up never run side by side

    async def tick(self, now: datetime | None = None) -> int:
        """Do everything due at ``now`` (prompts, reminders, digests, unity deadlines) if this
        process leads. Each schedule and window gets its own transaction: a failure is logged and
        retried on the next tick without holding up the rest. Returns messages queued."""
        async with self._ticking:
            return await self._tick(now)

    async def _tick(self, now: datetime | None) -> int:
        if not await self.leadership.check():
            return 0
        at = now or self.clock.now()
        async with self.db.session() as session:
            schedules = await checkins.due_schedules(session, at)
        queued = 0
        for schedule_id in schedules:
            queued += await self._step(checkins.fire, schedule_id, at, f"schedule #{schedule_id}")
        async with self.db.session() as session:
            windows = await checkins.due_windows(session, at)
        for window_id in windows:
            queued += await self._step(checkins.advance_window, window_id, at, f"check-in window #{window_id}")
        queued += await self._step(self._unity, 0, at, "unity deadlines")
        if queued and self.after_tick is not None:
            self.after_tick()
        await self._plan_wake(at)
        return queued

    async def _plan_wake(self, now: datetime) -> None:
        """Between the minute ticks, wake exactly when the next reminder or digest falls due (80% of
        a short window is rarely on a whole minute)."""
        if self._apscheduler is None:
            return
        async with self.db.session() as session:
            wake = await checkins.next_wake(session, now)
        if wake is not None and wake > self.clock.now():
            self._apscheduler.add_job(self._tick_job, "date", run_date=wake, id=WAKE_JOB, replace_existing=True)

    async def _unity(self, session: AsyncSession, _: int, at: datetime) -> int:
        return await run_deadlines(session, at, self.public_url)

    async def _step(self, work: Step, item: int, at: datetime, what: str) -> int:
        try:
            async with self.db.unit_of_work() as session:
                return await work(session, item, at)
        except Exception:
            log.exception("scheduled work on %s failed; the next tick retries", what)
            return 0

    async def _tick_job(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("scheduled tick failed; the next one retries")

    async def _leader_job(self) -> None:
        try:
            await self.leadership.check()
        except Exception:
            log.exception("leadership check failed")

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50}
        )
        scheduler.add_job(self._tick_job, "cron", second=0, id="coalition-bot-tick", replace_existing=True)
        scheduler.add_job(self._leader_job, "interval", seconds=15, id="coalition-bot-leader", replace_existing=True)
        scheduler.start()
        self._apscheduler = scheduler
        await self._tick_job()  # catch up at once after a restart

    async def stop(self) -> None:
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None
        async with self._ticking:  # let a tick in flight finish its transaction
            await self.leadership.release()
