"""Nothing acknowledged is lost. A platform that got its acknowledgement (Slack's 200, Discord's
deferral) does not send the request again, so a command, click or form is written down first, one
small row with the raw request (:mod:`bot.store.intake_repo`), and that row is deleted once the
answer went out. A process that dies in between leaves the row; the next one to start runs the
request again and answers it (:meth:`Intake.unanswered`). Running it again is safe: the core
claims each platform request id in the request's own unit of work, so one that was done before
the crash is answered as such, not done twice.

A row is *held* by the process answering it for ``HOLD`` (longer than any answer takes), so a
process starting while another is busy takes over only requests whose process is gone. Recording
never stands in the way of the acknowledgement: requests arriving together are written in one
commit, an acknowledgement waits for its row at most ``BUDGET`` (then the row is committed just
after it: a crash in that moment can still lose that request), and if the database cannot take the
row at all the request goes on without it (as it did before the intake existed)."""

from __future__ import annotations

import asyncio
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
BUDGET = 0.5  # seconds an acknowledgement waits for its request to be written down
Listener = Callable[[Any, dict[str, Any], Any], Awaitable[None]]


@dataclass(frozen=True)
class Unanswered:
    id: int
    kind: str
    payload: dict[str, Any]
    received_at: datetime
    attempts: int


class Entry:
    """A request being written down: the row's id once committed (None if it could not be)."""

    def __init__(self) -> None:
        self.written: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()


class Intake:
    """Requests are written in groups (one commit for a burst), and the acknowledgement waits for
    its request's group at most ``budget`` seconds: past that (a database slow under a burst) the
    request is acknowledged anyway and its row committed a moment later (Slack gives 3 seconds)."""

    def __init__(self, db: Database, clock: Clock, platform: str, *, budget: float = BUDGET) -> None:
        self.db = db
        self.clock = clock
        self.platform = platform
        self.budget = budget
        self._waiting: list[tuple[str, str, dict[str, Any], Entry]] = []
        self._writer: asyncio.Task[None] | None = None
        self.late = 0  # requests acknowledged before their row was committed (the budget ran out)

    async def receive(self, kind: str, key: str, payload: dict[str, Any], *, keep: bool = True) -> Entry:
        """Write the request down before it is acknowledged; returns the entry to pass to
        :meth:`answered`. ``key`` is the platform's id of the request (a retry of it keeps the first
        row). Never raises: a request the database cannot take goes on without its row. A request
        of a confidential command (``keep=False``: what a flag's reporter typed) is never written
        to the database, not even for a moment; a crash may lose it."""
        entry = Entry()
        if not keep:
            entry.written.set_result(None)
            return entry
        self._waiting.append((kind, key or f"anonymous:{secrets.token_hex(12)}", payload, entry))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name=f"{self.platform}-intake")
        try:
            await asyncio.wait_for(asyncio.shield(entry.written), self.budget)
        except TimeoutError:
            self.late += 1
        return entry

    async def _write(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            now = self.clock.now()
            try:
                ids = await intake_repo.record_many(
                    self.db, self.platform, [(kind, key, payload) for kind, key, payload, _ in group], now, now + HOLD
                )
            except Exception as error:
                log.warning(
                    "could not record %d %s request(s) before acknowledging: %r", len(group), self.platform, error
                )
                ids = [None] * len(group)
            for (_, _, _, entry), row_id in zip(group, ids, strict=True):
                if not entry.written.done():
                    entry.written.set_result(row_id)

    async def answered(self, entry: Entry | int | None) -> None:
        """The request was answered: forget it (after its row is written, if that is still under way)."""
        row_id = await entry.written if isinstance(entry, Entry) else entry
        if row_id is None:
            return
        try:
            await intake_repo.forget(self.db, row_id)
        except Exception as error:  # the row stays: a restart answers it again, as handled before
            log.warning("could not clear answered %s request %s: %r", self.platform, row_id, error)

    def kept(
        self,
        kind: str,
        key_of: Callable[[dict[str, Any]], str],
        listener: Listener,
        *,
        keep: Callable[[dict[str, Any]], Awaitable[bool]] | None = None,
    ) -> Listener:
        """``listener`` (a platform's ``(ack, body, client)`` handler that acknowledges and answers)
        with its request written down first (unless ``keep`` says not) and forgotten once the
        listener is done."""

        async def run(ack: Any, body: dict[str, Any], client: Any) -> None:
            kept = True if keep is None else await keep(body)
            entry = await self.receive(kind, key_of(body), body, keep=kept)
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
