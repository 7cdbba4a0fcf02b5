"""``coalition-bot backup`` and ``restore --verify`` at size: N check-ins (the seeding of
``bench/status_scale.py``: 100 goals, 2,000 members, a year of check-ins) on a fresh SQLite file or
an emptied PostgreSQL database; the time of one copy, of its verification (restore into a scratch
database and compare every table), the copy's size, and the longest the event loop waited during the
copy (a 1 ms ticker: the SQLite copy runs in a worker thread, PostgreSQL's reads are awaited).

    .venv/bin/python -m bench.backup --checkins 100000 1000000
    .venv/bin/python -m bench.backup --checkins 100000 --database-url postgresql://…/coalition_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench.status_scale import seed
from bot.ops.backup import make_backup
from bot.ops.restore import verify_copy
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.support import Chat, make_core, reset_postgres


async def ticker(longest: list[float], stop: asyncio.Event) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        longest[0] = max(longest[0], now - last)
        last = now


async def run(checkins: int, database_url: str | None) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    db = Database.from_url(database_url or f"sqlite:///{work / 'bench.db'}")
    try:
        await upgrade(db)
        if not db.is_sqlite:
            await reset_postgres(db)
        await seed(db, Chat(make_core(db)), checkins)
        longest, stop = [0.0], asyncio.Event()
        loop_task = asyncio.create_task(ticker(longest, stop))
        started = time.perf_counter()
        path, manifest = await make_backup(db, work / "copies")
        backup_s = time.perf_counter() - started
        stop.set()
        await loop_task
        started = time.perf_counter()
        different = await verify_copy(db, path, manifest)
        verify_s = time.perf_counter() - started
        return {
            "database": "sqlite" if db.is_sqlite else "postgresql",
            "checkins": checkins,
            "backup_s": round(backup_s, 2),
            "verify_s": round(verify_s, 2),
            "size_mib": round(path.stat().st_size / 2**20, 1),
            "loop_held_ms": round(longest[0] * 1000, 1),
            "identical": not different,
        }
    finally:
        await db.dispose()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkins", type=int, nargs="+", default=[100_000])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    for n in args.checkins:
        print(json.dumps(asyncio.run(run(n, args.database_url))))


if __name__ == "__main__":
    main()
