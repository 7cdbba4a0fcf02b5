"""The daily backup as the scheduler leader's timed work (``BACKUP_DAILY=on``): due when the newest
copy in ``BACKUP_DIR`` is a day old or missing. The copy runs as a task of its own, so a long one
never holds up prompts and reminders; while it runs the job is not due again."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.core.workflow import JobEnv, TimedJob
from bot.ops.backup import make_backup
from bot.ops.rotation import newest_backup, stale
from bot.store.db import Database

log = logging.getLogger(__name__)
EVERY = timedelta(days=1)


class DailyBackup:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.folder = Path(settings.backup_dir)
        self.running: asyncio.Task[None] | None = None

    def job(self) -> TimedJob:
        return TimedJob(name="backup", due=self.due, run=self.run)

    async def due(self, session: AsyncSession, now: datetime) -> list[int]:
        if self.running is not None and not self.running.done():
            return []
        newest = await asyncio.to_thread(newest_backup, self.folder)
        return [1] if newest is None or now - newest[1] >= EVERY else []

    async def run(self, session: AsyncSession, item: int, now: datetime, env: JobEnv) -> int:
        self.running = asyncio.create_task(self._copy(now))
        return 0

    async def _copy(self, now: datetime) -> None:
        try:
            path, _manifest = await make_backup(self.db, self.folder, now=now)
            log.info("daily backup written to %s", path)
            keep = self.settings
            for old in stale(
                self.folder,
                daily=keep.backup_keep_daily,
                weekly=keep.backup_keep_weekly,
                monthly=keep.backup_keep_monthly,
            ):
                log.info("removing the older backup %s", old.name)
                old.unlink(missing_ok=True)
        except Exception:
            log.exception("the daily backup failed; the next tick tries again")


def backup_jobs(db: Database, settings: Settings) -> list[TimedJob]:
    return [DailyBackup(db, settings).job()] if settings.backup_daily else []
