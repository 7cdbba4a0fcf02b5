"""The outbox dispatcher: sends due :class:`OutboxMessage` rows through each platform's messenger.

The guarantee, precisely:

* **Nothing is lost.** A row is written in the same transaction as the state change that caused it
  and stays until the platform accepted it (``sent``) or it failed ``max_attempts`` times or
  permanently (``parked``, listed to steering in ``/coalition status``).
* **Nothing is sent twice** by retries or by several dispatchers: a row is *claimed* (status
  ``sending``, ``not_before`` = lease expiry) in its own committed transaction before it is sent —
  on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so two processes never claim the same row — and
  marked ``sent`` right after the platform accepted it. A claim is only used while it has time
  left: a row whose lease (``OUTBOX_LEASE_SECONDS``) is about to run out while it waits its turn is
  not sent but left to the next claim, so a slow batch never races another process that may take
  the row once the lease is over. The one remaining window is a process dying between the
  platform's acceptance and that commit: when the lease expires the row is retried.
  Each row has a *delivery key* (:func:`delivery_key`), stable across retries and processes, that
  messengers may keep with the message: a messenger that can look messages up by it (``find``,
  optional; Slack reads it back from message metadata) is asked first, so such a row is recorded
  instead of resent, and one whose platform deduplicates by it (Discord's enforced nonce) gets the
  first message back when it sends again. A messenger with neither may repeat that single message:
  its rows (and scheduled events) are recorded one commit each, right after the send; rows that
  cannot be sent twice (found by key, deduplicated by the platform, or updates) are recorded in
  small groups (``record_group`` sends or ``record_delay`` seconds), which widens the window to a
  group without adding a way to send twice.
* **Rate limits**: per platform and per channel (GCRA, :mod:`bot.delivery.ratelimit`), waited out
  before sending; a 429 ``Retry-After`` pushes the channel (and the row) back without counting as a
  failure. Other failures retry with exponential backoff and jitter; on a platform that otherwise
  works (:meth:`Dispatcher.healthy`) the first two retries come sooner, so an isolated 500 at the
  end of a fan-out does not hold it for seconds.
* **No batch barrier** when running (:meth:`Dispatcher.start`): rows are claimed whenever fewer than
  ``batch`` are in flight and each goes to its channel's lane at once, so a retry that comes due
  joins the sends under way. :meth:`Dispatcher.drain` (the console, tests) works pass by pass.
* **Order**: rows of one channel go in id order, one at a time (a post before its later update);
  channels proceed concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import random
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import update
from sqlmodel import col, or_, select

from bot.core.clock import Clock, SystemClock
from bot.core.codec import decode_reply
from bot.core.context import Place
from bot.core.delivery import CalendarEvent, DeliveryError, EventScheduler, MessageRef, Messenger
from bot.delivery.ratelimit import DEFAULT_LIMITS, FALLBACK, PlatformLimits, RateLimiter
from bot.store.db import Database
from bot.store.outbox_models import OutboxKind, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

HEALTH_WINDOW = 20  # a platform's last answers considered by Dispatcher.healthy
HEALTH_SAMPLE = 10  # …of which at least this many, before a platform counts as healthy
HEALTH_FAILURES = 0.2  # …and at most this share failed
QUICK_RETRIES = 2  # on a healthy platform, the first retries of a row…
QUICK_FACTOR = 0.25  # …wait this share of the usual backoff


class Finder(Protocol):
    async def find(self, place: Place, key: str) -> MessageRef | None: ...


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    parked: int = 0
    recovered: int = 0
    expired: int = 0  # left to the next claim: the lease ran short while waiting its turn
    by_platform: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Dispatcher:
    def __init__(
        self,
        db: Database,
        messengers: Mapping[str, Messenger],
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        limits: Mapping[str, PlatformLimits] | None = None,
        batch: int = 200,
        concurrency: int = 32,
        max_attempts: int = 8,
        lease: timedelta = timedelta(minutes=2),
        poll_interval: float = 1.0,
        rng: random.Random | None = None,
        on_send: Callable[[OutboxMessage], Awaitable[None]] | None = None,
        record_group: int = 25,
        record_delay: float = 0.05,
    ) -> None:
        self.db = db
        self.messengers = dict(messengers)
        self._keyed = {
            platform: frozenset(name for name in ("post", "direct") if takes_key(getattr(messenger, name)))
            for platform, messenger in self.messengers.items()
        }
        self.clock = clock or SystemClock()
        self.sleep: Sleep = sleep or asyncio.sleep
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.batch = batch
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.lease = lease
        self.lease_margin = min(lease / 4, timedelta(seconds=30))  # time a send may take, at most
        self.poll_interval = poll_interval
        self.rng = rng or random.Random()
        self.on_send = on_send  # a test hook: runs after the platform accepted, before recording
        self.record_group = record_group  # sends recorded in one commit (rows a crash cannot duplicate)
        self.record_delay = record_delay  # …or after this many seconds, whichever comes first
        self.limiter = RateLimiter()
        self.stats = DeliveryStats()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._outcomes: dict[str, deque[bool]] = defaultdict(lambda: deque(maxlen=HEALTH_WINDOW))
        self._unrecorded: list[tuple[OutboxMessage, MessageRef | None, dict[str, Any]]] = []
        self._recording = asyncio.Lock()
        self._in_flight = 0  # rows the running loop claimed and has not finished with
        self._more = False  # the loop's last claim was full: more rows may be due
        self._next_retry: datetime | None = None

    # lifecycle ---------------------------------------------------------------------------------

    def kick(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self._flush()  # a graceful stop records what was sent (a crash leaves it to the leases)
        except Exception:
            log.exception("could not record %d sent outbox rows; their leases bring them back", len(self._unrecorded))

    async def _loop(self) -> None:
        """A continuous pipeline: claim due rows whenever fewer than ``batch`` are in flight, hand
        each to its channel's lane at once (no batch barrier: a retry due in the middle of a fan-out
        joins it), record sends in small groups, and sleep until something is queued, a retry comes
        due, or ``poll_interval`` passes."""
        lanes: dict[tuple[str, str, str], deque[tuple[OutboxMessage, bool]]] = {}
        workers: set[asyncio.Task[None]] = set()
        gate = asyncio.Semaphore(self.concurrency)
        recorder = asyncio.create_task(self._recorder(), name="outbox-recorder")
        self._in_flight, self._more = 0, False  # rows a stopped loop held wait for their leases

        async def run_lane(key: tuple[str, str, str]) -> None:
            queue = lanes[key]
            try:
                async with gate:
                    while queue:
                        row, recovering = queue.popleft()
                        try:
                            outcome = await self._send_one(row, recovering)
                        finally:
                            self._done(1)
                        if outcome == "later":  # rate limited: the rest of the lane waits too
                            rest = [waiting for waiting, _ in queue]
                            queue.clear()
                            self._done(len(rest))
                            await self._release(rest, row.not_before)
                        elif outcome == "expired":  # the rest waits for its leases, so the lane keeps its order
                            self.stats.expired += len(queue)
                            self._done(len(queue))
                            queue.clear()
            except Exception:
                log.exception("outbox lane %s failed; its rows are retried when their lease ends", key)
                self._done(len(queue))
                queue.clear()
            finally:
                if lanes.get(key) is queue and not queue:
                    del lanes[key]

        try:
            while True:
                self._wake.clear()
                room = self.batch - self._in_flight
                if room >= max(1, self.batch // 4):  # top up in chunks, not a row at a time
                    try:
                        rows, recovering = await self._claim(room)
                    except Exception:
                        log.exception("outbox dispatcher could not claim rows; retrying")
                        rows, recovering = [], set()
                    self._more = len(rows) == room
                    self._in_flight += len(rows)
                    for row in rows:
                        key = (row.platform, row.workspace, row.target)
                        queue = lanes.get(key)
                        if queue is None:
                            queue = lanes[key] = deque()
                            queue.append((row, row.id in recovering))
                            worker = asyncio.create_task(run_lane(key), name=f"outbox-lane-{key[2]}")
                            workers.add(worker)
                            worker.add_done_callback(workers.discard)
                        else:
                            queue.append((row, row.id in recovering))
                    if self._more and self._in_flight < self.batch:
                        continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_timeout())
        finally:
            for worker in list(workers):
                worker.cancel()
            recorder.cancel()
            await asyncio.gather(*workers, recorder, return_exceptions=True)

    def _done(self, rows: int) -> None:
        """The loop finished with ``rows``; wake it if that made room for rows still due."""
        self._in_flight -= rows
        if rows and self._more and self.batch - self._in_flight >= max(1, self.batch // 4):
            self._wake.set()

    def _idle_timeout(self) -> float:
        """How long the loop may sleep: until the earliest known retry is due, at most ``poll_interval``."""
        if self._next_retry is None:
            return self.poll_interval
        due = (self._next_retry - self.clock.now()).total_seconds()
        if due <= 0:
            self._next_retry = None
            return 0.0
        return min(self.poll_interval, due)

    async def _recorder(self) -> None:
        while True:
            await asyncio.sleep(self.record_delay)
            if self._unrecorded:
                try:
                    await self._flush()
                except Exception:
                    log.exception("could not record sent outbox rows; retrying")

    async def drain(self, max_passes: int = 1000) -> int:
        """Send everything due now (the console and tests use this); returns rows handled."""
        total = 0
        for _ in range(max_passes):
            handled = await self.run_once()
            if not handled:
                break
            total += handled
        return total

    # one pass ----------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """One pass: claim up to ``batch`` due rows, send them (channels concurrently), record them."""
        rows, recovering = await self._claim(self.batch)
        if not rows:
            return 0
        lanes: dict[tuple[str, str, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            lanes[(row.platform, row.workspace, row.target)].append(row)
        gate = asyncio.Semaphore(self.concurrency)

        async def run_lane(lane: list[OutboxMessage]) -> None:
            async with gate:
                await self._send_lane(lane, recovering)

        try:
            async with asyncio.TaskGroup() as group:  # one lane failing hard stops them all
                for lane in lanes.values():
                    group.create_task(run_lane(lane))
        except Exception:
            await self._flush()  # what was sent before the failure
            raise
        await self._flush()
        return len(rows)

    async def _claim(self, limit: int) -> tuple[list[OutboxMessage], set[int]]:
        now = self.clock.now()
        async with self.db.unit_of_work() as session:
            query = (
                select(OutboxMessage)
                .where(
                    or_(
                        OutboxMessage.status == OutboxStatus.PENDING.value,
                        OutboxMessage.status == OutboxStatus.SENDING.value,  # an expired lease
                    ),
                    col(OutboxMessage.not_before) <= now,
                    col(OutboxMessage.platform).in_(list(self.messengers)),
                )
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            candidates = list((await session.exec(query)).all())
            session.expunge_all()
            if not candidates:
                return [], set()
            lease_until = now + self.lease
            # One compare-and-set for the whole batch: only rows still due are taken, so where SKIP
            # LOCKED is not available (SQLite serialises writers) a competing dispatcher that read
            # the same rows takes none of those this one took.
            result = await session.exec(
                update(OutboxMessage)  # type: ignore[call-overload]
                .where(
                    col(OutboxMessage.id).in_([row.id for row in candidates]),
                    col(OutboxMessage.status).in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
                    col(OutboxMessage.not_before) <= now,
                )
                .values(status=OutboxStatus.SENDING.value, not_before=lease_until)
                .returning(col(OutboxMessage.id))
                .execution_options(synchronize_session=False)
            )
            won = {row_id for (row_id,) in result.all()}
            rows = [row for row in candidates if row.id in won]
            recovering = {row.id for row in rows if row.status == OutboxStatus.SENDING.value and row.id is not None}
            for row in rows:
                row.status = OutboxStatus.SENDING.value
                row.not_before = lease_until
        return rows, recovering

    async def _send_lane(self, lane: list[OutboxMessage], recovering: set[int]) -> None:
        for index, row in enumerate(lane):
            outcome = await self._send_one(row, row.id in recovering)
            if outcome == "later":  # the channel is rate limited: the rest of the lane waits too
                await self._release(lane[index + 1 :], row.not_before)
                return
            if outcome == "expired":  # so is the claim on the rest: the next claim takes them, in order
                self.stats.expired += len(lane) - index - 1
                return

    async def _send_one(self, row: OutboxMessage, recovering: bool) -> str:
        messenger = self.messengers[row.platform]
        place = Place(row.platform, row.workspace, row.target)
        limits = self.limits.get(row.platform, FALLBACK)
        channel_key = f"{row.platform}:{row.workspace}:{row.target}"
        try:
            key = delivery_key(row)
            if recovering and row.kind in (OutboxKind.POST.value, OutboxKind.DIRECT.value):
                found = await self._find(messenger, place, key)
                if found is not None:
                    self.stats.recovered += 1
                    await self._record_sent(row, found, row.payload)
                    return "sent"
            replies = (OutboxKind.POST.value, OutboxKind.DIRECT.value, OutboxKind.UPDATE.value)
            reply = decode_reply(row.payload) if row.kind in replies else None  # before its turn, not in it
            await self._wait_turn(row.platform, channel_key, limits)
            if self.clock.now() >= row.not_before - self.lease_margin:
                # The claim runs out: another dispatcher may take the row any moment (and ask the
                # platform first). Sending now could race it; leave the row, still in lane order.
                self.stats.expired += 1
                return "expired"
            ref: MessageRef | None = None
            keyed = self._keyed[row.platform]  # the messenger's sends that keep the key with the message
            if row.kind == OutboxKind.POST.value:
                assert reply is not None
                ref = await messenger.post(place, reply, **({"outbox_key": key} if "post" in keyed else {}))
            elif row.kind == OutboxKind.DIRECT.value:
                assert reply is not None
                options = {"outbox_key": key} if "direct" in keyed else {}
                ref = await messenger.direct(row.workspace, row.target, reply, **options)
            elif row.kind == OutboxKind.UPDATE.value:
                assert reply is not None
                if not row.message_id:
                    raise DeliveryError("nothing to update: the message id is unknown", permanent=True)
                await messenger.update(MessageRef(row.platform, row.workspace, row.target, row.message_id), reply)
            elif row.kind in (OutboxKind.EVENT.value, OutboxKind.EVENT_CANCEL.value):
                ref = await self._send_event(messenger, row)
            else:
                raise DeliveryError(f"unknown outbox kind {row.kind!r}", permanent=True)
            self._outcome(row.platform, failed=False)
            if self.on_send is not None:
                await self.on_send(row)
        except DeliveryError as error:
            return await self._failed(row, error, channel_key)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unexpected library error: retry, then park
            log.exception("outbox row %s failed unexpectedly", row.id)
            return await self._failed(row, DeliveryError(repr(error)), channel_key)
        if self._findable(row):
            await self._record_later(row, ref, row.payload)
        else:
            await self._record_sent(row, ref, row.payload)
        return "sent"

    async def _send_event(self, messenger: Messenger, row: OutboxMessage) -> MessageRef | None:
        """Create a scheduled event (its id becomes the row's ``message_id``) or delete one."""
        if not callable(getattr(messenger, "schedule_event", None)):
            raise DeliveryError(f"{row.platform} has no scheduled events", permanent=True)
        scheduler = cast(EventScheduler, messenger)
        if row.kind == OutboxKind.EVENT.value:
            created = await scheduler.schedule_event(row.workspace, CalendarEvent.from_payload(row.payload))
            return MessageRef(row.platform, row.workspace, row.target, created)
        retracted = row.message_id or await self._created_event(row)
        if retracted:
            await scheduler.cancel_event(row.workspace, retracted)
        return None

    async def _created_event(self, row: OutboxMessage) -> str | None:
        """The id of the event a cancellation retracts, once the row that creates it has been sent;
        ``None`` if that row was never sent (nothing to delete)."""
        async with self.db.session() as session:
            source = await session.get(OutboxMessage, row.payload.get("event_row"))
        if source is None or source.status in (OutboxStatus.CANCELLED.value, OutboxStatus.PARKED.value):
            return None
        if source.status != OutboxStatus.SENT.value:
            raise DeliveryError("the event is still being created; deleting it once it exists")
        return source.message_id

    async def _find(self, messenger: Messenger, place: Place, key: str) -> MessageRef | None:
        finder: Any = getattr(messenger, "find", None)
        if finder is None:
            return None
        try:
            found: MessageRef | None = await finder(place, key)
            return found
        except DeliveryError:
            return None

    async def _wait_turn(self, platform: str, channel_key: str, limits: PlatformLimits) -> None:
        now = self.clock.now().timestamp()
        wait = self.limiter.reserve_both(channel_key, limits.per_channel, f"{platform}:*", limits.overall, now)
        if wait > 0:
            await self.sleep(wait)
            self.limiter.sent(channel_key, limits.per_channel, self.clock.now().timestamp())  # woke late?

    def _findable(self, row: OutboxMessage) -> bool:
        """Whether a crash between this row's send and its record cannot send it twice: an update
        sends the same content again, and a post or direct message can be found again by its
        delivery key (``find``) or is deduplicated by the platform (a key kept with the message).
        Only such rows are recorded in groups; any other (a scheduled event, a messenger with
        neither) is recorded in a commit of its own right after the platform accepted it."""
        if row.kind == OutboxKind.UPDATE.value:
            return True
        if row.kind == OutboxKind.POST.value:
            return "post" in self._keyed[row.platform] or callable(getattr(self.messengers[row.platform], "find", None))
        if row.kind == OutboxKind.DIRECT.value:
            return "direct" in self._keyed[row.platform] or callable(
                getattr(self.messengers[row.platform], "find", None)
            )
        return False

    async def _record_later(self, row: OutboxMessage, ref: MessageRef | None, sent_payload: dict[str, Any]) -> None:
        """Record the send with others: at ``record_group`` sends, after ``record_delay`` seconds (the
        running loop) or at the end of the pass. Until then the row stays claimed; a crash leaves it
        to the lease, and the next dispatcher finds it (or the platform deduplicates it)."""
        self._unrecorded.append((row, ref, sent_payload))
        if len(self._unrecorded) >= self.record_group:
            await self._flush()

    async def _flush(self) -> None:
        """Record the sends waiting to be recorded, in one commit."""
        async with self._recording:
            group = list(self._unrecorded)
            if not group:
                return
            await self._record(group)
            del self._unrecorded[: len(group)]  # only once committed (a cancelled flush is done again)

    async def _record_sent(self, row: OutboxMessage, ref: MessageRef | None, sent_payload: dict[str, Any]) -> None:
        await self._record([(row, ref, sent_payload)])

    async def _record(self, sent: list[tuple[OutboxMessage, MessageRef | None, dict[str, Any]]]) -> None:
        now = self.clock.now()
        async with self.db.unit_of_work() as session:
            ids = [row.id for row, _, _ in sent]
            fresh_rows = {
                fresh.id: fresh
                for fresh in (await session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))).all()
            }
            for row, ref, sent_payload in sent:
                fresh = fresh_rows.get(row.id)
                if fresh is None or fresh.status == OutboxStatus.SENT.value:
                    continue
                fresh.status = OutboxStatus.SENT.value
                fresh.sent_at = now
                fresh.last_error = None
                if ref is not None and fresh.kind != OutboxKind.UPDATE.value:
                    fresh.message_id = ref.message_id
                session.add(fresh)
                if fresh.payload != sent_payload and ref is not None and fresh.kind != OutboxKind.UPDATE.value:
                    # Refreshed while in flight: bring the posted copy up to date.
                    key = f"update:{fresh.id}:inflight:{now.timestamp():.6f}"
                    session.add(fresh.update_for(fresh.payload, key=key, now=now))
        for row, _, _ in sent:
            self.stats.sent += 1
            self.stats.by_platform[row.platform] += 1

    def _outcome(self, platform: str, *, failed: bool) -> None:
        self._outcomes[platform].append(failed)

    def healthy(self, platform: str) -> bool:
        """Whether ``platform`` mostly accepts what it is sent: of its last ``HEALTH_WINDOW`` answers
        (429s and permanent refusals aside) at least ``HEALTH_SAMPLE`` came, and at most
        ``HEALTH_FAILURES`` of them were failures."""
        outcomes = self._outcomes[platform]
        return len(outcomes) >= HEALTH_SAMPLE and sum(outcomes) <= HEALTH_FAILURES * len(outcomes)

    async def _failed(self, row: OutboxMessage, error: DeliveryError, channel_key: str) -> str:
        now = self.clock.now()
        async with self.db.unit_of_work() as session:
            fresh = await session.get(OutboxMessage, row.id)
            if fresh is None:
                return "failed"
            fresh.last_error = str(error)[:500]
            if error.retry_after is not None and not error.permanent:
                until = now + timedelta(seconds=max(error.retry_after, 0.0))
                limits = self.limits.get(row.platform, FALLBACK)
                self.limiter.push_back(channel_key, until.timestamp(), limits.per_channel)
                fresh.status = OutboxStatus.PENDING.value
                fresh.not_before = until
                row.not_before = until
                self._retry_at(until)
                session.add(fresh)
                self.stats.rate_limited += 1
                return "later"
            fresh.attempts += 1
            if not error.permanent:
                self._outcome(row.platform, failed=True)
            if error.permanent or fresh.attempts >= self.max_attempts:
                fresh.status = OutboxStatus.PARKED.value
                self.stats.parked += 1
                log.warning("outbox row %s parked after %d attempts: %s", fresh.id, fresh.attempts, error)
            else:
                fresh.status = OutboxStatus.PENDING.value
                delay = self.backoff(fresh.attempts)
                if fresh.attempts <= QUICK_RETRIES and self.healthy(row.platform):
                    delay *= QUICK_FACTOR  # an isolated failure on a platform that otherwise works
                fresh.not_before = now + timedelta(seconds=delay)
                self._retry_at(fresh.not_before)
                self.stats.retried += 1
            session.add(fresh)
        return "failed"

    def _retry_at(self, due: datetime) -> None:
        """A row comes due again at ``due``: the running loop looks for it then, not at its next poll."""
        if self._next_retry is None or due < self._next_retry:
            self._next_retry = due

    def backoff(self, attempts: int) -> float:
        """Seconds before retry ``attempts`` + 1: 1, 2, 4 … capped at 15 minutes, with ±50% jitter.
        On a healthy platform (:meth:`healthy`) the first ``QUICK_RETRIES`` retries wait
        ``QUICK_FACTOR`` of that (⅛–⅜ s, then ¼–¾ s); a failing platform gets the full backoff."""
        base = min(2.0 ** (attempts - 1), 900.0)
        return base * (0.5 + self.rng.random())

    async def _release(self, rows: list[OutboxMessage], until: datetime) -> None:
        if not rows:
            return
        async with self.db.unit_of_work() as session:
            for row in rows:
                fresh = await session.get(OutboxMessage, row.id)
                if fresh is not None and fresh.status == OutboxStatus.SENDING.value:
                    fresh.status = OutboxStatus.PENDING.value
                    fresh.not_before = until
                    session.add(fresh)


def takes_key(send: Callable[..., Any]) -> bool:
    """Whether a messenger's ``post`` or ``direct`` accepts ``outbox_key`` (an optional capability)."""
    try:
        return "outbox_key" in inspect.signature(send).parameters
    except (TypeError, ValueError):
        return False


def delivery_key(row: OutboxMessage) -> str:
    """The row's identity on the platform: the same on every retry and in every process, different
    for every coalition's rows, and short enough for any platform (20 characters; a Discord nonce
    allows 25)."""
    return hashlib.blake2b(f"{row.coalition_id}/{row.key}".encode(), digest_size=10).hexdigest()


async def queue_depth(db: Database) -> dict[str, int]:
    """Rows per status, for /metrics."""
    from sqlalchemy import func

    async with db.session() as session:
        query = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        return {status: int(count) for status, count in (await session.exec(query)).all()}
