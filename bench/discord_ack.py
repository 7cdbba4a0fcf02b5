"""Discord acknowledgement (deferral) latency under a burst, with the intake writing each interaction
down first: N people send a slash command at the same moment.

An unmodified discord.py client (the real ``DiscordAdapter``) is connected to the loopback fake
Discord from ``tests/fakes`` (gateway and REST), on a fresh SQLite file or an emptied PostgreSQL
database. The fake sends the N interactions over the gateway back to back; Discord gives a bot 3
seconds for its first response (here a deferral, type 5), and the answer follows through the
interaction's token. Measured per interaction: from the moment the fake sent it to the moment its
deferral reached the fake, and to its answer (the follow-up or ``@original`` edit).
``--no-intake`` runs the same burst without writing interactions down (the code before the intake).

    .venv/bin/python -m bench.discord_ack --people 100
    .venv/bin/python -m bench.discord_ack --people 100 --no-intake
    .venv/bin/python -m bench.discord_ack --people 100 --spaced   # one at a time
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.latency import latencies
from bot.adapters.discord.app import DiscordAdapter
from bot.commands import build_registry
from bot.config import Settings
from bot.core.dispatch import Core
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.fakes.discord_fake import FakeDiscord
from tests.support import reset_postgres

COMMAND = 2


class TimedDiscord(FakeDiscord):
    """The fake, noting when each interaction's first response and first answer arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.acked: dict[int, float] = {}
        self.answered: dict[int, float] = {}

    async def _callback(self, request: web.Request) -> web.Response:
        self.acked.setdefault(int(request.match_info["id"]), time.perf_counter())
        return await super()._callback(request)

    def note_answer(self, request: web.Request) -> None:
        interaction = self.by_token.get(request.match_info["token"])
        if interaction is not None:
            self.answered.setdefault(interaction.id, time.perf_counter())

    async def _followup(self, request: web.Request) -> web.Response:
        response = await super()._followup(request)
        self.note_answer(request)
        return response

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        response = await super()._webhook_edit(request)
        self.note_answer(request)
        return response


async def run(people: int, intake: bool, database_url: str | None = None, *, spaced: bool = False) -> dict[str, object]:
    fake = TimedDiscord()
    await fake.start()
    url = database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-discord-')) / 'bench.db'}"
    db = Database.from_url(url)
    await upgrade(db)
    if database_url:
        await reset_postgres(db)
    settings = Settings(  # type: ignore[call-arg]
        DATABASE_URL=url,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_IDS=str(fake.guild_id),
    )
    core = Core(db, build_registry(), settings)
    adapter = DiscordAdapter(core, settings)
    if not intake:

        async def never(_interaction: Any) -> bool:
            return False

        adapter.handler.keeps = never  # type: ignore[method-assign,assignment]
    identified = fake.identifies
    await adapter.start()
    await fake.until(lambda: fake.identifies > identified)
    try:

        async def answered(user: dict[str, Any], command: str, path: tuple[str, ...], **options: Any) -> None:
            data = fake.command_data(command, path, options)
            iid = await fake.interact(COMMAND, user, data)
            await fake.until(lambda: iid in fake.answered)

        lead = fake.add_user("Lead")
        await answered(lead, "coalition", ("create",), name="Bench")
        await answered(lead, "goal", ("add",), title="Calls", target=100000, unit="calls")
        users = [fake.add_user(f"Person {n}") for n in range(people)]
        for user in users:  # members already, so the burst does only its own work (a check-in each)
            await answered(user, "goal", ("list",))
        await adapter.handler.drain()

        sent: dict[int, float] = {}
        data = fake.command_data("checkin", ("log",), {"amount": 1, "note": "burst"})
        started = time.perf_counter()
        for user in users:
            before = time.perf_counter()
            iid = await fake.interact(COMMAND, user, data)
            sent[iid] = before
            if spaced:  # one at a time: the latency of a quiet bot
                await fake.until(lambda at=iid: at in fake.answered)  # type: ignore[misc]
        await fake.until(lambda: all(iid in fake.answered for iid in sent))
        wall = time.perf_counter() - started
        await adapter.handler.drain()
        acks = [fake.acked[iid] - at for iid, at in sent.items()]
        answers = [fake.answered[iid] - at for iid, at in sent.items()]
        deferred = sum(1 for iid in sent if [r.body["type"] for r in fake.callbacks(iid)] == [5])
        logged = sum(1 for iid in sent if any("Logged" in json.dumps(m) for m in fake.messages_of(iid)))
        return {
            "people": people,
            "spaced": spaced,
            "intake": intake,
            "database": db.engine.dialect.name,
            **latencies(acks, answers),
            "all_answered_s": round(wall, 3),
            "deferred": deferred,
            "logged": logged,
            "acked_before_written": adapter.handler.intake.late if intake else None,
        }
    finally:
        await adapter.stop()
        await fake.close()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--no-intake", action="store_true", help="do not write interactions down (as before)")
    parser.add_argument("--spaced", action="store_true", help="one interaction at a time, not a burst")
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a fresh SQLite file (emptied!)")
    args = parser.parse_args()
    result = asyncio.run(run(args.people, not args.no_intake, args.database_url, spaced=args.spaced))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
