"""Slack acknowledgement latency under a burst: N people type a slash command at the same moment.

The real Bolt app runs under uvicorn (``serve``'s web app) against the loopback fake Slack Web API
from ``tests/fakes``, on a SQLite file; requests are signed exactly as Slack signs them and sent
concurrently over HTTP. Slack gives an app 3 seconds to acknowledge; the answer itself may follow
through the ``response_url``. Measured per request: the time to the HTTP acknowledgement, and the
time until the answer reached the response URL.

    .venv/bin/python -m bench.slack_ack --people 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path

from bench.latency import latencies
from bot.adapters.slack.app import SlackAdapter
from bot.commands import build_registry
from bot.config import Settings
from bot.core.dispatch import Core
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.fakes.slack_api import FakeSlack, SlackSide, run_app
from tests.support import reset_postgres

SECRET = "bench-signing-secret"


async def run(people: int, command: str, database_url: str | None = None) -> dict[str, object]:
    fake = FakeSlack()
    await fake.start()
    url = database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-ack-')) / 'bench.db'}"
    db = Database.from_url(url)
    await upgrade(db)
    if database_url:
        await reset_postgres(db)  # empty tables each run
    settings = Settings(  # type: ignore[call-arg]
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=fake.teams["T0001"].token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
    )
    core = Core(db, build_registry(), settings)
    adapter = SlackAdapter(core, settings)
    running = await run_app(core, adapter)
    side = SlackSide(fake, running.url, SECRET)
    try:

        async def answered(user: str, line: str) -> None:  # one command, waiting for its answer
            body = side.command_body(user, line)
            await side.command(body)
            key = body["response_url"].rsplit("/", 1)[1]
            await fake.until(lambda: bool(fake.responses.get(key)))

        lead = fake.add_user("ULEAD", "Lead")
        await answered(lead, '/coalition create "Bench"')
        await answered(lead, '/goal add "Calls" target=100000 unit=calls')
        users = [fake.add_user(f"U{n:05d}", f"Person {n}") for n in range(people)]
        for user in users:  # members, so the burst does real work (a check-in each)
            await answered(user, '/coalition join org="Org"')

        bodies = [side.command_body(user, command) for user in users]
        done: dict[str, float] = {}

        async def one(body: dict[str, str]) -> tuple[float, float]:
            started = time.perf_counter()
            response = await side.command(body)
            acked = time.perf_counter() - started
            assert response.status_code == 200, response.text
            key = body["response_url"].rsplit("/", 1)[1]
            await fake.until(lambda: bool(fake.responses.get(key)))
            done[key] = time.perf_counter() - started
            return acked, done[key]

        started = time.perf_counter()
        results = await asyncio.gather(*(one(body) for body in bodies))
        wall = time.perf_counter() - started
        acks = [a for a, _ in results]
        answers = [d for _, d in results]
        failures = [r for key in done for r in fake.responses[key] if "went wrong" in json.dumps(r)]
        thanked = sum(1 for key in done for r in fake.responses[key] if "Thanks!" in json.dumps(r))
        return {
            "people": people,
            "command": command,
            "database": db.engine.dialect.name,
            **latencies(acks, answers),
            "all_answered_s": round(wall, 3),
            "error_answers": len(failures),
            "answered": len(done),
            "thanked": thanked,
            "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "acked_before_written": getattr(getattr(adapter.interactions, "intake", None), "late", None),
        }
    finally:
        await side.aclose()
        await running.stop()
        await adapter.stop()
        await fake.close()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--command", default='/checkin 1 "burst"')
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a fresh SQLite file (emptied!)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.people, args.command, args.database_url)), indent=2))


if __name__ == "__main__":
    main()
