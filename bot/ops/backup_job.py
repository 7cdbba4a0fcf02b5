"""The daily backup as the scheduler leader's timed work (``BACKUP_DAILY=on``): due when the newest
copy in ``BACKUP_DIR`` is a day old or missing. The copy is ``coalition-bot backup`` in a child
process: checksumming a million rows is CPU work that would hold the bot's event loop for hundreds
of milliseconds at a time (bench/backup.py), and a long copy never holds up prompts and reminders.
While it runs the job is not due again."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.core.workflow import JobEnv, TimedJob
from bot.ops.rotation import newest_backup
from bot.store.db import Database

log = logging.getLogger(__name__)
EVERY = timedelta(days=1)


class DailyBackup:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.database_url = db.engine.url.render_as_string(hide_password=False)
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
        self.running = asyncio.create_task(self._copy())
        return 0

    async def _copy(self) -> None:
        environment = {**os.environ, "DATABASE_URL": self.database_url, "BACKUP_DIR": str(self.folder)}
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "backup",
                env=environment,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await child.communicate()
        except Exception:
            log.exception("the daily backup could not start; the next tick tries again")
            return
        for line in output.decode(errors="replace").splitlines():
            log.info("backup: %s", line)
        if child.returncode:
            log.error("the daily backup failed (exit %s); the next tick tries again", child.returncode)


def backup_jobs(db: Database, settings: Settings) -> list[TimedJob]:
    return [DailyBackup(db, settings).job()] if settings.backup_daily else []
