"""Three real ``coalition-bot serve`` processes on one PostgreSQL database (SPEC §5, issue 16).

The processes share the Slack HTTP load (commands go to different ones; one request reaching two
processes at once, and a Slack retry landing on another process later, each do nothing twice), all of them run outbox dispatchers, and
exactly one runs the scheduler. The leader is SIGKILLed in the middle of an 80-channel fan-out (the
command went to the leader, so as a rule its own dispatcher is sending it); then a follower must lead within 30 seconds, every announcement must
reach Slack exactly once — the rows the dead process had claimed wait out their lease, and the one
it may have had in flight when it died is found again in the channel's history by its delivery key
(message metadata) instead of being sent twice, as bot/delivery/dispatcher.py promises for Slack —
and timed work that falls due after the kill (a check-in prompt) is done by the new leader.

Runs only with TEST_POSTGRES_URL (CI sets it): it creates a fresh database next to that one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.delivery.dispatcher import delivery_key
from bot.store.db import Database
from bot.store.impact_models import Win
from bot.store.migrate import upgrade
from bot.store.models import ChannelBinding, Coalition, Goal
from bot.store.outbox_models import OutboxMessage, OutboxStatus
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow
from tests.fakes.slack_api import JSON, FakeSlack, SlackSide, block_text, free_socket
from tests.support import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="several processes need PostgreSQL (TEST_POSTGRES_URL)")

SECRET = "several-processes-signing-secret-0123"
PROCESSES = 3
CHANNELS = 80  # the fan-out: one announcement per linked channel
LEASE = 6  # seconds an outbox claim lasts (OUTBOX_LEASE_SECONDS); production keeps 120
WIN = "The council adopted the clean air plan"
LIMIT = 30.0  # the bound on a takeover, and the limit on every wait here


@dataclass
class Process:
    number: int
    port: int
    log: Path
    process: asyncio.subprocess.Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self) -> str:
        return f"--- serve #{self.number} (port {self.port}) ---\n" + self.log.read_text(errors="replace")[-3000:]


async def until(condition: Callable[[], Awaitable[bool]], what: str, limit: float = LIMIT) -> None:
    """Poll ``condition`` until it holds; the limit only turns a hang into a failure."""
    try:
        async with asyncio.timeout(limit):
            while True:
                if await condition():
                    return
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not within {limit:.0f} s: {what}") from None


@pytest.fixture
async def database() -> AsyncIterator[tuple[str, Database]]:
    """A fresh, migrated database beside TEST_POSTGRES_URL's (the processes share it)."""
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_several"
    admin = Database.from_url(POSTGRES_URL)
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    db = Database.from_url(url)
    await upgrade(db)
    yield url, db
    await db.dispose()
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.close()


async def start(number: int, url: str, fake: FakeSlack, tmp_path: Path) -> Process:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))},
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SLACK_BOT_TOKEN": fake.teams["T0001"].token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "SCHEDULER_LEADER_INTERVAL": "1",
        "OUTBOX_LEASE_SECONDS": str(LEASE),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / f"serve-{number}.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    return Process(number, port, log, process)


async def health(client: httpx.AsyncClient, process: Process) -> JSON | None:
    try:
        response = await client.get(f"{process.url}/healthz", timeout=2)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


async def leaders(client: httpx.AsyncClient, processes: list[Process]) -> list[Process]:
    said = [await health(client, p) for p in processes]
    return [p for p, h in zip(processes, said, strict=True) if h is not None and h.get("scheduler") == "leader"]


async def metric(client: httpx.AsyncClient, process: Process, name: str) -> float:
    lines = (await client.get(f"{process.url}/metrics")).text.splitlines()
    found = [line.split()[1] for line in lines if line.startswith(f"coalition_bot_{name} ")]
    return float(found[0]) if found else 0.0


def wins_in(fake: FakeSlack) -> list[JSON]:
    return [m for m in list(fake.messages.values()) if WIN in block_text(m.get("blocks") or [])]


