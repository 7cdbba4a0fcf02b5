"""The Slack Home tab, kept current: published when the person opens it, after a click on it, and
soon after the bot sends them a private message (something changed for them: a request to approve,
a reminder). ``views.publish`` is rate-limited per workspace, so refreshes for one person are
coalesced: at most one waits at a time, and it publishes what is true when it runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.errors import error_code
from bot.adapters.slack.ids import Stash
from bot.adapters.slack.render import render_home
from bot.core.context import Actor
from bot.core.dispatch import Core

log = logging.getLogger(__name__)

DELAY = 2.0  # seconds a refresh waits for more changes to the same person's inbox


class HomeTab:
    def __init__(self, core: Core, *, delay: float = DELAY) -> None:
        self.core = core
        self.delay = delay
        self._waiting: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def publish(self, client: AsyncWebClient, actor: Actor) -> None:
        """Publish the person's Home view now."""
        stash = Stash()
        view = render_home(await self.core.home(actor), stash)
        await stash.save(self.core.services.kept)
        try:
            await client.views_publish(user_id=actor.user_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish failed: %s", error_code(error) or "unreadable answer")

    def soon(self, key: tuple[str, str], publish: Callable[[], Awaitable[None]]) -> None:
        """Publish for ``key`` (workspace, user) after ``delay``, once however often it is asked."""
        if key in self._waiting:
            return

        async def later() -> None:
            try:
                await asyncio.sleep(self.delay)
                await publish()
            except Exception:
                log.exception("could not refresh a Home tab")
            finally:
                self._waiting.pop(key, None)

        self._waiting[key] = asyncio.ensure_future(later())

    async def drain(self) -> None:
        while self._waiting:
            await asyncio.gather(*list(self._waiting.values()), return_exceptions=True)
