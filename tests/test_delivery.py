"""The outbox dispatcher on a virtual clock, on SQLite and PostgreSQL: rate limits, 429s, retries
with backoff, parking, crashes mid-batch, in-flight refreshes and competing dispatchers. Every
message is delivered exactly once."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.core.context import Place
from bot.core.delivery import DeliveryError, MessageRef
from bot.core.outbox import Outbox
from bot.core.ui import Reply
from bot.delivery.dispatcher import Dispatcher, delivery_key
from bot.delivery.ratelimit import Limit, PlatformLimits
from bot.store.db import Database
from bot.store.models import ChannelBinding, Coalition
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat

START = datetime(2026, 11, 23, 9, tzinfo=UTC)


@dataclass
class ScriptedMessenger:
    """A platform that records what it accepted and fails on cue: ``failures[key]`` lists errors to
    raise, in order, before accepting that message."""

    clock: ManualClock
    platform: str = "test"
    failures: dict[str, list[DeliveryError]] = field(default_factory=dict)
    accepted: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, channel, text)
    at: list[datetime] = field(default_factory=list)
    by_key: dict[str, MessageRef] = field(default_factory=dict)

    def _maybe_fail(self, text: str) -> None:
        queue = self.failures.get(text)
        if queue:
            raise queue.pop(0)

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        text = reply.plain()
        self._maybe_fail(text)
        ref = MessageRef(self.platform, place.workspace, place.channel, f"m{len(self.accepted) + 1}")
        self.accepted.append(("post", place.channel, text))
        self.at.append(self.clock.now())
        self.by_key[text] = ref
        return ref

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        self._maybe_fail(reply.plain())
        self.accepted.append(("update", ref.message_id, reply.plain()))
        self.at.append(self.clock.now())

    async def direct(self, workspace: str, user_id: str, reply: Reply) -> MessageRef:
        self._maybe_fail(reply.plain())
        self.accepted.append(("direct", user_id, reply.plain()))
        self.at.append(self.clock.now())
        return MessageRef(self.platform, workspace, user_id, f"d{len(self.accepted)}")


@dataclass
class FindingMessenger(ScriptedMessenger):
    """A platform whose messages can be looked up by the text they carry (Slack metadata, say)."""

    async def find(self, place: Place, key: str) -> MessageRef | None:
        return self.found.get(key)

    found: dict[str, MessageRef] = field(default_factory=dict)


def virtual_sleep(clock: ManualClock):  # type: ignore[no-untyped-def]
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return sleep


def dispatcher(db: Database, messenger: ScriptedMessenger, clock: ManualClock, **options: object) -> Dispatcher:
    limits = {"test": PlatformLimits(overall=Limit(50.0, 50), per_channel=Limit(1.0, 1))}
    return Dispatcher(
        db, {"test": messenger}, clock=clock, sleep=virtual_sleep(clock), limits=limits, rng=random.Random(7), **options
    )  # type: ignore[arg-type]


async def coalition(db: Database, channels: int = 2) -> int:
    async with db.unit_of_work() as session:
        row = Coalition(name="C", slug=f"c{random.random()}")
        session.add(row)
        await session.flush()
        assert row.id is not None
        for n in range(channels):
            session.add(ChannelBinding(coalition_id=row.id, platform="test", workspace="W", channel=f"ch{n}"))
        return row.id


async def announce(db: Database, coalition_id: int, text: str, clock: ManualClock, topic: str | None = None) -> None:
    async with db.unit_of_work() as session:
        await Outbox(session, coalition_id, now=clock.now()).announce(Reply.channel(text), key=text, topic=topic)


async def statuses(db: Database) -> Counter[str]:
    async with db.session() as session:
        return Counter(r.status for r in (await session.exec(select(OutboxMessage))).all())


@pytest.fixture
def vclock() -> ManualClock:
    return ManualClock(START)


async def test_announcements_reach_every_channel_within_the_rate_limit(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=2)
    messenger = ScriptedMessenger(vclock)
    for n in range(3):
        await announce(db, cid, f"prompt {n}", vclock)
    assert await dispatcher(db, messenger, vclock).drain() == 6
    assert Counter(channel for _, channel, _ in messenger.accepted) == {"ch0": 3, "ch1": 3}
    per_channel = [t for (_, ch, _), t in zip(messenger.accepted, messenger.at, strict=True) if ch == "ch0"]
    assert [(b - a).total_seconds() >= 1.0 for a, b in itertools.pairwise(per_channel)] == [True, True]
    assert await statuses(db) == {"sent": 6}


async def test_a_429_waits_for_retry_after_without_counting_as_a_failure(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=1)
    messenger = ScriptedMessenger(vclock, failures={"hello": [DeliveryError("429", retry_after=30)]})
    await announce(db, cid, "hello", vclock)
    await announce(db, cid, "second", vclock)
    worker = dispatcher(db, messenger, vclock)
    await worker.drain()
    assert messenger.accepted == []  # the channel waits, the second message too
    vclock.advance(timedelta(seconds=31))
    await worker.drain()
    assert [text for _, _, text in messenger.accepted] == ["hello", "second"]
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        assert [(r.status, r.attempts) for r in rows] == [("sent", 0), ("sent", 0)]


async def test_server_errors_retry_with_backoff_then_deliver_once(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=1)
    errors = [DeliveryError("500"), DeliveryError("timeout"), DeliveryError("502")]
    messenger = ScriptedMessenger(vclock, failures={"hello": list(errors)})
    await announce(db, cid, "hello", vclock)
    worker = dispatcher(db, messenger, vclock)
    waits = []
    for _ in range(10):
        await worker.drain()
        if messenger.accepted:
            break
        async with db.session() as session:
            row = (await session.exec(select(OutboxMessage))).one()
        waits.append((row.not_before - vclock.now()).total_seconds())
        vclock.set(row.not_before)
    assert messenger.accepted == [("post", "ch0", "hello")]
    assert len(waits) == 3
    assert waits[0] < waits[2]  # exponential backoff
    assert 0.5 <= waits[0] <= 1.5  # the first retry after about a second


async def test_permanent_errors_and_repeated_failures_are_parked_and_shown_to_steering(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("bob", "/coalition join")
    async with db.session() as session:
        cid = (await session.exec(select(Coalition))).one().id
    assert cid is not None
    messenger = ScriptedMessenger(
        clock,
        platform="console",
        failures={"gone": [DeliveryError("channel_not_found", permanent=True)], "flaky": [DeliveryError("500")] * 3},
    )
    await announce(db, cid, "gone", clock)
    await announce(db, cid, "flaky", clock)
    worker = Dispatcher(
        db,
        {"console": messenger},  # type: ignore[dict-item]
        clock=clock,
        sleep=virtual_sleep(clock),
        max_attempts=3,
        notify_after=timedelta(days=1),  # steering's outage notice: tests/test_outages.py
    )
    for _ in range(5):
        await worker.drain()
        clock.advance(timedelta(hours=1))
    assert messenger.accepted == []
    assert await statuses(db) == {"parked": 2}
    steering = (await chat.say("alice", "/coalition status")).plain()
    assert "2 messages could not be delivered" in steering
    assert "channel_not_found" in steering
    assert "after 3 attempt(s): 500" in steering
    assert "could not be delivered" not in (await chat.say("bob", "/coalition status")).plain()


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the dispatcher may swallow it)."""


