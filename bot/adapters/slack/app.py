"""Slack wiring: Bolt's ``AsyncApp`` in ``serve``'s event loop, over HTTP or Socket Mode.

- HTTP (default): ``POST /slack/events`` takes slash commands, interactivity and events, each
  signature-verified by Bolt (``SLACK_SIGNING_SECRET``, 5-minute window).
- Socket Mode (``SLACK_APP_TOKEN``): the same listeners over a websocket, opened in ``start``.
- OAuth (``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET``): ``/slack/install`` and
  ``/slack/oauth_redirect``; installations kept by the ``installations`` rows the wiring hands in
  (``bot.store.slack_installations``), with bot tokens encrypted here; each request and each
  proactive message uses the token of its workspace. Otherwise ``SLACK_BOT_TOKEN``.

Every Web API call goes to ``SLACK_API_URL``; Bolt copies the base URL and retry handlers of
``self.client`` into the per-request clients it builds, and the OAuth flow uses it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.adapters.slack.installations import (
    EncryptedInstallationStore,
    InstallationRows,
    SingleUseStateStore,
    TokenCipher,
)
from bot.adapters.slack.intake import answer_unanswered
from bot.adapters.slack.interactions import FORM_BUDGET, SlackInteractions
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.people import People
from bot.adapters.slack.translate import PLATFORM
from bot.adapters.slack.web import web_client
from bot.config import Settings
from bot.core.delivery import Messenger
from bot.core.dispatch import Core
from bot.core.errors import ConfigError
from bot.core.intake import HOLD, arrived

log = logging.getLogger(__name__)


class _ClientCarriesTheToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that our client
    (which carries the token, or none in OAuth mode) wins; that is intended, so say nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_ClientCarriesTheToken())

__all__ = ["BOT_SCOPES", "SlackAdapter", "SlackMessenger"]

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "im:write",
    "files:write",
    "channels:read",
    "groups:read",
    # Read back only by the outbox after a crash, to find a message it already sent by its
    # metadata key instead of sending it twice (SlackMessenger.find).
    "channels:history",
    "groups:history",
    "im:history",
)


class StampedSocketModeHandler(AsyncSocketModeHandler):
    """Socket Mode with each request's arrival stamped as it comes off the socket, as the HTTP
    endpoint does: the acknowledgement's clock starts here (bot.core.intake)."""

    async def handle(self, client: Any, req: Any) -> None:
        arrived()
        await super().handle(client, req)


class SlackAdapter:
    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        settings: Settings,
        *,
        installations: InstallationRows | None = None,
        form_budget: float = FORM_BUDGET,
        home_delay: float | None = None,
        **app_options: Any,
    ) -> None:
        self.core = core
        self.settings = settings
        self.oauth = bool(settings.slack_client_id)
        self.socket_mode = bool(settings.slack_app_token)
        if not self.oauth and not settings.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is missing: Slack needs the bot token (or SLACK_CLIENT_ID for OAuth).")
        if not self.socket_mode and not settings.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is missing: Slack over HTTP needs it to verify requests.")
        self.client = web_client(settings.slack_api_url, None if self.oauth else settings.slack_bot_token)
        self.installations: EncryptedInstallationStore | None = None
        self._rows = installations
        if self.oauth:
            if installations is None:
                raise ConfigError("Slack OAuth (SLACK_CLIENT_ID) needs somewhere to keep installations.")
            self.installations = EncryptedInstallationStore(installations, TokenCipher(settings.token_encryption_key))
        self.app = AsyncApp(**self._app_options(), **app_options)
        self.interactions = SlackInteractions(
            core, People(core.services.people, core.clock), form_budget=form_budget, home_delay=home_delay
        )
        self.interactions.register(self.app)
        if self.oauth:
            self.app.event("app_uninstalled")(self._forget_workspace)
            self.app.event("tokens_revoked")(self._forget_workspace)
        self.http = AsyncSlackRequestHandler(self.app)
        messenger = SlackMessenger(core.services.kept, self.bot_token, settings.slack_api_url)
        messenger.on_direct = self.interactions.refresh_home
        self.messenger: Messenger = messenger
        core.services.channels.register(PLATFORM, messenger)  # is a channel private: conversations.info
        self._socket: AsyncSocketModeHandler | None = None
        self._replay: asyncio.Task[None] | None = None

    def _app_options(self) -> dict[str, Any]:
        settings = self.settings
        options: dict[str, Any] = {
            "client": self.client,
            "signing_secret": settings.slack_signing_secret,
            "request_verification_enabled": bool(settings.slack_signing_secret) or not self.socket_mode,
            "process_before_response": False,
            "raise_error_for_unhandled_request": False,
        }
        if self.installations is None or self._rows is None:
            return options  # the bot token travels in ``client``
        public = settings.public_url.rstrip("/")
        options["oauth_settings"] = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=self.installations,
            installation_store_bot_only=True,
            state_store=SingleUseStateStore(self._rows, self.core.clock),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            redirect_uri=f"{public}{REDIRECT_PATH}" if public else None,
            install_page_rendering_enabled=False,
        )
        options["installation_store_bot_only"] = True
        return options

    async def _forget_workspace(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Uninstalled, or the bot token revoked: forget the token (revoked user tokens are not ours)."""
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return
        assert self.installations is not None
        async with self.interactions.tracked():
            await self.installations.async_delete_bot(enterprise_id=context.enterprise_id, team_id=context.team_id)
            log.info("Slack workspace %s uninstalled the app or revoked its token", context.team_id)

    async def bot_token(self, team_id: str) -> str | None:
        """The bot token for a workspace: the one token, or that workspace's installation."""
        if self.installations is None:
            return self.settings.slack_bot_token
        return await self.installations.bot_token(team_id)

    def routes(self) -> list[BaseRoute]:
        async def endpoint(request: Request) -> Response:
            arrived()  # the acknowledgement's clock starts here (bot.core.intake)
            return await self.http.handle(request)

        routes: list[BaseRoute] = []
        if not self.socket_mode:
            routes.append(Route(EVENTS_PATH, endpoint, methods=["POST"]))
        if self.oauth:
            routes += [Route(INSTALL_PATH, endpoint, methods=["GET"]), Route(REDIRECT_PATH, endpoint, methods=["GET"])]
        return routes

    async def answer_unanswered(self) -> int:
        """Requests a process acknowledged and died before answering (bot.core.intake)."""
        return await answer_unanswered(
            self.interactions, self.bot_token, self.settings.slack_api_url, self.core.clock.now()
        )

    async def _keep_answering(self) -> None:
        """At start, then every ``HOLD``: another process may have died since (several processes)."""
        while True:
            try:
                await self.answer_unanswered()
            except Exception:
                log.exception("could not answer the requests a stopped process left")
            await asyncio.sleep(HOLD.total_seconds())

    async def start(self) -> None:
        self._replay = asyncio.create_task(self._keep_answering(), name="slack-unanswered")
        if self.socket_mode:
            self._socket = StampedSocketModeHandler(self.app, self.settings.slack_app_token)
            await self._socket.connect_async()
            log.info("Slack Socket Mode connected")

    async def drain(self) -> None:
        await self.interactions.drain()

    async def stop(self) -> None:
        """Stop taking requests (Socket Mode), then finish the ones in flight."""
        if self._socket is not None:
            await self._socket.close_async()
        if self._replay is not None:
            self._replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay
        await self.interactions.drain()
