"""Every answer at a tenth of a coalition's history and at all of it, in the same run (issue 23).

A coalition of 100 organisations and 1,000 members (the same at both sizes) grown in every
workflow — 100,000 check-ins with their audit entries, 10,000 pledge items with matches and
hand-overs, 1,000 meetings with votes and agendas, 500 flags with their logs, 2,500 wins, working
groups — seeded with bulk inserts (:mod:`bench.history_seed`) on a fresh SQLite file or an emptied
PostgreSQL database. Each answer runs through the real core (``Core.run_command``: one unit of work,
charts and files included), a warm-up then ``--runs`` timed runs (p50); the calendar feed is the
web route's own function. Also measured, per answer: the longest the event loop went without
running another task (a 1 ms ticker; on a shared machine also the CPU time the loop's thread spent
between two ticks, which the machine's load does not inflate), and the peak Python allocation of
one export (tracemalloc).

    .venv/bin/python -m bench.history_scale                       # 1/10 and full, SQLite
    .venv/bin/python -m bench.history_scale --only pledge_needs impact_report --runs 3
    .venv/bin/python -m bench.history_scale --database-url postgresql://…/coalition_bench   # emptied!
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from bench.history_seed import FEED_TOKEN, NOW, Size, seed
from bot.commands.meet.feed import feed_ics
from bot.core.clock import ManualClock
from bot.ops.heap import settle_heap
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from tests.support import Chat, bench_database, make_core

ANSWERS = {
    "pledge_needs": "/pledge needs",
    "pledge_list": "/pledge list",
    "coalition_status": "/coalition status",
    "pledge_map": "/pledge map",
    "impact_relationships": "/impact relationships",
    "impact_report": "/impact report",
    "coalition_export": "/coalition export",
    "meet_list": "/meet list",
    "impact_leaders": "/impact leaders",
    "impact_wins": "/impact wins",
    "flag_list": "/flag list",
    "calendar_feed": None,
}


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, float, float]:
    """Median seconds of ``runs`` calls after a warm-up; the longest the event loop went without
    running another task (wall clock: also counts a machine too busy to schedule us, and threads of
    ours holding the interpreter lock); and the most CPU time the loop's thread spent between two
    ticks (our own code holding the loop, whatever the machine's load)."""
    await call()
    held = held_cpu = 0.0
    stop = False

    async def ticker() -> None:
        nonlocal held, held_cpu
        last, last_cpu = time.perf_counter(), time.thread_time()
        while not stop:
            await asyncio.sleep(0.001)
            now, now_cpu = time.perf_counter(), time.thread_time()
            held = max(held, now - last - 0.001)
            held_cpu = max(held_cpu, now_cpu - last_cpu)
            last, last_cpu = now, now_cpu

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    stop = True
    await tick
    return statistics.median(times), held, held_cpu


async def run(
    size: Size, runs: int = 3, database_url: str | None = None, only: tuple[str, ...] = (), settle: bool = False
) -> dict[str, Any]:
    async with bench_database(database_url, "bench-history-") as db:
        return await measure(db, size, runs, only, settle)


async def measure(db: Database, size: Size, runs: int, only: tuple[str, ...], settle: bool) -> dict[str, Any]:
    clock = ManualClock()
    clock.set(NOW)
    chat = Chat(make_core(db, clock))
    thresholds = gc.get_threshold()
    try:
        started = time.perf_counter()
        assert not (await chat.say("lead", '/coalition create "Bench"')).is_error
        async with db.session() as session:
            coalition_id = int((await session.exec(text("SELECT id FROM coalition"))).scalar_one())  # type: ignore[call-overload]
        await seed(db, coalition_id, size, random.Random(23))
        gc.collect()  # the seed's garbage is not the answers' cost
        if settle:
            settle_heap()  # as serve does once started: full collections skip what start-up made
        result: dict[str, Any] = {
            "database": db.engine.dialect.name,
            "history": size.history,
            "seed_s": round(time.perf_counter() - started, 1),
            "settled": settle,
        }

        async def command(line: str) -> None:
            reply = await chat.say("lead", line)
            chat.transcript.clear()  # a server keeps no replies; kept, they swell every garbage collection
            assert not reply.is_error, reply.plain()

        async def feed() -> None:
            assert await feed_ics(db, "bench", FEED_TOKEN, clock) is not None

        for name, line in ANSWERS.items():
            if only and name not in only:
                continue
            call = feed if line is None else (lambda line=line: command(line))  # type: ignore[misc]
            median, held, held_cpu = await timed(runs, call)  # type: ignore[arg-type]
            result[f"{name}_ms"] = round(median * 1000, 1)
            result[f"{name}_stall_ms"] = round(held * 1000, 1)
            result[f"{name}_stall_cpu_ms"] = round(held_cpu * 1000, 1)
        if not only or "coalition_export" in only:
            tracemalloc.start()
            await command("/coalition export")
            result["export_traced_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        return result
    finally:
        if settle:
            gc.unfreeze()
            gc.set_threshold(*thresholds)


def growth(small: dict[str, Any], full: dict[str, Any]) -> dict[str, Any]:
    return {
        key.removesuffix("_ms"): round(full[key] / small[key], 1) if small[key] else None
        for key in full
        if key.endswith("_ms") and "_stall" not in key and key in small
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[], choices=sorted(ANSWERS))
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a fresh SQLite file (emptied!)")
    parser.add_argument("--unsettled", action="store_true", help="leave the garbage collector as Python starts it")
    args = parser.parse_args()
    results = []
    for history in args.history:
        results.append(
            asyncio.run(run(Size(history=history), args.runs, args.database_url, tuple(args.only), not args.unsettled))
        )
        print(json.dumps(results[-1]), flush=True)
    if len(results) == 2:
        print(json.dumps({"growth": growth(results[0], results[1])}), flush=True)


if __name__ == "__main__":
    main()