async def test_three_processes_share_the_work_and_survive_the_leader(
    database: tuple[str, Database], fake: FakeSlack, tmp_path: Path
) -> None:
    url, db = database
    alice = fake.add_user("UALICE", "Alice")
    bob = fake.add_user("UBOB", "Bob")
    processes = [await start(n, url, fake, tmp_path) for n in range(PROCESSES)]
    client = httpx.AsyncClient(timeout=10)
    sides = [SlackSide(fake, p.url, SECRET) for p in processes]
    try:

        async def all_up() -> bool:
            return all([await health(client, p) is not None for p in processes])

        await until(all_up, "every process answers /healthz")

        async def one_leader() -> bool:
            return len(await leaders(client, processes)) == 1

        await until(one_leader, "exactly one process leads the scheduler")
        (leader,) = await leaders(client, processes)
        assert await metric(client, leader, "scheduler_leader") == 1
        followers = [p for p in processes if p is not leader]
        assert [await metric(client, p, "scheduler_leader") for p in followers] == [0, 0]

        # Commands to different processes: each answers through Slack's response_url.
        async def command(side: SlackSide, user: str, line: str, channel: str, **options: object) -> JSON:
            body = side.command_body(user, line, channel=channel)
            response = await side.command(body, **options)
            assert response.status_code == 200, response.text
            await fake.until(lambda: bool(fake.responses_of(body["response_url"])))
            return body

        await command(sides[followers[0].number], alice, '/coalition create "Clean Air"', "C0001")
        await command(sides[followers[1].number], bob, '/coalition create "Night Shift"', "C0002")
        # One request reaching two processes at once (Slack retried while the first was at work).
        goal = sides[0].command_body(alice, '/goal add "Calls" target=100 unit=calls', channel="C0001")
        both = await asyncio.gather(
            sides[followers[0].number].command(goal), sides[followers[1].number].command(goal, retry=1)
        )
        assert [r.status_code for r in both] == [200, 200]
        await fake.until(lambda: bool(fake.responses_of(goal["response_url"])))
        async with db.unit_of_work() as session:
            clean_air = (await session.exec(select(Coalition).where(Coalition.name == "Clean Air"))).one()
            night = (await session.exec(select(Coalition).where(Coalition.name == "Night Shift"))).one()
            for n in range(1, CHANNELS):  # 79 more channels linked to Clean Air (set-up, not under test)
                session.add(
                    ChannelBinding(
                        coalition_id=clean_air.id or 0, platform="slack", workspace="T0001", channel=f"C{n:04d}X"
                    )
                )
            # Timed work that falls due after the kill below, so only a new leader can do it.
            due = datetime.now(UTC) + timedelta(seconds=8)
            session.add(
                CheckinSchedule(
                    coalition_id=night.id or 0,
                    kind="cron",
                    cron="0 0 1 1 *",
                    label="yearly",
                    tz="UTC",
                    window_hours=1,
                    next_fire_at=due,
                )
            )

        # The fan-out, sent to the leader (its dispatcher starts at once) ...
        win = await command(sides[leader.number], alice, f'/impact win "{WIN}"', "C0001")
        answer = block_text(fake.responses_of(win["response_url"])[0].get("blocks") or [])
        assert f"Announced in {CHANNELS} channels" in answer, answer
        # ... and Slack's retry of the same request, landing on another process: nothing twice.
        retried = await sides[followers[0].number].command(win, retry=1)
        assert retried.status_code == 200

        await fake.until(lambda: len(wins_in(fake)) >= 5)
        leader.process.send_signal(signal.SIGKILL)
        killed_at = datetime.now(UTC)
        killed_wall = time.time()
        await leader.process.wait()
        delivered_before = len(wins_in(fake))
        assert delivered_before < CHANNELS, "the fan-out ended before the kill: nothing was tested"

        async def new_leader() -> bool:
            return len(await leaders(client, followers)) == 1

        await until(new_leader, "a follower leads the scheduler within 30 s of the kill")
        (successor,) = await leaders(client, followers)
        assert await metric(client, successor, "scheduler_last_tick_timestamp_seconds") > killed_wall

        # Every announcement reaches Slack exactly once.
        async def fan_out_done() -> bool:
            async with db.session() as session:
                open_rows = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.coalition_id == clean_air.id, OutboxMessage.status != OutboxStatus.SENT.value)
                )
            return open_rows == 0

        await until(fan_out_done, "every outbox row of the fan-out is sent")
        async with db.session() as session:
            rows = list(
                (await session.exec(select(OutboxMessage).where(OutboxMessage.coalition_id == clean_air.id))).all()
            )
            wins = (await session.exec(select(Win))).all()
            goals = (await session.exec(select(Goal))).all()
        assert len(wins) == 1, "the retried command logged the win twice"
        assert len(goals) == 1, "one request reached two processes, and both added the goal"
        assert len(rows) == CHANNELS
        posted = wins_in(fake)
        per_channel = {m["channel"]: [x for x in posted if x["channel"] == m["channel"]] for m in posted}
        assert len(per_channel) == CHANNELS, f"{CHANNELS - len(per_channel)} channels got no announcement"
        doubled = {channel: len(ms) for channel, ms in per_channel.items() if len(ms) != 1}
        assert doubled == {}, f"announced more than once: {doubled}"
        assert sorted(m["metadata"]["event_payload"]["key"] for m in posted) == sorted(delivery_key(r) for r in rows)
        assert {r.message_id for r in rows} == {m["ts"] for m in posted}

        # The timed work due after the kill is done, once, by the new leader.
        async def prompt_rows() -> list[OutboxMessage]:
            async with db.session() as session:
                query = select(OutboxMessage).where(
                    OutboxMessage.coalition_id == night.id, col(OutboxMessage.key).startswith("prompt:")
                )
                return list((await session.exec(query)).all())

        async def prompted() -> bool:
            rows = await prompt_rows()
            return bool(rows) and all(r.status == OutboxStatus.SENT.value for r in rows)

        await until(prompted, "the check-in prompt due after the kill is posted")
        async with db.session() as session:
            windows = (await session.exec(select(CheckinWindow).where(CheckinWindow.coalition_id == night.id))).all()
        assert len(windows) == 1
        assert windows[0].prompted_at is not None
        assert windows[0].prompted_at >= killed_at
        (prompt,) = await prompt_rows()
        keyed = [
            m
            for m in fake.messages.values()
            if (m.get("metadata") or {}).get("event_payload", {}).get("key") == delivery_key(prompt)
        ]
        assert [m["channel"] for m in keyed] == ["C0002"]
        fake.check()
        for process in followers:
            assert process.process.returncode is None, process.tail()
    except BaseException:
        print("\n".join(p.tail() for p in processes if p.log.exists()))
        raise
    finally:
        for side in sides:
            await side.aclose()
        await client.aclose()
        for process in processes:
            if process.process.returncode is None:
                process.process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                await asyncio.wait_for(process.process.wait(), 15)
            except TimeoutError:
                process.process.kill()
                await process.process.wait()
    assert all(p.process.returncode == 0 for p in followers), "\n".join(p.tail() for p in followers)
