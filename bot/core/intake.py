"""Nothing acknowledged is lost. A platform that got its acknowledgement (Slack's 200, Discord's
deferral) does not send the request again, so a command, click or form is written down first, one
small row with the raw request (:mod:`bot.store.intake_repo`), and that row is deleted once the
answer went out. A process that dies in between leaves the row; the next one to start runs the
request again and answers it (:meth:`Intake.unanswered`). Running it again is safe: the core
claims each platform request id in the request's own unit of work, so one that was done before
the crash is answered as such, not done twice.

A row is *held* by the process answering it for ``HOLD`` (longer than any answer takes), so a
process starting while another is busy takes over only requests whose process is gone. Recording
never stands in the way of the acknowledgement, and comes first under a burst: one writer task per
intake, with a connection of its own while it has work, writes every request waiting in one short
transaction (then the next group), and on SQLite the units of work starting meanwhile wait for
those rows (:meth:`~bot.store.db.Database.let_ahead`), so a request's row does not queue behind the
work of the requests acknowledged before it (SQLite has one writer). An acknowledgement waits for its row
until ``BUDGET`` after the request *arrived* (:func:`arrived`; Slack's 3 seconds start when it
sends), so time the request already spent in the adapter is counted; past that the request is
acknowledged anyway (``Intake.late``) and its row committed just after (a crash in that moment
can still lose that request). If the database cannot take the row at all the request goes on
without it (as it did before the intake existed). Answered rows are deleted in groups by the same
writer, after the rows waiting to be written."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.store import intake_repo
from bot.store.db import Database

log = logging.getLogger(__name__)

HOLD = timedelta(minutes=2)
BUDGET = 2.0  # an acknowledgement waits for its request's row until this many seconds after it arrived
Listener = Callable[[Any, dict[str, Any], Any], Awaitable[None]]

_arrival: ContextVar[float | None] = ContextVar("intake_arrival", default=None)


def arrived(at: float | None = None) -> None:
    """The request handled in this context arrived now, or at ``at`` (the event loop's time): call it
    as early as the adapter can (Slack's HTTP endpoint); tasks started from here on inherit it.
    Without it, a request counts as arrived when it reaches :meth:`Intake.receive`."""
    _arrival.set(asyncio.get_running_loop().time() if at is None else at)


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


Waiting = tuple[str, str, dict[str, Any], Entry]


class Intake:
    """Requests are written in groups (one commit for a burst) by one writer task, on SQLite ahead of
    the units of work that start meanwhile; the acknowledgement waits for its request's row until
    ``budget`` seconds after the request arrived: past that (a database slow under a burst) the
    request is acknowledged anyway and its row committed a moment later (Slack gives 3 seconds)."""

    def __init__(self, db: Database, clock: Clock, platform: str, *, budget: float = BUDGET) -> None:
        self.db = db
        self.clock = clock
        self.platform = platform
        self.budget = budget
        self._waiting: list[Waiting] = []
        self._gone: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.late = 0  # requests acknowledged before their row was committed (the budget ran out)

    async def receive(
        self, kind: str, key: str, payload: dict[str, Any], *, keep: bool = True, budget: float | None = None
    ) -> Entry:
        """Write the request down before it is acknowledged; returns the entry to pass to
        :meth:`answered`. ``key`` is the platform's id of the request (a retry of it keeps the first
        row). Never raises: a request the database cannot take goes on without its row. A request
        of a confidential command (``keep=False``: what a flag's reporter typed) is never written
        to the database, not even for a moment; a crash may lose it. ``budget``: this request's
        own (seconds after it arrived), where more work comes before its acknowledgement."""
        entry = Entry()
        if not keep:
            entry.written.set_result(None)
            return entry
        loop = asyncio.get_running_loop()
        self._waiting.append((kind, key or f"anonymous:{secrets.token_hex(12)}", payload, entry))
        self.db.let_ahead(entry.written)
        self._write_soon()
        left = (self.budget if budget is None else budget) - (loop.time() - (_arrival.get() or loop.time()))
        if left > 0:
            await asyncio.wait({entry.written}, timeout=left)
        if not entry.written.done():
            self.late += 1
        return entry

    async def answered(self, entry: Entry | int | None) -> None:
        """The request was answered: forget it (after its row is written, if that is still under way)."""
        row_id = await entry.written if isinstance(entry, Entry) else entry
        if row_id is None:
            return
        forgotten: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._gone.append((row_id, forgotten))
        self._write_soon()
        await forgotten

    def _write_soon(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name=f"{self.platform}-intake")

    async def _write(self) -> None:
        """Until nothing is left: the requests waiting to be written (first), then the answered ones
        to forget, each group one transaction on the writer's own connection. A database error ends
        the connection and settles what is waiting at that moment: those requests go on without
        their rows (answered rows stay, to be answered again after a restart); the next request
        gets a fresh connection."""
        try:
            while self._waiting or self._gone:
                try:
                    async with intake_repo.connection(self.db) as connection:
                        while self._waiting or self._gone:
                            if self._waiting:
                                await self._record(connection)
                            else:
                                await self._forget(connection)
                except Exception as error:
                    self._give_up(error)
        finally:  # cancelled (the process stops): nobody waits for these rows any longer
            self._give_up(None)

    async def _record(self, connection: Any) -> None:
        group, self._waiting = self._waiting, []
        now = self.clock.now()
        try:
            ids = await intake_repo.record_group(
                connection, self.platform, [(kind, key, payload) for kind, key, payload, _ in group], now, now + HOLD
            )
        except BaseException:
            self._waiting = group + self._waiting
            raise
        for (_, _, _, entry), row_id in zip(group, ids, strict=True):
            if not entry.written.done():
                entry.written.set_result(row_id)

    async def _forget(self, connection: Any) -> None:
        gone, self._gone = self._gone, []
        try:
            await intake_repo.forget_group(connection, [row_id for row_id, _ in gone])
        except BaseException:
            self._gone = gone + self._gone
            raise
        for _, forgotten in gone:
            if not forgotten.done():
                forgotten.set_result(None)

    def _give_up(self, error: BaseException | None) -> None:
        group, self._waiting = self._waiting, []
        gone, self._gone = self._gone, []
        if error is not None and group:
            log.warning("could not record %d %s request(s) before acknowledging: %r", len(group), self.platform, error)
        if error is not None and gone:  # the rows stay: a restart answers them again, as handled before
            log.warning("could not clear %d answered %s request(s): %r", len(gone), self.platform, error)
        for _, _, _, entry in group:
            if not entry.written.done():
                entry.written.set_result(None)
        for _, forgotten in gone:
            if not forgotten.done():
                forgotten.set_result(None)

    def kept(
        self,
        kind: str,
        key_of: Callable[[dict[str, Any]], str],
        listener: Listener,
        *,
        keep: Callable[[dict[str, Any]], Awaitable[bool]] | None = None,
        budget: float | None = None,
    ) -> Listener:
        """``listener`` (a platform's ``(ack, body, client)`` handler that acknowledges and answers)
        with its request written down first (unless ``keep`` says not; waiting for the row as
        :meth:`receive` with ``budget``) and forgotten once the listener is done."""

        async def run(ack: Any, body: dict[str, Any], client: Any) -> None:
            kept = True if keep is None else await keep(body)
            entry = await self.receive(kind, key_of(body), body, keep=kept, budget=budget)
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
