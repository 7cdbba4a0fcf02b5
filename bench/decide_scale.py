"""``/decide show``, ``/decide log``, ``/decide list`` and ``/coalition status`` with 10 and with
10,000 decisions (100 ballots each: 1,000,000 ballots), and the time from a ballot to every posted
copy updated with 30 linked channels.

One coalition per size, in one database, each with 100 members and 30 linked channels; N closed decisions, each with 100 open
ballots and its line in the decision log, seeded with bulk inserts after the product's own
migrations, on a fresh SQLite file or an emptied PostgreSQL database; then one open decision posted
in the 30 channels (copies marked sent, so each ballot queues 30 in-place updates). Each command
runs through the real core (``Core.run_command``: one unit of work), a warm-up and then ``--runs``
timed runs interleaved across the sizes (so load on a shared machine weighs on both alike), the
median reported. "Ballot" is a Vote click that changes the member's choice
(``Core.run_action``): the ballot recorded, the copy re-rendered and 30 updates queued, committed.

    .venv/bin/python -m bench.decide_scale --decisions 10 10000
    .venv/bin/python -m bench.decide_scale --decisions 10 10000 --database-url postgresql://…/coalition_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.core.context import ActionEvent
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.decision_models import Decision, DecisionElector, DecisionLogEntry, DecisionVote
from bot.store.migrate import upgrade
from bot.store.models import ChannelBinding, Member
from tests.support import Chat, make_core, mark_sent, reset_postgres

MEMBERS = 100
CHANNELS = 30
CHUNK = 20_000
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def seed(db: Database, chat: Chat, decisions: int) -> dict[str, int]:
    """A coalition "Bench <n>" in the chat's channel with ``decisions`` closed decisions."""
    assert not (await chat.say("lead", f'/coalition create "Bench {decisions}"')).is_error
    async with db.unit_of_work() as session:
        c = int(
            (await session.exec(text(f"SELECT id FROM coalition WHERE name = 'Bench {decisions}'"))).scalar_one()  # type: ignore[call-overload]
        )
        session.add_all(Member(coalition_id=c, display_name=f"Person {n:03d}") for n in range(MEMBERS - 1))
        session.add_all(
            ChannelBinding(coalition_id=c, platform="console", workspace="local", channel=f"{chat.channel}-{n}")
            for n in range(CHANNELS - 1)
        )
    async with db.session() as session:
        members = list(
            (await session.exec(text(f"SELECT id FROM member WHERE coalition_id = {c} ORDER BY id"))).scalars()  # type: ignore[call-overload]
        )
    start = NOW - timedelta(days=3 * 365)
    async with db.unit_of_work() as session:
        await session.exec(  # type: ignore[call-overload]
            insert(Decision),
            params=[
                {
                    "coalition_id": c,
                    "question": f"Question {n}?",
                    "method": "majority",
                    "options": [],
                    "electorate": "member",
                    "quorum_kind": "",
                    "quorum": 0,
                    "threshold": "1/2",
                    "dots": 0,
                    "secret": False,
                    "eligible": MEMBERS,
                    "status": "closed",
                    "outcome": f"Outcome {n}",
                    "result": {"passed": True, "winner": 0, "counts": [60, 40], "cast": 100},
                    "public": False,
                    "created_at": start + timedelta(hours=2 * n),
                    "closed_at": start + timedelta(hours=2 * n + 1),
                }
                for n in range(decisions)
            ],
        )
    async with db.session() as session:
        ids = list(
            (await session.exec(text(f"SELECT id FROM decision WHERE coalition_id = {c} ORDER BY id"))).scalars()  # type: ignore[call-overload]
        )
    async with db.unit_of_work() as session:
        await session.exec(  # type: ignore[call-overload]
            insert(DecisionLogEntry),
            params=[
                {
                    "coalition_id": c,
                    "decision_id": d,
                    "at": start + timedelta(hours=2 * n + 1),
                    "question": f"Question {n}?",
                    "method": "majority",
                    "electorate": "member",
                    "secret": False,
                    "eligible": MEMBERS,
                    "turnout": MEMBERS,
                    "quorum_met": True,
                    "result": {"winner": 0, "counts": [60, 40], "cast": 100, "quorum_met": True, "options": []},
                    "outcome": f"Outcome {n}",
                }
                for n, d in enumerate(ids)
            ],
        )
    rows = ((d, m) for d in ids for m in members)
    batch: list[dict[str, Any]] = []
    for d, m in rows:
        batch.append(
            {
                "coalition_id": c,
                "decision_id": d,
                "member_id": m,
                "choice": {"option": m % 2},
                "reason": "",
                "updated_at": NOW,
            }
        )
        if len(batch) == CHUNK:
            async with db.unit_of_work() as session:
                await session.exec(insert(DecisionVote), params=batch)  # type: ignore[call-overload]
            batch = []
    if batch:
        async with db.unit_of_work() as session:
            await session.exec(insert(DecisionVote), params=batch)  # type: ignore[call-overload]
    async with db.unit_of_work() as session:
        for d in ids[:: max(1, len(ids) // 10)]:
            session.add_all(DecisionElector(coalition_id=c, decision_id=d, member_id=m) for m in members)
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    proposed = await chat.say("lead", '/decide propose "The open one?" method=majority')
    assert not proposed.is_error, proposed.plain()
    await mark_sent(db)
    async with db.session() as session:
        open_id = int(
            (await session.exec(text(f"SELECT max(id) FROM decision WHERE coalition_id = {c}"))).scalar_one()  # type: ignore[call-overload]
        )
    return {"coalition": c, "open": open_id, "old": ids[0] if ids else open_id}


async def timed(runs: int, calls: dict[int, Callable[[], Awaitable[object]]]) -> dict[int, float]:
    """The median of ``runs`` runs of each call, the calls interleaved run by run so that load on a
    shared machine weighs on every size alike."""
    for call in calls.values():
        await call()
    samples: dict[int, list[float]] = {size: [] for size in calls}
    for _ in range(runs):
        for size, call in calls.items():
            began = time.perf_counter()
            await call()
            samples[size].append(time.perf_counter() - began)
    return {size: round(statistics.median(values) * 1000, 1) for size, values in samples.items()}


async def run(sizes: tuple[int, ...], *, runs: int = 5, database_url: str = "") -> list[dict[str, object]]:
    """One coalition per size in one database, measured interleaved."""
    folder = Path(tempfile.mkdtemp(prefix="decide-bench-"))
    db = Database.from_url(database_url or f"sqlite:///{folder / 'bench.db'}")
    try:
        await upgrade(db)
        if database_url:
            await reset_postgres(db)
        core = make_core(db)
        core.clock.set(NOW)  # type: ignore[attr-defined]
        chats = {size: Chat(core, channel=f"bench{size}") for size in sizes}
        seeding, ids = {}, {}
        for size, chat in chats.items():
            began = time.perf_counter()
            ids[size] = await seed(db, chat, size)
            seeding[size] = round(time.perf_counter() - began, 1)
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))

        def say(size: int, line: str) -> Callable[[], Awaitable[object]]:
            async def call() -> None:
                reply = await chats[size].say("lead", line.format(**ids[size], last=max(1, size // 10)))
                assert not reply.is_error, reply.plain()

            return call

        def ballot(size: int) -> Callable[[], Awaitable[object]]:
            choice = [0]

            async def call() -> None:
                choice[0] ^= 1
                chat = chats[size]
                value = f"{ids[size]['open']}:opt:{choice[0]}"
                reply = await core.run_action(ActionEvent("decide.choose", value, chat.actor("lead"), chat.place()))
                assert not reply.is_error, reply.plain()

            return call

        measured = {
            "show_open_ms": await timed(runs, {n: say(n, "/decide show {open}") for n in sizes}),
            "show_old_ms": await timed(runs, {n: say(n, "/decide show {old}") for n in sizes}),
            "log_ms": await timed(runs, {n: say(n, "/decide log") for n in sizes}),
            "log_last_page_ms": await timed(runs, {n: say(n, "/decide log {last}") for n in sizes}),
            "list_ms": await timed(runs, {n: say(n, "/decide list") for n in sizes}),
            "status_ms": await timed(runs, {n: say(n, "/coalition status") for n in sizes}),
            "ballot_30_copies_ms": await timed(runs, {n: ballot(n) for n in sizes}),
        }
        results = []
        for size in sizes:
            async with db.session() as session:
                updates = (
                    await session.exec(
                        text(
                            "SELECT count(*) FROM outboxmessage WHERE kind = 'update'"
                            f" AND coalition_id = {ids[size]['coalition']}"
                        )
                    )
                ).scalar_one()  # type: ignore[call-overload]
            result: dict[str, object] = {
                "decisions": size,
                "ballots": size * MEMBERS,
                "database": "postgresql" if database_url else "sqlite",
                "seed_s": seeding[size],
                **{name: values[size] for name, values in measured.items()},
                "updates_queued": int(updates),
            }
            results.append(result)
        return results
    finally:
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--decisions", type=int, nargs="+", default=[10, 10_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    for result in asyncio.run(run(tuple(args.decisions), runs=args.runs, database_url=args.database_url)):
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
