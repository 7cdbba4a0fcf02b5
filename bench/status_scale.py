"""``/coalition status``, ``/goal show`` and ``/checkin report`` at scale, against the bare SQL aggregate.

One coalition with 100 goals, 2,000 members and N check-ins spread over a year (seeded with bulk
inserts through the product's own migrations, then summed into the totals kept beside the check-ins
with the INSERT … SELECT … GROUP BY of migration 0015, timed apart), on a fresh SQLite file or an
emptied PostgreSQL database. Each command runs through the real core (``Core.run_command``, one
unit of work, the chart rendered, and again with the chart stubbed out), a warm-up and then
``--runs`` timed runs; in the same run, the one SQL aggregate a hand-written bot would run for the
same numbers ("bare": over the check-in table, as a bot that keeps no totals would). Also measured:
the longest the event loop went without running another task during a status call (a 1 ms ticker),
and the peak Python allocation of one status call (tracemalloc).

    .venv/bin/python -m bench.status_scale --checkins 1000 100000 1000000
    .venv/bin/python -m bench.status_scale --checkins 1000000 --database-url postgresql://…/coalition_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bot.core.clock import ManualClock
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.models import Checkin, Goal, Member
from bot.store.repo import CoalitionRepo
from tests.support import Chat, bench_database, make_core

GOALS = 100
MEMBERS = 2000
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
YEAR = 365 * 24 * 3600
CHUNK = 20_000

BARE = {
    "status": "SELECT goal_id, SUM(amount) FROM checkin WHERE coalition_id = :c GROUP BY goal_id",
    "show": "SELECT member_id, SUM(amount) FROM checkin WHERE coalition_id = :c AND goal_id = :g GROUP BY member_id",
    "report": (
        "SELECT goal_id, SUM(amount), COUNT(DISTINCT member_id) FROM checkin"
        " WHERE coalition_id = :c AND created_at >= :since GROUP BY goal_id"
    ),
}


async def seed(db: Database, chat: Chat, checkins: int) -> tuple[int, float]:
    """The coalition, and the seconds it took to sum its check-ins into the totals kept beside them."""
    assert not (await chat.say("lead", '/coalition create "Bench"')).is_error
    async with db.unit_of_work() as session:
        coalition_id = int((await session.exec(text("SELECT id FROM coalition"))).scalar_one())  # type: ignore[call-overload]
        session.add_all(
            Goal(coalition_id=coalition_id, title=f"Goal {n}", target=1000.0 * (1 + n % 7), unit="calls")
            for n in range(GOALS)
        )
        session.add_all(Member(coalition_id=coalition_id, display_name=f"Person {n:04d}") for n in range(MEMBERS))
    async with db.session() as session:
        goal_ids = list((await session.exec(text("SELECT id FROM goal ORDER BY id"))).scalars())  # type: ignore[call-overload]
        member_ids = list((await session.exec(text("SELECT id FROM member ORDER BY id"))).scalars())  # type: ignore[call-overload]
    rng = random.Random(16)
    start = NOW - timedelta(seconds=YEAR)
    for offset in range(0, checkins, CHUNK):
        rows = [
            {
                "coalition_id": coalition_id,
                "goal_id": rng.choice(goal_ids),
                "member_id": rng.choice(member_ids),
                "amount": float(rng.randint(1, 20)),
                "note": "",
                "blockers": "waiting for scripts" if rng.random() < 0.01 else "",
                "request_key": None,
                "created_at": start + timedelta(seconds=rng.randrange(YEAR)),
            }
            for _ in range(min(CHUNK, checkins - offset))
        ]
        async with db.unit_of_work() as session:
            await session.exec(insert(Checkin), params=rows)  # type: ignore[call-overload]
    started = time.perf_counter()
    async with db.unit_of_work() as session:  # the totals beside the check-ins, as migration 0015 fills them
        await CoalitionRepo(session, coalition_id).recount()
    totals_s = time.perf_counter() - started
    async with db.engine.begin() as conn:  # committed: on PostgreSQL a rolled-back ANALYZE keeps no statistics
        await conn.execute(text("ANALYZE"))
    return coalition_id, totals_s


@contextmanager
def charts_stubbed() -> Iterator[None]:
    """Every chart call answers an empty PNG at once (matplotlib's own time left out)."""
    from bot import charts

    saved = charts.progress_overview, charts.progress_chart
    charts.progress_overview = charts.progress_chart = lambda *a, **k: b""  # type: ignore[assignment]
    try:
        yield
    finally:
        charts.progress_overview, charts.progress_chart = saved


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Median seconds of ``runs`` calls after a warm-up, and the longest the event loop was held."""
    await call()
    held = 0.0
    stop = False

    async def ticker() -> None:
        nonlocal held
        last = time.perf_counter()
        while not stop:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            held = max(held, now - last - 0.001)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    stop = True
    await tick
    return statistics.median(times), held


async def run(checkins: int, runs: int = 5, database_url: str | None = None) -> dict[str, object]:
    async with bench_database(database_url, "bench-scale-") as db:
        return await measure(db, checkins, runs)


async def measure(db: Database, checkins: int, runs: int) -> dict[str, object]:
    clock = ManualClock()
    clock.set(NOW)
    chat = Chat(make_core(db, clock))
    started = time.perf_counter()
    coalition_id, totals_s = await seed(db, chat, checkins)
    seeded = time.perf_counter() - started

    async def command(line: str) -> None:
        reply = await chat.say("lead", line)
        assert not reply.is_error, reply.plain()

    async def bare(name: str) -> None:
        async with db.session() as session:
            params = {"c": coalition_id, "g": 1, "since": NOW - timedelta(days=7)}
            (await session.exec(text(BARE[name]), params=params)).all()  # type: ignore[call-overload]

    result: dict[str, object] = {
        "database": db.engine.dialect.name,
        "checkins": checkins,
        "seed_s": round(seeded, 1),
        "totals_backfill_s": round(totals_s, 1),
    }
    for name, line in (("status", "/coalition status"), ("show", "/goal show 1"), ("report", "/checkin report")):
        product, held = await timed(runs, lambda line=line: command(line))  # type: ignore[misc]
        plain, _ = await timed(runs, lambda name=name: bare(name))  # type: ignore[misc]
        result[f"{name}_ms"] = round(product * 1000, 1)
        result[f"{name}_bare_ms"] = round(plain * 1000, 1)
        result[f"{name}_ratio"] = round(product / plain, 2) if plain else None
        result[f"{name}_loop_held_ms"] = round(held * 1000, 1)
    # the same commands with the chart rendering stubbed out: what the data costs on its own
    with charts_stubbed():
        for name, line in (("status", "/coalition status"), ("show", "/goal show 1")):
            product, held = await timed(runs, lambda line=line: command(line))  # type: ignore[misc]
            result[f"{name}_no_chart_ms"] = round(product * 1000, 1)
            result[f"{name}_no_chart_ratio"] = round(product * 1000 / float(result[f"{name}_bare_ms"]), 2)  # type: ignore[arg-type]
            result[f"{name}_no_chart_loop_held_ms"] = round(held * 1000, 1)
    tracemalloc.start()
    await command("/coalition status")
    result["status_traced_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    result["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkins", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a fresh SQLite file (emptied!)")
    args = parser.parse_args()
    for n in args.checkins:
        print(json.dumps(asyncio.run(run(n, args.runs, args.database_url))), flush=True)


if __name__ == "__main__":
    main()
