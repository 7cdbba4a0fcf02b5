"""Nothing acknowledged is lost. A platform that got its acknowledgement (Slack's 200, Discord's
deferral) does not send the request again, so a command, click or form is written down first, one
small row with the raw request (:mod:`bot.store.intake_repo`), and that row is deleted once the
answer went out. A process that dies in between leaves the row; the next one to start runs the
request again and answers it (:meth:`Intake.unanswered`). Running it again is safe: the core
claims each platform request id in the request's own unit of work, so one that was done before
the crash is answered as such, not done twice.

A row is *held* by the process answering it for ``HOLD`` (longer than any answer takes), so a
process starting while another is busy takes over only requests whose process is gone. Recording
never stands in the way of the acknowledgement: if the database cannot take the row, the request
goes on without it (as it did before the intake existed)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.store import intake_repo
from bot.store.db import Database

log = logging.getLogger(__name__)

HOLD = timedelta(minutes=2)
Listener = Callable[[Any, dict[str, Any], Any], Awaitable[None]]


@dataclass(frozen=True)
class Unanswered:
    id: int
    kind: str
    payload: dict[str, Any]
    received_at: datetime
    attempts: int


class Intake:
    def __init__(self, db: Database, clock: Clock, platform: str) -> None:
        self.db = db
        self.clock = clock
        self.platform = platform

    async def receive(self, kind: str, key: str, payload: dict[str, Any]) -> int | None:
        """Write the request down before it is acknowledged; returns the entry to pass to
        :meth:`answered`, or None when it could not be written (the request goes on regardless).
        ``key`` is the platform's id of the request (a retry of it keeps the first row)."""
        now = self.clock.now()
        key = key or f"anonymous:{secrets.token_hex(12)}"
        try:
            return await intake_repo.record(self.db, self.platform, kind, key, payload, now, now + HOLD)
        except Exception as error:
            log.warning("could not record a %s %s before acknowledging it: %r", self.platform, kind, error)
            return None

    async def answered(self, entry: int | None) -> None:
        if entry is None:
            return
        try:
            await intake_repo.forget(self.db, entry)
        except Exception as error:  # the row stays: a restart answers it again, as handled before
            log.warning("could not clear answered %s request %s: %r", self.platform, entry, error)

    def kept(self, kind: str, key_of: Callable[[dict[str, Any]], str], listener: Listener) -> Listener:
        """``listener`` (a platform's ``(ack, body, client)`` handler that acknowledges and answers)
        with its request written down first and forgotten once the listener is done."""

        async def run(ack: Any, body: dict[str, Any], client: Any) -> None:
            entry = await self.receive(kind, key_of(body), body)
            await listener(ack, body, client)
            await self.answered(entry)  # not reached when the process dies

        return run

    async def unanswered(self) -> list[Unanswered]:
        """Requests whose process died before answering them, now held by this process."""
        now = self.clock.now()
        rows = await intake_repo.take_over(self.db, self.platform, now, now + HOLD)
        return [
            Unanswered(row.id, row.kind, dict(row.payload), row.received_at, row.attempts)
            for row in rows
            if row.id is not None
        ]