async def test_a_crash_mid_batch_loses_nothing_and_sends_nothing_twice(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=4)
    await announce(db, cid, "prompt", vclock)
    messenger = FindingMessenger(vclock)

    async def die_after_second(row: OutboxMessage) -> None:
        # The platform can be asked about a message by its key (as Slack metadata allows).
        messenger.found[delivery_key(row)] = MessageRef(
            "test", row.workspace, row.target, f"m{len(messenger.accepted)}"
        )
        if len(messenger.accepted) == 2:
            raise Crash

    first = dispatcher(db, messenger, vclock, on_send=die_after_second, concurrency=1)
    with pytest.raises(BaseExceptionGroup) as died:
        await first.drain()
    assert died.group_contains(Crash)
    sent_before_crash = len(messenger.accepted)
    assert (await statuses(db))["sending"] >= 2  # claimed, not recorded: the process died
    # A new process; leases have not expired yet, so nothing is touched…
    second = dispatcher(db, messenger, vclock)
    assert await second.drain() == 0
    vclock.advance(timedelta(minutes=3))
    await second.drain()
    assert sorted(channel for _, channel, _ in messenger.accepted) == ["ch0", "ch1", "ch2", "ch3"]
    assert await statuses(db) == {"sent": 4}
    assert second.stats.recovered >= 1  # sent before the crash, found instead of resent
    assert len(messenger.accepted) - sent_before_crash == 4 - sent_before_crash


