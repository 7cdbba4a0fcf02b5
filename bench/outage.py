"""Outage and busy-channel benchmark: the production Dispatcher, running (its loop, not passes),
over a real SQLite database, against the fan-out benchmark's fake platform (1 message/second per
channel, 50 requests/second overall, 429s beyond them).

    .venv/bin/python -m bench.outage drain --channels 50 --posts 6 --outage 30
    .venv/bin/python -m bench.outage quiet --backlog 500

``drain``: every channel has ``posts`` messages queued when the platform goes down (every request
answered 500) for ``outage`` seconds; measured is the time from the platform's recovery until every
message was delivered, with messages lost, sent twice and out of order in their channel.
``quiet``: one channel has ``backlog`` posts queued and is being drained; two seconds in, one post is
queued in another channel; measured is how long that post waits. Real time throughout. Results are
recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import func, select

from bench.fanout import FakePlatform
from bot.core.context import Place
from bot.core.delivery import DeliveryError, MessageRef
from bot.core.outbox import Outbox
from bot.core.ui import Reply
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.ratelimit import Limit, PlatformLimits
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Coalition
from bot.store.outbox_models import OutboxMessage, OutboxStatus

LIMITS = {"bench": PlatformLimits(overall=Limit(50.0, 50), per_channel=Limit(1.0, 1))}


@dataclass
class Platform(FakePlatform):
    """The fan-out fake, which can be down (every request a 500) and remembers what came when."""

    down: bool = False
    refused: int = 0
    order: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    at: dict[str, float] = field(default_factory=dict)

    async def post(self, place: Place, reply: Reply, *, outbox_key: str | None = None) -> MessageRef:
        if self.down:
            self.refused += 1
            raise DeliveryError("Slack error 500: unreadable answer")
        ref = await super().post(place, reply, outbox_key=outbox_key)
        text = reply.plain()
        self.order[place.channel].append(text)
        self.at.setdefault(text, time.perf_counter())
        return ref


async def setup(folder: Path | None) -> tuple[Database, int]:
    folder = folder or Path(tempfile.mkdtemp(prefix="outage-"))
    db = Database.from_url(f"sqlite:///{folder / 'bench.db'}")
    await upgrade(db)
    async with db.unit_of_work() as session:
        coalition = Coalition(name="Bench", slug="bench-outage")
        session.add(coalition)
        await session.flush()
        assert coalition.id is not None
        return db, coalition.id


async def queue(db: Database, coalition_id: int, channel: str, texts: list[str]) -> None:
    async with db.unit_of_work() as session:
        outbox = Outbox(session, coalition_id, now=datetime.now(UTC))
        for text in texts:
            await outbox.post(Place("bench", "W", channel), Reply.channel(text), key=text)


async def unsent(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).where(
            OutboxMessage.status != OutboxStatus.SENT.value, OutboxMessage.status != OutboxStatus.PARKED.value
        )
        return int((await session.exec(query)).one())


@dataclass
class Drain:
    messages: int
    outage_seconds: float
    drain_seconds: float
    minimum_seconds: float
    refused_during_outage: int
    lost: int
    duplicates: int
    out_of_order_channels: int


async def drain(
    channels: int = 50, posts: int = 6, outage: float = 30.0, *, seed: int = 1, folder: Path | None = None
) -> Drain:
    db, coalition_id = await setup(folder)
    platform = Platform(1.0, 50.0, 0.0, seed, down=True)
    try:
        for n in range(channels):
            await queue(db, coalition_id, f"C{n:04d}", [f"C{n:04d} post {p}" for p in range(posts)])
        dispatcher = Dispatcher(db, {"bench": platform}, limits=LIMITS, poll_interval=0.05, rng=random.Random(seed))  # type: ignore[dict-item]
        await dispatcher.start()
        await asyncio.sleep(outage)
        platform.down = False
        recovered = time.perf_counter()
        refused = platform.refused
        while True:  # polled, as the fan-out benchmark does: the database is what is measured
            if not await unsent(db):
                break
            await asyncio.sleep(0.05)
        drained = time.perf_counter()
        await dispatcher.stop()
        total = channels * posts
        expected = {f"C{n:04d}": [f"C{n:04d} post {p}" for p in range(posts)] for n in range(channels)}
        accepted = sum(platform.accepted.values())
        return Drain(
            messages=total,
            outage_seconds=outage,
            drain_seconds=drained - recovered,
            minimum_seconds=max(posts - 1.0, (total - 50) / 50.0),
            refused_during_outage=refused,
            lost=sum(1 for ch, texts in expected.items() for t in texts if t not in platform.order[ch]),
            duplicates=accepted - len({t for texts in platform.order.values() for t in texts}) + platform.resent,
            out_of_order_channels=sum(1 for ch, texts in expected.items() if platform.order[ch] != texts),
        )
    finally:
        await db.dispose()


@dataclass
class Quiet:
    backlog: int
    quiet_delay_seconds: float
    busy_sent_meanwhile: int


async def quiet(backlog: int = 500, *, seed: int = 1, folder: Path | None = None) -> Quiet:
    db, coalition_id = await setup(folder)
    platform = Platform(1.0, 50.0, 0.0, seed)
    try:
        await queue(db, coalition_id, "BUSY", [f"need {n}" for n in range(backlog)])
        dispatcher = Dispatcher(db, {"bench": platform}, limits=LIMITS, poll_interval=1.0, rng=random.Random(seed))  # type: ignore[dict-item]
        await dispatcher.start()
        await asyncio.sleep(2.0)
        queued = time.perf_counter()
        before = platform.accepted["BUSY"]
        await queue(db, coalition_id, "QUIET", ["a win"])
        dispatcher.kick()  # as a command's unit of work does after queueing
        while True:
            if "a win" in platform.at:
                break
            await asyncio.sleep(0.005)
        result = Quiet(backlog, platform.at["a win"] - queued, platform.accepted["BUSY"] - before)
        await dispatcher.stop()
        return result
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=("drain", "quiet"))
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--posts", type=int, default=6, help="posts queued per channel (drain)")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the platform answers 500 (drain)")
    parser.add_argument("--backlog", type=int, default=500, help="posts queued in the busy channel (quiet)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.scenario == "drain":
        result: object = asyncio.run(drain(args.channels, args.posts, args.outage, seed=args.seed))
    else:
        result = asyncio.run(quiet(args.backlog, seed=args.seed))
    print(json.dumps(result.__dict__, indent=2, default=lambda v: round(v, 3) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
