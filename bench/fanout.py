"""Fan-out benchmark: one prompt to N channels through the real outbox and dispatcher, against a
fake platform that enforces 1 message/second per channel and 50 requests/second overall (token
buckets) and fails 5% of requests with a 500.

    .venv/bin/python -m bench.fanout --channels 1000

Real time, a real SQLite database (WAL) in a temporary folder, the production Dispatcher with the
platform's published limits configured. Prints total time against the theoretical minimum,
messages lost, duplicates, 429s provoked, and peak memory. Results are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.core.context import Place
from bot.core.delivery import DeliveryError, MessageRef
from bot.core.outbox import Outbox
from bot.core.ui import Actions, Button, Reply, Section, rich
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.ratelimit import Limit, PlatformLimits
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import ChannelBinding, Coalition
from bot.store.outbox_models import OutboxMessage, OutboxStatus


class Bucket:
    """The platform's own limit: ``capacity`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.at = capacity, time.monotonic()

    def take(self) -> float | None:
        """None if allowed; else the seconds to wait (what a 429 Retry-After says)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


@dataclass
class FakePlatform:
    """Accepts posts within its limits; 429s beyond them; 500s at random (seeded)."""

    per_channel_rate: float
    overall_rate: float
    failure_rate: float
    seed: int = 1
    platform: str = "bench"
    accepted: Counter[str] = field(default_factory=Counter)
    last_accept: float = 0.0
    requests: int = 0
    failures: int = 0
    throttled: int = 0
    by_key: dict[str, MessageRef] = field(default_factory=dict)
    resent: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.overall = Bucket(self.overall_rate, self.overall_rate)
        self.channels: dict[str, Bucket] = {}

    async def post(self, place: Place, reply: Reply, *, outbox_key: str | None = None) -> MessageRef:
        """With ``outbox_key`` the platform deduplicates (as Discord's enforced nonce does): a post
        with a key it accepted already answers that message instead of posting again."""
        self.requests += 1
        if outbox_key is not None and outbox_key in self.by_key:
            self.resent += 1  # the dispatcher sent it twice: counted as a duplicate below
            return self.by_key[outbox_key]
        wait = self.overall.take()
        channel = self.channels.setdefault(place.channel, Bucket(self.per_channel_rate, 1))
        if wait is None:
            wait = channel.take()
        if wait is not None:
            self.throttled += 1
            raise DeliveryError("429", retry_after=wait)
        if self.rng.random() < self.failure_rate:
            self.failures += 1
            raise DeliveryError("500 Internal Server Error")
        self.accepted[place.channel] += 1
        self.last_accept = time.perf_counter()
        ref = MessageRef(
            self.platform, place.workspace, place.channel, f"{place.channel}-{self.accepted[place.channel]}"
        )
        if outbox_key is not None:
            self.by_key[outbox_key] = ref
        return ref

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        raise DeliveryError("not used", permanent=True)

    async def direct(self, workspace: str, user_id: str, reply: Reply) -> MessageRef:
        raise DeliveryError("not used", permanent=True)


@dataclass
class Result:
    channels: int
    seconds: float
    minimum_seconds: float
    enqueue_seconds: float
    lost: int
    duplicates: int
    server_errors: int
    throttled: int
    requests: int
    peak_traced_mib: float
    max_rss_mib: float

    @property
    def over_minimum(self) -> float:
        return self.seconds / self.minimum_seconds - 1 if self.minimum_seconds else 0.0


async def run(
    channels: int = 1000,
    *,
    per_channel_rate: float = 1.0,
    overall_rate: float = 50.0,
    failure_rate: float = 0.05,
    seed: int = 1,
    batch: int = 200,
    trace: bool = True,
    instant_retries: bool = False,
    folder: Path | None = None,
) -> Result:
    folder = folder or Path(tempfile.mkdtemp(prefix="fanout-"))
    db = Database.from_url(f"sqlite:///{folder / 'bench.db'}")
    await upgrade(db)
    platform = FakePlatform(per_channel_rate, overall_rate, failure_rate, seed)
    try:
        async with db.unit_of_work() as session:
            coalition = Coalition(name="Bench", slug=f"bench-{seed}-{channels}")
            session.add(coalition)
            await session.flush()
            assert coalition.id is not None
            for n in range(channels):
                session.add(
                    ChannelBinding(coalition_id=coalition.id, platform="bench", workspace="W", channel=f"C{n:05d}")
                )
        prompt = Reply.channel(
            Section(rich("Check-in time! How did it go this week?")),
            Actions((Button("Check in", "checkin.open", "1"),)),
        )
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        async with db.unit_of_work() as session:
            await Outbox(session, coalition.id, now=datetime.now(UTC)).announce(prompt, key="prompt:bench")
        enqueued = time.perf_counter()
        dispatcher = Dispatcher(
            db,
            {"bench": platform},  # type: ignore[dict-item]
            limits={
                "bench": PlatformLimits(
                    overall=Limit(overall_rate, int(overall_rate)), per_channel=Limit(per_channel_rate, 1)
                )
            },
            poll_interval=0.02,
            batch=batch,
            rng=random.Random(seed),
        )
        if instant_retries:  # the miniature run in the test suite: no waiting for backoff
            dispatcher.retry.backoff = lambda attempts: 0.0  # type: ignore[method-assign]
        await dispatcher.start()
        while True:
            async with db.session() as session:
                waiting = (
                    await session.exec(
                        select(OutboxMessage.id).where(
                            OutboxMessage.status != OutboxStatus.SENT.value,
                            OutboxMessage.status != OutboxStatus.PARKED.value,
                        )
                    )
                ).first()
            if waiting is None:
                break
            await asyncio.sleep(0.05)
        finished = time.perf_counter()
        await dispatcher.stop()
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        async with db.session() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        lost = sum(1 for r in rows if r.status != OutboxStatus.SENT.value) + sum(
            1 for n in range(channels) if platform.accepted[f"C{n:05d}"] == 0
        )
        duplicates = sum(count - 1 for count in platform.accepted.values() if count > 1) + platform.resent
        # Every successful message and every 500 costs one request from the 50/s budget; the first
        # `overall_rate` requests may go at once (the bucket starts full).
        budgeted = channels + platform.failures
        minimum = max(0.0, (budgeted - overall_rate) / overall_rate)
        return Result(
            channels=channels,
            seconds=finished - enqueued,
            minimum_seconds=minimum,
            enqueue_seconds=enqueued - started,
            lost=lost,
            duplicates=duplicates,
            server_errors=platform.failures,
            throttled=platform.throttled,
            requests=platform.requests,
            peak_traced_mib=peak / 2**20,
            max_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--failure-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200, help="rows the dispatcher claims at a time")
    parser.add_argument("--no-trace", action="store_true", help="skip tracemalloc (it slows Python down)")
    args = parser.parse_args()
    result = asyncio.run(
        run(args.channels, failure_rate=args.failure_rate, seed=args.seed, batch=args.batch, trace=not args.no_trace)
    )
    summary = {**result.__dict__, "over_minimum": f"{result.over_minimum:.1%}"}
    print(json.dumps(summary, indent=2, default=lambda v: round(v, 3) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
