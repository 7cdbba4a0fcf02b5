"""Failover benchmark: how long the scheduler goes without a leader when the leader is SIGKILLed.

    .venv/bin/python -m bench.failover --database-url postgresql://postgres:postgres@127.0.0.1:5432/coalition_bench

Creates (drops and re-creates) that database and migrates it, starts ``--processes`` real
``coalition-bot serve`` processes on it (no platform configured: the scheduler, the dispatcher and
the web server only), then ``--runs`` times: finds the leader through ``/healthz``, SIGKILLs it,
and waits until a follower's ``/metrics`` shows a scheduler tick after the kill. The time measured
is from the kill to that first tick of the new leader, as the new leader's own clock stamped it
(``coalition_bot_scheduler_last_tick_timestamp_seconds``; same machine, same clock), so the polling
adds nothing. A fresh process replaces the killed one before the next run. Results are recorded in
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.db import Database
from bot.store.migrate import upgrade


@dataclass
class Serve:
    port: int
    process: asyncio.subprocess.Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def fresh_database(url: str) -> None:
    name = make_url(url).database
    admin = Database.from_url(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    db = Database.from_url(url)
    await upgrade(db)
    await db.dispose()


async def start(url: str, interval: float, folder: Path) -> Serve:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))},
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SCHEDULER_LEADER_INTERVAL": str(interval),
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=folder, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    return Serve(port, process)


async def state(client: httpx.AsyncClient, serve: Serve) -> dict[str, float] | None:
    """The process's scheduler metrics, or None while it does not answer."""
    try:
        response = await client.get(f"{serve.url}/metrics", timeout=2)
    except httpx.HTTPError:
        return None
    values = {}
    for line in response.text.splitlines():
        name, _, value = line.partition(" ")
        if name.startswith("coalition_bot_scheduler_"):
            values[name.removeprefix("coalition_bot_")] = float(value)
    return values


async def poll(seconds: float = 0.05) -> None:
    await asyncio.sleep(seconds)


async def wait_up(client: httpx.AsyncClient, serves: list[Serve], limit: float = 60) -> None:
    async with asyncio.timeout(limit):
        while any([await state(client, s) is None for s in serves]):
            await poll()


async def leader_of(client: httpx.AsyncClient, serves: list[Serve], limit: float = 60) -> Serve:
    async with asyncio.timeout(limit):
        while True:
            leading = [s for s in serves if ((await state(client, s)) or {}).get("scheduler_leader") == 1]
            if len(leading) == 1:
                return leading[0]
            await poll()


async def first_tick_after(client: httpx.AsyncClient, serves: list[Serve], killed: float) -> float:
    """Seconds from the kill to the new leader's first tick (its own timestamp)."""
    async with asyncio.timeout(120):
        while True:
            for serve in serves:
                values = (await state(client, serve)) or {}
                tick = values.get("scheduler_last_tick_timestamp_seconds", 0.0)
                if values.get("scheduler_leader") == 1 and tick > killed:
                    return tick - killed
            await poll()


async def main(url: str, processes: int, runs: int, interval: float) -> list[float]:
    await fresh_database(url)
    folder = Path(tempfile.mkdtemp(prefix="failover-"))
    serves = [await start(url, interval, folder) for _ in range(processes)]
    times: list[float] = []
    async with httpx.AsyncClient() as client:
        try:
            await wait_up(client, serves)
            for run in range(1, runs + 1):
                leader = await leader_of(client, serves)
                leader.process.send_signal(signal.SIGKILL)
                killed = time.time()
                await leader.process.wait()
                serves.remove(leader)
                took = await first_tick_after(client, serves, killed)
                times.append(took)
                print(f"run {run}: {took:.2f} s from SIGKILL to the new leader's first tick", flush=True)
                replacement = await start(url, interval, folder)
                serves.append(replacement)
                await wait_up(client, serves)
        finally:
            for serve in serves:
                if serve.process.returncode is None:
                    serve.process.send_signal(signal.SIGTERM)
            for serve in serves:
                await serve.process.wait()
    print(
        f"{runs} runs, {processes} processes, SCHEDULER_LEADER_INTERVAL={interval:g}: "
        f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL; this database is re-created")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=10.0, help="SCHEDULER_LEADER_INTERVAL (seconds)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.database_url, arguments.processes, arguments.runs, arguments.interval))