async def test_refresh_while_in_flight_still_updates_the_copy(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=1)
    await announce(db, cid, "v0", vclock, topic="t")
    messenger = ScriptedMessenger(vclock)

    async def refresh_during_send(row: OutboxMessage) -> None:
        async with db.unit_of_work() as session:
            await Outbox(session, cid, now=vclock.now()).refresh("t", Reply.channel("v1"))

    await dispatcher(db, messenger, vclock, on_send=refresh_during_send).drain(max_passes=1)
    await dispatcher(db, messenger, vclock).drain()
    assert messenger.accepted == [("post", "ch0", "v0"), ("update", "m1", "v1")]


async def test_a_post_goes_before_its_update(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=1)
    await announce(db, cid, "v0", vclock, topic="t")
    messenger = ScriptedMessenger(vclock)
    worker = dispatcher(db, messenger, vclock)
    await worker.drain()
    for version in ("v1", "v2"):
        async with db.unit_of_work() as session:
            await Outbox(session, cid, now=vclock.now()).refresh("t", Reply.channel(version))
    await worker.drain()
    assert messenger.accepted == [("post", "ch0", "v0"), ("update", "m1", "v2")]


async def test_competing_dispatchers_never_send_a_message_twice(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=30)
    for n in range(3):
        await announce(db, cid, f"p{n}", vclock)
    messenger = ScriptedMessenger(vclock)
    limits = {"test": PlatformLimits(overall=Limit(1000.0, 1000), per_channel=Limit(1000.0, 1000))}
    workers = [Dispatcher(db, {"test": messenger}, clock=vclock, limits=limits, batch=25) for _ in range(3)]  # type: ignore[dict-item]
    await asyncio.gather(*(w.drain() for w in workers))
    assert len(messenger.accepted) == 90
    assert len(set(messenger.accepted)) == 90
    assert await statuses(db) == {"sent": 90}


async def test_a_row_whose_claim_runs_out_while_it_waits_is_left_to_the_next_claim(
    db: Database, vclock: ManualClock
) -> None:
    """A slow batch (here: three posts to one channel at 1 a second under a 2-second lease) does not
    send what another process may have claimed meanwhile; the next claim sends it, once."""
    cid = await coalition(db, channels=1)
    for n in range(3):
        await announce(db, cid, f"p{n}", vclock)
    messenger = FindingMessenger(vclock)
    slow = dispatcher(db, messenger, vclock, lease=timedelta(seconds=2))
    slow.lane_size = lambda: 3  # type: ignore[method-assign]  # more than it can send (sized: see test_outages)
    await slow.drain(max_passes=1)
    assert [text for _, _, text in messenger.accepted] == ["p0", "p1"]  # p2's turn came with 0 s left
    assert slow.stats.expired == 1
    assert await statuses(db) == {"sent": 2, "sending": 1}
    vclock.advance(timedelta(seconds=1))
    other = dispatcher(db, messenger, vclock, lease=timedelta(seconds=2))  # another process
    assert await other.drain() == 1
    assert [text for _, _, text in messenger.accepted] == ["p0", "p1", "p2"]
    assert await statuses(db) == {"sent": 3}


async def test_an_isolated_failure_on_a_healthy_platform_is_retried_sooner(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=1)
    messenger = ScriptedMessenger(vclock, failures={"late": [DeliveryError("500")]})
    for n in range(12):  # the platform accepts what it is sent…
        await announce(db, cid, f"w{n}", vclock)
    await announce(db, cid, "late", vclock)  # …and then fails once, at the end of the fan-out
    worker = dispatcher(db, messenger, vclock)
    await worker.drain()
    assert worker.healthy("test")
    async with db.session() as session:
        row = (await session.exec(select(OutboxMessage).where(OutboxMessage.status != "sent"))).one()
    wait = (row.not_before - vclock.now()).total_seconds()
    assert (row.status, row.attempts) == ("pending", 1)
    assert 0.125 <= wait <= 0.375  # a quarter of the usual ~1 s (a failing platform: see above)


class Crashed(BaseException):
    pass


