"""The outbox dispatcher: sends due :class:`OutboxMessage` rows through each platform's messenger.

The guarantee, precisely:

* **Nothing is lost.** A row is written in the same transaction as the state change that caused it
  and stays until the platform accepted it (``sent``), its own deadline passed (``expired``: never
  sent late) or the platform refused it permanently (``parked``); ``/coalition status`` counts both
  for steering. ``max_attempts`` (off by default) also parks a row after that many failures.
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
  works (:meth:`bot.delivery.retry.RetryPolicy.healthy`) the first two retries come sooner, so an isolated 500 at the
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
import logging
import random
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import Clock, SystemClock
from bot.core.codec import decode_reply
from bot.core.context import Place
from bot.core.delivery import DeliveryError, MessageRef, Messenger
from bot.delivery import notices
from bot.delivery import rows as row_store
from bot.delivery.incidents import Incidents
from bot.delivery.messengers import delivery_key, find, send_event, takes_key
from bot.delivery.ratelimit import DEFAULT_LIMITS, FALLBACK, PlatformLimits, RateLimiter
from bot.delivery.retry import RetryPolicy
from bot.store.db import Database
from bot.store.outbox_models import UPDATE_DEADLINE, OutboxKind, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

LANE_STOPS = ("later", "failed", "expired")  # outcomes of a send after which the rest of its lane waits


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
    dropped: int = 0  # never sent: their own deadline passed first (a prompt after its window)
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
        max_attempts: int | None = None,
        lease: timedelta = timedelta(minutes=2),
        poll_interval: float = 1.0,
        rng: random.Random | None = None,
        on_send: Callable[[OutboxMessage], Awaitable[None]] | None = None,
        record_group: int = 25,
        record_delay: float = 0.05,
        notify_after: timedelta = timedelta(minutes=15),
        probe_every: timedelta = timedelta(seconds=5),
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
        self.max_attempts = max_attempts  # None: retry until the row's own deadline (``expires_at``)
        self.lease = lease
        self.lease_margin = min(lease / 4, timedelta(seconds=30))  # time a send may take, at most
        self._gate = asyncio.Semaphore(concurrency)  # platform calls at once (not lanes: a lane may wait)
        self.poll_interval = poll_interval
        self.retry = RetryPolicy(rng or random.Random())
        self.on_send = on_send  # a test hook: runs after the platform accepted, before recording
        self.record_group = record_group  # sends recorded in one commit (rows a crash cannot duplicate)
        self.record_delay = record_delay  # …or after this many seconds, whichever comes first
        self.limiter = RateLimiter()
        self.incidents = Incidents(notify_after, probe_every)
        self.stats = DeliveryStats()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unrecorded: list[row_store.Sent] = []
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
        recorder = asyncio.create_task(self._recorder(), name="outbox-recorder")
        self._in_flight, self._more = 0, False  # rows a stopped loop held wait for their leases

        async def run_lane(key: tuple[str, str, str]) -> None:
            queue = lanes[key]
            try:
                while queue:
                    row, recovering = queue.popleft()
                    try:
                        outcome = await self._send_one(row, recovering)
                    finally:
                        self._done(1)
                    if outcome in LANE_STOPS:
                        rest = [waiting for waiting, _ in queue]
                        queue.clear()
                        self._done(len(rest))
                        await self._stop_lane(row, outcome, rest)
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
        try:
            async with asyncio.TaskGroup() as group:  # one lane failing hard stops them all
                for lane in lanes.values():
                    group.create_task(self._send_lane(lane, recovering))
        except Exception:
            await self._flush()  # what was sent before the failure
            raise
        await self._flush()
        return len(rows)

    async def _claim(self, limit: int) -> tuple[list[OutboxMessage], set[int]]:
        now = self.clock.now()
        return await row_store.claim(self.db, self.messengers, now, now + self.lease, limit, per_lane=self.lane_size())

    def lane_size(self) -> int:
        """Rows one claim takes of a channel: what the slowest of these platforms lets one channel send
        before the claim runs out, so a busy channel's claim does not hold rows it cannot send in time
        (they would wait for its lease), and the rest of a claim goes to other channels."""
        usable = (self.lease - self.lease_margin).total_seconds()
        sizes = []
        for platform in self.messengers:
            limit = self.limits.get(platform, FALLBACK).per_channel
            sizes.append(int(usable * limit.rate) + limit.burst - 1)
        return max(1, min(sizes, default=1))

    async def _send_lane(self, lane: list[OutboxMessage], recovering: set[int]) -> None:
        for index, row in enumerate(lane):
            outcome = await self._send_one(row, row.id in recovering)
            if outcome in LANE_STOPS:
                await self._stop_lane(row, outcome, lane[index + 1 :])
                return

    async def _stop_lane(self, row: OutboxMessage, outcome: str, rest: list[OutboxMessage]) -> None:
        """A lane stops behind ``row`` so its channel keeps its order: rate limited ("later") or failed
        ("failed"), the rows behind it are handed back for when ``row`` is tried again (the claim
        takes none of them while ``row`` waits: :func:`bot.delivery.rows.claim`); its claim running
        out ("expired"), so are theirs, and the next claim takes them in order."""
        if outcome == "later":
            await row_store.release(self.db, rest, row.not_before)
        elif outcome == "failed":
            await row_store.release(self.db, rest, self.clock.now())  # due, and held back behind ``row``
        else:
            self.stats.expired += len(rest)

    async def _send_one(self, row: OutboxMessage, recovering: bool) -> str:
        messenger = self.messengers[row.platform]
        place = Place(row.platform, row.workspace, row.target)
        limits = self.limits.get(row.platform, FALLBACK)
        channel_key = f"{row.platform}:{row.workspace}:{row.target}"
        if row.expires_at is not None and self.clock.now() >= row.expires_at:
            await self._drop(row)
            return "dropped"
        key = delivery_key(row)
        try:
            if recovering and row.kind in (OutboxKind.POST.value, OutboxKind.DIRECT.value):
                found = await find(messenger, place, key)
                if found is not None:
                    self.stats.recovered += 1
                    await self._record_sent(row, found, row.payload)
                    return "sent"
            replies = (OutboxKind.POST.value, OutboxKind.DIRECT.value, OutboxKind.UPDATE.value)
            reply = decode_reply(row.payload) if row.kind in replies else None  # before its turn, not in it
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("outbox row %s could not be read", row.id)
            return await self._failed(row, DeliveryError(repr(error)), channel_key)
        await self._wait_turn(row.platform, channel_key, limits)
        if self.clock.now() >= row.not_before - self.lease_margin:
            # The claim runs out: another dispatcher may take the row any moment (and ask the
            # platform first). Sending now could race it; leave the row, still in lane order.
            self.stats.expired += 1
            return "expired"
        if row.expires_at is not None and self.clock.now() >= row.expires_at:
            await self._drop(row)  # its deadline passed while it waited its turn
            return "dropped"
        async with self._gate:  # sends at once, across lanes; a lane waiting for its turn holds none
            return await self._deliver(messenger, row, place, key, reply, channel_key)

    async def _deliver(
        self, messenger: Messenger, row: OutboxMessage, place: Place, key: str, reply: Any, channel_key: str
    ) -> str:
        """Send ``row`` now and record the outcome."""
        try:
            ref = await self._send(messenger, row, place, key, reply)
            self.retry.outcome(row.platform, failed=False)
            await self._healed(row.platform)
            if self.on_send is not None:
                await self.on_send(row)
        except DeliveryError as error:
            return await self._failed(row, error, channel_key)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unexpected library error: retry, then park
            if row.platform not in self.incidents.open:  # once per incident, not once per message
                log.exception("outbox row %s failed unexpectedly", row.id)
            return await self._failed(row, DeliveryError(repr(error)), channel_key)
        if self._findable(row):
            await self._record_later(row, ref, row.payload)
        else:
            await self._record_sent(row, ref, row.payload)
        return "sent"

    async def _send(
        self, messenger: Messenger, row: OutboxMessage, place: Place, key: str, reply: Any
    ) -> MessageRef | None:
        """The platform call for one row."""
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
            ref = await send_event(self.db, messenger, row)
        else:
            raise DeliveryError(f"unknown outbox kind {row.kind!r}", permanent=True)
        return ref

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
        if row.kind in (OutboxKind.POST.value, OutboxKind.DIRECT.value):  # "post" / "direct", as in _keyed
            return row.kind in self._keyed[row.platform] or callable(
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

    async def _record(self, sent: list[row_store.Sent]) -> None:
        await row_store.record(self.db, sent, self.clock.now())
        for row, _, _ in sent:
            self.stats.sent += 1
            self.stats.by_platform[row.platform] += 1

    def healthy(self, platform: str) -> bool:
        return self.retry.healthy(platform)

    async def _failed(self, row: OutboxMessage, error: DeliveryError, channel_key: str) -> str:
        """A send failed: a 429 waits its ``Retry-After`` ("later"); a permanent refusal parks the row
        ("parked"); anything else retries with backoff ("failed") until the row's own deadline, past
        which it is dropped ("dropped") rather than sent late."""
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
            outcome = "failed"
            if not error.permanent:
                self.retry.outcome(row.platform, failed=True)
                if self.incidents.failed(row.platform, str(error), now) is not None:
                    log.warning(
                        "%s is failing (%s); its messages are retried until their deadlines", row.platform, error
                    )
            retry_at = now + timedelta(seconds=self.retry.delay(row.platform, fresh.attempts))
            if not error.permanent:
                retry_at = self.incidents.probe(row.platform, retry_at, now)
            if error.permanent or (self.max_attempts is not None and fresh.attempts >= self.max_attempts):
                fresh.status = OutboxStatus.PARKED.value
                self.stats.parked += 1
                log.warning("outbox row %s parked after %d attempts: %s", fresh.id, fresh.attempts, error)
                outcome = "parked"
            elif retry_at >= (fresh.expires_at or fresh.created_at + UPDATE_DEADLINE):
                fresh.status = OutboxStatus.EXPIRED.value
                self.stats.dropped += 1
                outcome = "dropped"
            else:
                fresh.status = OutboxStatus.PENDING.value
                fresh.not_before = row.not_before = retry_at
                self._retry_at(retry_at)
                self.stats.retried += 1
            session.add(fresh)
        await self._tell_steering(now)
        return outcome

    async def _drop(self, row: OutboxMessage) -> None:
        """Never send ``row``: its deadline passed (a prompt whose window closed is not posted late)."""
        await row_store.expire(self.db, [row])
        self.stats.dropped += 1

    async def _healed(self, platform: str) -> None:
        """``platform`` accepted a send: an incident it was in ends. Its waiting rows come due now
        instead of at their backed-off retry times, and steering hears it if it heard of the outage."""
        incident = self.incidents.succeeded(platform)
        if incident is None:
            return
        now = self.clock.now()
        lasted = (now - incident.since).total_seconds()
        log.warning("%s accepts messages again after %.0f s and %d failed sends", platform, lasted, incident.failures)
        await row_store.due_again(self.db, platform, now)
        self._retry_at(now)
        self._wake.set()
        if incident.notified:
            await notices.tell_recovery(self.db, incident, now)

    async def _tell_steering(self, now: datetime) -> None:
        for incident in self.incidents.to_notify(now):
            incident.notified = True
            try:
                incident.coalitions = await notices.tell_outage(self.db, incident, now)
            except Exception:
                log.exception("could not tell steering that %s is failing", incident.platform)

    def _retry_at(self, due: datetime) -> None:
        """A row comes due again at ``due``: the running loop looks for it then, not at its next poll."""
        if self._next_retry is None or due < self._next_retry:
            self._next_retry = due
