"""Discord wiring: a sharding-ready discord.py client in ``serve``'s event loop.

``start`` logs in (a bad token fails at startup), localises the command descriptions with the
translator (:class:`~bot.adapters.discord.commands.CatalogTranslator` unless another is given),
syncs application commands if the localised command set changed since the last sync, and connects
to the gateway as a background task. With ``DISCORD_GATEWAY=off`` it only logs in: the process
then sends outbox messages over REST and leaves the gateway (and the command sync) to the one
process that owns it, as several ``serve`` processes on one database must.

Interactions go to one catch-all handler; nothing is registered with discord.py's command tree
(which would answer interactions itself) or view store, so the translator is applied to our
payload directly rather than through ``CommandTree``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord.commands import CatalogTranslator, build_command_set, localise, sync_commands, sync_scopes
from bot.adapters.discord.intake import answer_unanswered
from bot.adapters.discord.interactions import NO_MENTIONS, InteractionHandler
from bot.adapters.discord.messenger import DiscordMessenger
from bot.adapters.discord.translate import PLATFORM
from bot.config import Settings
from bot.core.delivery import Messenger
from bot.core.dispatch import Core
from bot.core.errors import ConfigError
from bot.core.intake import HOLD

log = logging.getLogger(__name__)

__all__ = ["DiscordAdapter", "DiscordMessenger"]


def point_at(api_url: str, gateway_url: str) -> None:
    """Aim discord.py's REST (incl. interaction callbacks and webhooks) and gateway at these URLs.

    discord.py keeps both as class attributes, so this applies process-wide.
    """
    Route.BASE = api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class CoalitionClient(discord.AutoShardedClient):
    """The gateway client: no privileged intents, no mentions, every interaction to the handler."""

    def __init__(self, handler: InteractionHandler, **options: Any) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        options.setdefault("allowed_mentions", NO_MENTIONS)
        options.setdefault("chunk_guilds_at_startup", False)
        options.setdefault("max_ratelimit_timeout", 30.0)
        super().__init__(**options)
        self.handler = handler
        # The payload of each interaction as the gateway sent it, until its handler takes it: it is
        # what gets written down (bot.core.intake), and what an Interaction is rebuilt from.
        self.payloads: dict[int, dict[str, Any]] = {}
        parse = self._connection.parsers["INTERACTION_CREATE"]

        def keep_payload(data: dict[str, Any]) -> None:
            self.payloads[int(data["id"])] = data
            parse(data)

        self._connection.parsers["INTERACTION_CREATE"] = keep_payload

    async def launch_shards(self) -> None:
        # Ask Discord how many shards to run, but connect to the configured gateway URL.
        if self.shard_count is None:
            self.shard_count, _url, _limits = await self.http.get_bot_gateway()
        await super().launch_shards()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.handler.handle(interaction, self.payloads.pop(interaction.id, None))


class DiscordAdapter:
    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        settings: Settings,
        *,
        modal_budget: float = 1.5,
        translator: discord.app_commands.Translator | None = None,
        **client_options: Any,
    ) -> None:
        if not settings.discord_token:
            raise ConfigError("DISCORD_TOKEN is missing: the Discord adapter needs the bot token.")
        self.core = core
        self.settings = settings
        self.scopes = sync_scopes(settings.discord_guild_ids)
        self.commands = build_command_set(core.registry)
        self.translator = translator or CatalogTranslator()
        self.handler = InteractionHandler(core, self.commands, modal_budget=modal_budget)
        point_at(settings.discord_api_url, settings.discord_gateway_url)
        self.client = CoalitionClient(self.handler, **client_options)
        messenger = DiscordMessenger(self.client, core.services.kept)
        self.messenger: Messenger = messenger
        core.services.channels.register(PLATFORM, messenger)  # is a channel private: GET /channels/{id}
        self.application_id: int | None = None
        self._connection: asyncio.Task[None] | None = None
        self._replay: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()  # the first look for interactions a dead process left is done

    def routes(self) -> list[Any]:
        return []

    async def start(self) -> None:
        try:
            await self.client.login(self.settings.discord_token)
        except discord.LoginFailure:
            await self.client.close()
            raise ConfigError("DISCORD_TOKEN was rejected by Discord: copy the bot token again.") from None
        self.application_id = self.client.application_id  # login fetched the application
        if self.application_id is None:
            self.application_id = int((await self.client.http.application_info())["id"])
        self._replay = asyncio.create_task(self._keep_answering(), name="discord-unanswered")
        if not self.settings.discord_gateway:
            # DISCORD_GATEWAY=off: another process owns the gateway (and syncs the commands); this
            # one only delivers outbox messages over REST.
            log.info("Discord gateway off in this process: sending only")
            return
        await localise(self.commands, self.translator)
        await sync_commands(
            self.client.http,
            self.core.services.kept,
            self.application_id,
            self.commands,
            self.core.registry.fingerprint(),
            self.scopes,
        )
        self._connection = asyncio.create_task(self._connect(), name="discord-gateway")

    async def answer_unanswered(self) -> int:
        """Interactions a process deferred and died before answering (bot.core.intake); over REST,
        so a process without the gateway answers them too."""
        return await answer_unanswered(self.handler, self.client, self.core.clock.now())

    async def _keep_answering(self) -> None:
        """At start, then every ``HOLD``: another process may have died since (several processes)."""
        while True:
            try:
                await self.answer_unanswered()
            except Exception:
                log.exception("could not answer the interactions a stopped process left")
            self.caught_up.set()
            await asyncio.sleep(HOLD.total_seconds())

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the Discord gateway connection ended")

    async def stop(self) -> None:
        """Finish answering interactions in flight, then disconnect."""
        if self._replay is not None:
            self._replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.handler.drain(), timeout=10)
        await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._connection
