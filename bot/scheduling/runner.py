"""The scheduler process: one leader runs the timed work every minute, on the minute.

The work is the workflows' :class:`~bot.core.workflow.TimedJob`s, handed in by the caller (``serve``,
the console); this module names none of them. What is due lives in the workflows' tables, never in
an APScheduler job store: APScheduler's ``AsyncIOScheduler`` (memory job store) only provides the
clockwork — a job at second 0 of every minute (all prompt times are whole minutes; this also picks
up schedules other processes changed) that runs :meth:`Scheduler.tick`, a one-off wake-up at the
earliest moment any job's ``next_wake`` names (planned after every tick), and a job every
``leader_interval`` seconds that checks leadership. ``tick`` is idempotent, so a late or doubled run is harmless, and a restart
simply continues from the rows.

Leadership: on PostgreSQL, the process holding a session-level advisory lock on a dedicated
autocommit connection is the leader; every ``serve`` process runs a :class:`Scheduler`, and the
others are followers whose ticks do nothing. If the leader dies, its connection closes, PostgreSQL
releases the lock, and the next follower to check takes over: followers check every
``leader_interval`` seconds (``SCHEDULER_LEADER_INTERVAL``, 10 by default), so a takeover takes at
most about that long. A follower that becomes the leader ticks at once (the catch-up a restart
does), so work the old leader left due is not held back to the next minute. On SQLite only one
process may run, and it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock, SystemClock
from bot.core.workflow import JobEnv, TimedJob
from bot.store.db import Database
from bot.store.repo import put_state

log = logging.getLogger(__name__)
LOCK_KEY = 7242312  # the migration lock is 7242311
WAKE_JOB = "coalition-bot-wake"
PING_TIMEOUT = 10.0  # seconds; a leader that cannot reach the database in this time steps down
LEADER_INTERVAL = 10.0  # seconds between leadership checks: the longest a takeover waits
HEARTBEAT = "scheduler:heartbeat"  # BotState key: when the leader last ticked (``coalition-bot doctor``)
Step = Callable[[AsyncSession, int, datetime, JobEnv], Awaitable[int]]


class Leadership:
    """A PostgreSQL session advisory lock held on its own connection (SQLite: always the leader)."""

    def __init__(self, db: Database, key: int = LOCK_KEY) -> None:
        self.db = db
        self.key = key
        self._connection: AsyncConnection | None = None
        self.taken = 0  # times this process became the leader (PostgreSQL), for /metrics

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
            self.taken += 1
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
        jobs: Sequence[TimedJob] = (),
        clock: Clock | None = None,
        public_url: str = "",
        after_tick: Callable[[], None] | None = None,
        leadership: Leadership | None = None,
        leader_interval: float = LEADER_INTERVAL,
    ) -> None:
        self.db = db
        self.jobs = tuple(jobs)
        self.clock = clock or SystemClock()
        self.env = JobEnv(public_url=public_url)
        self.after_tick = after_tick  # e.g. wake the outbox dispatcher
        self.leadership = leadership or Leadership(db)
        self.leader_interval = leader_interval
        self.ticks = 0  # ticks run as the leader, for /metrics
        self.last_tick: float | None = None  # wall-clock time (Unix seconds) of the last one
        self._apscheduler: AsyncIOScheduler | None = None
        self._ticking = asyncio.Lock()  # the minute tick and a wake-up never run side by side

    async def tick(self, now: datetime | None = None) -> int:
        """Do everything due at ``now`` if this process leads: every job's due items, in the order
        of the jobs. Each item gets its own transaction: a failure is logged and retried on the
        next tick without holding up the rest. Returns messages queued."""
        async with self._ticking:
            return await self._tick(now)

    async def _tick(self, now: datetime | None) -> int:
        if not await self.leadership.check():
            return 0
        self.ticks += 1
        self.last_tick = time.time()
        at = now or self.clock.now()
        await self._beat(at)
        queued = 0
        for job in self.jobs:
            try:
                async with self.db.session() as session:
                    items = list(await job.due(session, at))
            except Exception:
                log.exception("could not list what %s has due; the next tick retries", job.name)
                continue
            for item in items:
                queued += await self._step(job.run, item, at, f"{job.name} #{item}")
        if queued and self.after_tick is not None:
            self.after_tick()
        await self._plan_wake(at)
        return queued

    async def _beat(self, at: datetime) -> None:
        """Record the tick in the database, so ``doctor`` (another process) sees a scheduler that stopped."""
        try:
            async with self.db.unit_of_work() as session:
                await put_state(session, HEARTBEAT, {"at": at.isoformat(), "ticks": self.ticks})
        except Exception:
            log.warning("could not record the scheduler's heartbeat", exc_info=True)

    async def next_wake(self, now: datetime) -> datetime | None:
        """The earliest moment after ``now`` that any job says something falls due."""
        moments = []
        async with self.db.session() as session:
            for job in self.jobs:
                if job.next_wake is not None:
                    moment = await job.next_wake(session, now)
                    if moment is not None:
                        moments.append(moment)
        return min(moments, default=None)

    async def _plan_wake(self, now: datetime) -> None:
        """Between the minute ticks, wake exactly when the next item falls due (80% of a short
        check-in window is rarely on a whole minute)."""
        if self._apscheduler is None:
            return
        wake = await self.next_wake(now)
        if wake is not None and wake > self.clock.now():
            self._apscheduler.add_job(self._tick_job, "date", run_date=wake, id=WAKE_JOB, replace_existing=True)

    async def _step(self, work: Step, item: int, at: datetime, what: str) -> int:
        try:
            async with self.db.unit_of_work() as session:
                return await work(session, item, at, self.env)
        except Exception:
            log.exception("scheduled work on %s failed; the next tick retries", what)
            return 0

    async def _tick_job(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("scheduled tick failed; the next one retries")

    async def _leader_job(self) -> None:
        """Keep or take leadership; a process that just took it ticks at once."""
        was = self.leadership.held
        try:
            leads = await self.leadership.check()
        except Exception:
            log.exception("leadership check failed")
            return
        if leads and not was:
            await self._tick_job()

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50}
        )
        scheduler.add_job(self._tick_job, "cron", second=0, id="coalition-bot-tick", replace_existing=True)
        scheduler.add_job(
            self._leader_job, "interval", seconds=self.leader_interval, id="coalition-bot-leader", replace_existing=True
        )
        scheduler.start()
        self._apscheduler = scheduler
        await self._tick_job()  # catch up at once after a restart

    def metrics(self) -> dict[str, float]:
        """For /metrics: whether this process leads the scheduler now, and what it did as leader."""
        values = {
            "scheduler_leader": 1.0 if self.leadership.held else 0.0,
            "scheduler_leader_taken_total": float(self.leadership.taken),
            "scheduler_ticks_total": float(self.ticks),
        }
        if self.last_tick is not None:
            values["scheduler_last_tick_timestamp_seconds"] = self.last_tick
        return values

    async def stop(self) -> None:
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None
        async with self._ticking:  # let a tick in flight finish its transaction
            await self.leadership.release()
