"""``/decide show``, ``/decide log``, ``/decide list`` and ``/coalition status`` with 10 and with
10,000 decisions (100 ballots each: 1,000,000 ballots), and the time from a ballot to every posted
copy updated with 30 linked channels.

One coalition with 100 members and 30 linked channels; N closed decisions, each with 100 open
ballots and its line in the decision log, seeded with bulk inserts after the product's own
migrations, on a fresh SQLite file or an emptied PostgreSQL database; then one open decision posted
in the 30 channels (copies marked sent, so each ballot queues 30 in-place updates). Each command
runs through the real core (``Core.run_command``: one unit of work), a warm-up and then ``--runs``
timed runs, the median reported. "Ballot" is a Vote click that changes the member's choice
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
    assert not (await chat.say("lead", '/coalition create "Bench"')).is_error
    async with db.unit_of_work() as session:
        c = int((await session.exec(text("SELECT id FROM coalition"))).scalar_one())  # type: ignore[call-overload]
        session.add_all(Member(coalition_id=c, display_name=f"Person {n:03d}") for n in range(MEMBERS - 1))
        session.add_all(
            ChannelBinding(coalition_id=c, platform="console", workspace="local", channel=f"bench-{n}")
            for n in range(CHANNELS - 1)
        )
    async with db.session() as session:
        members = list((await session.exec(text("SELECT id FROM member ORDER BY id"))).scalars())  # type: ignore[call-overload]
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
        ids = list((await session.exec(text("SELECT id FROM decision ORDER BY id"))).scalars())  # type: ignore[call-overload]
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
        open_id = int((await session.exec(text("SELECT max(id) FROM decision"))).scalar_one())  # type: ignore[call-overload]
    return {"coalition": c, "open": open_id, "old": ids[0] if ids else open_id}


async def timed(runs: int, call: Callable[[], Awaitable[object]]) -> float:
    await call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


async def run(decisions: int, *, runs: int = 5, database_url: str = "") -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="decide-bench-"))
    db = Database.from_url(database_url or f"sqlite:///{folder / 'bench.db'}")
    try:
        await upgrade(db)
        if database_url:
            await reset_postgres(db)
        core = make_core(db)
        core.clock.set(NOW)  # type: ignore[attr-defined]
        chat = Chat(core)
        seeded_at = time.perf_counter()
        ids = await seed(db, chat, decisions)
        seeding = time.perf_counter() - seeded_at

        async def say(line: str) -> None:
            reply = await chat.say("lead", line)
            assert not reply.is_error, reply.plain()

        choice = [0]

        async def ballot() -> None:
            choice[0] ^= 1
            event = ActionEvent("decide.choose", f"{ids['open']}:opt:{choice[0]}", chat.actor("lead"), chat.place())
            reply = await core.run_action(event)
            assert not reply.is_error, reply.plain()

        result: dict[str, object] = {
            "decisions": decisions,
            "ballots": decisions * MEMBERS,
            "database": "postgresql" if database_url else "sqlite",
            "seed_s": round(seeding, 1),
            "show_open_ms": round(await timed(runs, lambda: say(f"/decide show {ids['open']}")), 1),
            "show_old_ms": round(await timed(runs, lambda: say(f"/decide show {ids['old']}")), 1),
            "log_ms": round(await timed(runs, lambda: say("/decide log")), 1),
            "log_last_page_ms": round(await timed(runs, lambda: say(f"/decide log {max(1, decisions // 10)}")), 1),
            "list_ms": round(await timed(runs, lambda: say("/decide list")), 1),
            "status_ms": round(await timed(runs, lambda: say("/coalition status")), 1),
            "ballot_30_copies_ms": round(await timed(runs, ballot), 1),
        }
        async with db.session() as session:
            updates = (
                await session.exec(text("SELECT count(*) FROM outboxmessage WHERE kind = 'update'"))
            ).scalar_one()  # type: ignore[call-overload]
        result["updates_queued"] = int(updates)
        return result
    finally:
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--decisions", type=int, nargs="+", default=[10, 10_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    for n in args.decisions:
        print(json.dumps(asyncio.run(run(n, runs=args.runs, database_url=args.database_url))), flush=True)


if __name__ == "__main__":
    main()
