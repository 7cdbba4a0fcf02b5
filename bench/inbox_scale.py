"""The inbox (``/coalition inbox``, also the Slack Home tab) against a long history of pledges,
meetings and flags, with the indexes of migration ``0023`` and without them, in the same run.

A coalition grown by :mod:`bench.history_seed` (``--scale`` times its full history of pledge items,
meetings and flags; check-ins kept small, the inbox does not read them) on a fresh SQLite file or an
emptied PostgreSQL database, and ``--coalitions`` more coalitions holding a closed copy of that
history (a database serving many coalitions); the coalition's creator (steering: a flag handler
and a voter) is given an organisation so every part of the inbox has work. Timed:
``/coalition inbox`` through the real core (median of ``--runs`` after a warm-up), with every
index, then after dropping the three indexes of ``0023``, then with them again (each time
analysed). ``--explain`` prints the plans of the statements that read the three tables.

    .venv/bin/python -m bench.inbox_scale --scale 1 --coalitions 20
    .venv/bin/python -m bench.inbox_scale --scale 10 --database-url postgresql://…/coalition_bench   # emptied!
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from typing import Any

from sqlalchemy import event, text
from sqlmodel import select

from bench.history_seed import NOW, Size, bulk, seed
from bot.core.clock import ManualClock
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.flag_models import ConflictFlag
from bot.store.meeting_models import Meeting
from bot.store.models import Coalition
from bot.store.pledge_models import PledgeItem
from tests.support import Chat, bench_database, make_core

INDEXES = {  # migration 0023
    "ix_conflict_flag_coalition_status": "conflict_flag (coalition_id, status)",
    "ix_meeting_coalition_status": "meeting (coalition_id, status)",
    "ix_pledgeitem_coalition_state": "pledgeitem (coalition_id, state, organisation_id)",
}
TABLES = ("conflict_flag", "meeting", "pledgeitem")


async def indexes(db: Database, *, drop: bool) -> None:
    async with db.engine.begin() as conn:
        for name, columns in INDEXES.items():
            await conn.execute(text(f"DROP INDEX {name}" if drop else f"CREATE INDEX {name} ON {columns}"))
        await conn.execute(text("ANALYZE"))


async def timed(runs: int, chat: Chat) -> float:
    async def inbox() -> None:
        reply = await chat.say("lead", "/coalition inbox")
        chat.transcript.clear()
        assert not reply.is_error, reply.plain()

    await inbox()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await inbox()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def plans(db: Database, chat: Chat) -> list[str]:
    """The plan of each statement of one inbox that reads one of the three tables."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if any(f" {table}" in statement or f'"{table}"' in statement for table in TABLES):
            seen.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", keep)
    try:
        await chat.say("lead", "/coalition inbox")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", keep)
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    out = []
    async with db.engine.connect() as conn:
        for statement, parameters in seen:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            if db.is_sqlite:
                cursor = await driver.execute(explain + statement, parameters)  # type: ignore[union-attr]
                rows = [" ".join(str(v) for v in row) for row in await cursor.fetchall()]
            else:
                rows = [r[0] for r in await driver.fetch(explain + statement, *parameters)]  # type: ignore[union-attr]
            out.append(statement.split("FROM", 1)[-1][:120].replace("\n", " ") + "\n    " + "\n    ".join(rows))
    return out


def unique(model: Any, row: dict[str, Any], other: int) -> dict[str, Any]:
    """A flag's receipt hash is unique across coalitions."""
    return {"receipt_hash": f"{other}:{row['receipt_hash']}"[:128]} if model is ConflictFlag else {}


async def others(db: Database, coalition_id: int, count: int) -> None:
    """``count`` more coalitions with a copy of this one's meetings, flags and pledge items, all closed
    (a database serving many coalitions, whose history the inbox must not read)."""
    closed = {
        Meeting: {"status": "closed"},
        ConflictFlag: {"status": "resolved"},
        PledgeItem: {"state": "fulfilled", "active": None},
    }
    async with db.session() as session:
        copies = {
            model: [
                {k: v for k, v in row.model_dump().items() if k != "id"}
                for row in (await session.exec(select(model).where(model.coalition_id == coalition_id))).all()
            ]
            for model in closed
        }
    for n in range(count):
        await bulk(db, Coalition, [{"name": f"Other {n}", "slug": f"other-{n}", "settings": {}}])
        async with db.session() as session:
            other = (await session.exec(select(Coalition.id).where(Coalition.slug == f"other-{n}"))).one()
        for model, rows in copies.items():
            await bulk(
                db,
                model,
                [{**row, "coalition_id": other, **closed[model], **unique(model, row, other)} for row in rows],
            )
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def run(scale: float, runs: int, database_url: str | None, explain: bool, coalitions: int = 0) -> dict[str, Any]:
    async with bench_database(database_url, "bench-inbox-") as db:
        return await measure(db, scale, runs, explain, coalitions)


async def measure(db: Database, scale: float, runs: int, explain: bool, coalitions: int) -> dict[str, Any]:
    clock = ManualClock()
    clock.set(NOW)
    chat = Chat(make_core(db, clock))
    size = Size(
        checkins=1_000,
        pledge_items=round(10_000 * scale),
        meetings=round(1_000 * scale),
        flags=round(500 * scale),
        wins=10,
    )
    assert not (await chat.say("lead", '/coalition create "Bench"')).is_error
    async with db.session() as session:
        coalition_id = int((await session.exec(text("SELECT id FROM coalition"))).scalar_one())  # type: ignore[call-overload]
    await seed(db, coalition_id, size, random.Random(24))
    await others(db, coalition_id, coalitions)
    async with db.engine.begin() as conn:  # the lead speaks for an organisation: its pledges show
        await conn.execute(
            text(
                "UPDATE member SET organisation_id = (SELECT min(id) FROM organisation)"
                " WHERE id = (SELECT min(id) FROM member)"
            )
        )
    result: dict[str, Any] = {
        "database": db.engine.dialect.name,
        "pledge_items": size.pledge_items,
        "meetings": size.meetings,
        "flags": size.flags,
        "other_coalitions": coalitions,
    }
    result["inbox_with_indexes_ms"] = round(await timed(runs, chat) * 1000, 1)
    if explain:
        result["plans_with"] = await plans(db, chat)
    await indexes(db, drop=True)
    result["inbox_without_ms"] = round(await timed(runs, chat) * 1000, 1)
    if explain:
        result["plans_without"] = await plans(db, chat)
    await indexes(db, drop=False)  # and with them again: the first timing ran on a colder cache
    result["inbox_with_again_ms"] = round(await timed(runs, chat) * 1000, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=10.0, help="times the full history's pledges, meetings, flags")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--coalitions", type=int, default=0, help="more coalitions with a closed copy of the history")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a fresh SQLite file (emptied!)")
    args = parser.parse_args()
    result = asyncio.run(run(args.scale, args.runs, args.database_url, args.explain, args.coalitions))
    for key in ("plans_with", "plans_without"):
        for plan in result.pop(key, []):
            print(key, plan)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
