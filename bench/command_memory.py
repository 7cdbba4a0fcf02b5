"""Memory after many commands: does the process grow with the number of commands it answered?

    .venv/bin/python -m bench.command_memory --commands 10000             # through Slack (loopback fake)
    .venv/bin/python -m bench.command_memory --commands 10000 --via core  # the core alone
    .venv/bin/python -m bench.command_memory --commands 10000 --trace     # + tracemalloc and its top growth

A coalition with 3 goals and 50 members on a fresh SQLite file; then ``--commands`` mixed commands,
one after another (check-ins, status, goal show and list, check-in report, pledges offered and listed,
members, meetings, privacy, language), through the real Bolt app under uvicorn and the fake Slack Web
API from ``tests/fakes`` (signed requests over HTTP, each answer awaited at its ``response_url``), or
straight into ``Core.run_command``. The process's resident memory (and with ``--trace`` the memory
Python has allocated) is taken after the warm-up (``--warmup`` commands), after 1,000 and after
``--commands``, each after a full garbage collection. What the fake Slack keeps of each answer is
dropped as soon as the answer arrived, so the numbers are the bot's. Results are in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.commands import build_registry
from bot.config import Settings
from bot.core.context import Actor, Invocation, Place
from bot.core.dispatch import Core
from bot.server import release_free_memory
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import upgrade

PEOPLE = 50


def mix(n: int, person: int) -> str:
    """The ``n``-th command of the run: mostly check-ins, the rest the usual reads and a few writes."""
    goal = 1 + n % 3
    rotation = [
        f'/checkin {1 + n % 5} goal={goal} "door to door, round {n}"',
        "/coalition status",
        f"/goal show {goal}",
        f'/checkin {1 + n % 7} goal={goal} blockers="rain on day {n % 30}"',
        "/goal list",
        "/pledge list",
        f'/checkin 2 goal={goal} "calls {n}"',
        "/checkin report",
        f'/pledge offer "Flyers batch {n}" kind=material amount=100 unit=flyers',
        "/coalition members",
        f"/checkin 1 goal={goal}",
        "/meet list",
        "/pledge needs",
        "/coalition privacy",
        f"/coalition language {('en', 'es', 'fr')[person % 3]}",
    ]
    return rotation[n % len(rotation)]


def trimmed_rss_mib() -> float:
    """RSS after asking glibc to hand free memory back (``malloc_trim``): what is left is held."""
    release_free_memory()
    return round(rss_mib(), 1)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Measured:
    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.points: dict[str, dict[str, float]] = {}
        self.snapshots: dict[str, tracemalloc.Snapshot] = {}

    def take(self, name: str) -> None:
        gc.collect()
        point = {"rss_mib": round(rss_mib(), 1)}
        if self.trace:
            point["traced_mib"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 2)
            self.snapshots[name] = tracemalloc.take_snapshot()
        self.points[name] = point

    def growth(self, first: str, last: str) -> dict[str, str]:
        return {
            what: f"{self.points[last][what] / self.points[first][what] - 1:+.1%}"
            for what in self.points[first]
            if self.points[first][what]
        }

    def top(self, first: str, last: str, count: int = 12) -> list[str]:
        if not self.trace:
            return []
        ignored = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
        before = self.snapshots[first].filter_traces(ignored)
        after = self.snapshots[last].filter_traces(ignored)
        return [str(stat) for stat in after.compare_to(before, "lineno")[:count]]


async def via_core(db: Database, settings: Settings) -> tuple[Core, Callable[[int, str], Awaitable[None]], Any]:
    core = Core(db, build_registry(), settings)
    place = Place("console", "local", "general")

    async def say(person: int, line: str) -> None:
        name, _, rest = line.lstrip("/").partition(" ")
        actor = Actor("console", "local", f"u{person:03d}", f"Person {person}")
        reply = await core.run_command(Invocation(name, actor, place, text=rest))
        assert reply.plain(), line

    async def close() -> None:
        pass

    return core, say, close


async def via_slack(db: Database, url: str) -> tuple[Core, Callable[[int, str], Awaitable[None]], Any]:
    from bot.adapters.slack.app import SlackAdapter
    from tests.fakes.slack_api import FakeSlack, SlackSide, run_app

    secret = "bench-signing-secret"
    fake = FakeSlack()
    await fake.start()
    settings = Settings(  # type: ignore[call-arg]
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=fake.teams["T0001"].token,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=fake.api_url,
    )
    core = Core(db, build_registry(), settings)
    adapter = SlackAdapter(core, settings)
    running = await run_app(core, adapter)
    side = SlackSide(fake, running.url, secret)
    users = [fake.add_user(f"U{n:05d}", f"Person {n}") for n in range(PEOPLE)]

    async def say(person: int, line: str) -> None:
        body = side.command_body(users[person], line)
        response = await side.command(body)
        assert response.status_code == 200, response.text
        key = body["response_url"].rsplit("/", 1)[1]
        await fake.until(lambda: bool(fake.responses.get(key)))
        await adapter.drain()  # the rest of the answer too (a chart is uploaded after the text)
        # The fake remembers every call, answer, upload and trigger; drop them so what grows is the bot's.
        fake.responses.pop(key, None)
        for kept in (fake.calls, fake.ephemeral, fake.messages, fake.files, fake.triggers, fake.views):
            kept.clear()

    async def close() -> None:
        await side.aclose()
        await running.stop()
        await adapter.stop()
        await fake.close()

    return core, say, close


async def run(
    commands: int, *, via: str = "slack", warmup: int = 500, trace: bool = False, trim_every: int = 0
) -> dict[str, object]:
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-memory-')) / 'bench.db'}"
    db = Database.from_url(url)
    await upgrade(db)
    settings = Settings(DATABASE_URL=url, PUBLIC_URL="http://bot.test")  # type: ignore[call-arg]
    core, say, close = await (via_core(db, settings) if via == "core" else via_slack(db, url))
    measured = Measured(trace)
    try:
        await say(0, '/coalition create "Bench"')
        for title in ("Calls", "Doors", "Letters"):
            await say(0, f'/goal add "{title}" target=100000')
        for person in range(1, PEOPLE):
            await say(person, '/coalition join org="Org"')
        if trace:
            tracemalloc.start(1)
        started = time.perf_counter()
        middle = min(1000, commands)
        marks = {n: f"{n:,}" for n in range(1000, commands + 1, 1000)}
        marks.update({warmup: "warm-up", middle: f"{middle:,}", commands: f"{commands:,}"})
        trims: list[float] = []
        for n in range(1, commands + 1):
            await say(n % PEOPLE, mix(n, n % PEOPLE))
            if trim_every and n % trim_every == 0:  # what serve's timer does (every minute)
                began = time.perf_counter()
                await asyncio.to_thread(release_free_memory)
                trims.append(time.perf_counter() - began)
            if n in marks:
                measured.take(marks[n])
        seconds = time.perf_counter() - started
        last = marks[commands]
        return {
            "via": via,
            "commands": commands,
            "seconds": round(seconds, 1),
            "per_command_ms": round(seconds / commands * 1000, 1),
            "points": measured.points,
            "growth_from_warmup": measured.growth("warm-up", last),
            "growth_from_1000": measured.growth(f"{middle:,}", last),
            "trim_every": trim_every,
            "trim_ms_max": round(max(trims) * 1000, 1) if trims else None,
            "rss_mib_after_malloc_trim": trimmed_rss_mib(),
            "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX", ""),
            "top_growth_1000_to_last": measured.top(f"{middle:,}", last),
            "kept_documents": len(core.services.kept._memory),
        }
    finally:
        await close()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--via", choices=("slack", "core"), default="slack")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: traced memory and its top growth")
    parser.add_argument("--trim-every", type=int, default=0, help="release free memory as serve does, every N commands")
    args = parser.parse_args()
    result = asyncio.run(
        run(args.commands, via=args.via, warmup=args.warmup, trace=args.trace, trim_every=args.trim_every)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