async def test_sends_a_crash_cannot_duplicate_are_recorded_in_groups_others_one_by_one(
    db: Database, vclock: ManualClock
) -> None:
    cid = await coalition(db, channels=3)
    await announce(db, cid, "prompt", vclock)
    seen: dict[str, list[str]] = {}

    def recorder(name: str, messenger: ScriptedMessenger):  # type: ignore[no-untyped-def]
        async def on_send(row: OutboxMessage) -> None:  # runs after the platform accepted `row`
            if len(messenger.accepted) == 3:
                async with db.session() as session:
                    seen[name] = [r.status for r in (await session.exec(select(OutboxMessage))).all()]
                raise Crashed  # the process dies after the third send, before recording it

        return on_send

    plain = ScriptedMessenger(vclock)  # no way to find a message again: each send is committed at once
    with pytest.raises(BaseExceptionGroup):
        await dispatcher(db, plain, vclock, on_send=recorder("plain", plain), concurrency=1).drain()
    assert sorted(seen["plain"]) == ["sending", "sent", "sent"]

    async with db.unit_of_work() as session:  # start again with a messenger that can find them
        for row in (await session.exec(select(OutboxMessage))).all():
            row.status, row.not_before = "pending", vclock.now()
            session.add(row)
    finding = FindingMessenger(vclock)
    with pytest.raises(BaseExceptionGroup):
        await dispatcher(db, finding, vclock, on_send=recorder("finding", finding), concurrency=1).drain()
    assert sorted(seen["finding"]) == ["sending", "sending", "sending"]  # recorded in one group, later
    async with db.session() as session:
        statuses_ = [r.status for r in (await session.exec(select(OutboxMessage))).all()]
    assert statuses_ == ["sending"] * 3  # the crash came first: the leases bring them back, found by key


async def test_a_refused_send_gives_its_channel_slot_back(db: Database, vclock: ManualClock) -> None:
    from bot.delivery.ratelimit import RateLimiter

    limiter = RateLimiter()
    channel, overall = Limit(1.0, 1), Limit(2.0, 1)
    assert limiter.reserve("*", overall, 0.0) == 0.0  # the platform's budget is taken until 0.5
    # The channel's slot is counted from when the send goes (0.5), not from when it asked (0.0)…
    assert limiter.reserve_both("ch", channel, "*", overall, 0.0) == 0.5
    assert limiter.wait("ch", channel, 1.0) == 0.5
    # …and a 429 saying "not before 2.0" makes 2.0 the next slot, not 2.0 plus one more interval.
    limiter.push_back("ch", 2.0, channel)
    assert limiter.wait("ch", channel, 1.0) == 1.0


async def test_the_running_loop_delivers_everything_once_without_a_batch_barrier(db: Database) -> None:
    cid = await coalition(db, channels=30)
    messenger = FindingMessenger(ManualClock(START))
    messenger.failures = {"p1": [DeliveryError("500")] * 3, "p2": [DeliveryError("429", retry_after=0.01)]}
    limits = {"test": PlatformLimits(overall=Limit(1000.0, 1000), per_channel=Limit(1000.0, 1000))}
    worker = Dispatcher(
        db, {"test": messenger}, limits=limits, batch=16, poll_interval=0.05, record_group=5, rng=random.Random(1)
    )  # type: ignore[dict-item]
    worker.retry.backoff = lambda attempts: 0.01  # type: ignore[method-assign]
    clock = worker.clock
    for n in range(3):
        await announce(db, cid, f"p{n}", clock)  # type: ignore[arg-type]
    await worker.start()
    try:
        await announce(db, cid, "p3", clock)  # type: ignore[arg-type]
        worker.kick()  # queued while it runs: taken without waiting for the poll
        for _ in range(400):
            if (await statuses(db)) == {"sent": 120}:
                break
            await asyncio.sleep(0.025)
    finally:
        await worker.stop()
    assert await statuses(db) == {"sent": 120}
    assert len(messenger.accepted) == 120
    assert len(set(messenger.accepted)) == 120  # nothing twice
    assert worker.stats.retried == 3
    assert worker.stats.rate_limited == 1
    assert worker._in_flight == 0


def test_the_limiter_forgets_channels_whose_slots_have_passed() -> None:
    from bot.delivery.ratelimit import PRUNE_EVERY, RateLimiter

    limiter = RateLimiter()
    for n in range(PRUNE_EVERY - 2):  # a direct message to each of many people
        limiter.reserve(f"dm:{n}", Limit(1.0, 1), 0.0)
    limiter.reserve("overall", Limit(1.0, 1), 0.0)
    assert limiter.reserve("dm:new", Limit(1.0, 1), 60.0) == 0.0  # a minute later: the next sweep
    assert len(limiter._tat) == 1  # only the slot still ahead is kept
    assert limiter.reserve("dm:new", Limit(1.0, 1), 60.0) == 1.0  # and it still counts
