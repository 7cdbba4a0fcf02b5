"""Set-up the adapter tests share: a loopback fake started and closed, the bot's own SQLite copy,
and the Slack app served over a fake. Each test module still declares its own fixtures (and so
keeps its own fake, database and app, in the scope it chooses); these only say once how each is
brought up and taken down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from bot.adapters.slack.app import SlackAdapter
from bot.commands.home import home_view
from bot.core.clock import ManualClock
from bot.core.dispatch import Core
from bot.core.registry import Registry
from bot.store.db import Database
from tests.fakes.slack_api import FakeSlack, Running, run_app
from tests.support import settings, sqlite_copy


class Server(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...


S = TypeVar("S", bound=Server)


@asynccontextmanager
async def started(server: S) -> AsyncIterator[S]:
    """The fake, listening on loopback until the block ends."""
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@asynccontextmanager
async def bot_database(template: Path, directory: Path) -> AsyncIterator[Database]:
    """The bot's database: a copy of the migrated SQLite template in ``directory``."""
    db = sqlite_copy(template, directory, "bot")
    try:
        yield db
    finally:
        await db.dispose()


@asynccontextmanager
async def slack_bot(
    fake: FakeSlack, db: Database, registry: Registry, secret: str
) -> AsyncIterator[tuple[SlackAdapter, Running]]:
    """The Slack adapter over ``fake`` (workspace T0001's token, signed with ``secret``), served by
    the real web app under uvicorn."""
    config = settings(
        SLACK_BOT_TOKEN=fake.teams["T0001"].token, SLACK_SIGNING_SECRET=secret, SLACK_API_URL=fake.api_url
    )
    core = Core(db, registry, config, ManualClock(), home=home_view)
    adapter = SlackAdapter(core, config, home_delay=0)
    running = await run_app(core, adapter)
    try:
        yield adapter, running
    finally:
        await running.stop()
        await adapter.stop()
