"""Proactive messages in the console: posts, updates and private messages are printed as they are
delivered from the outbox, marked with where they went."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from bot.adapters.console.render import render
from bot.core.context import Place
from bot.core.delivery import MessageRef
from bot.core.i18n import N_, _, language
from bot.core.ui import Reply

if TYPE_CHECKING:
    from bot.adapters.console.app import Console

PLATFORM = "console"


class ConsoleMessenger:
    platform = PLATFORM

    def __init__(self, console: Console) -> None:
        self.console = console
        self._ids = itertools.count(1)

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        message_id = str(next(self._ids))
        heading = N_("── posted in #{channel} (message {message}) ──")
        await self._print(heading, {"channel": place.channel, "message": message_id}, place.channel, reply)
        return MessageRef(PLATFORM, place.workspace, place.channel, message_id)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        heading = N_("── message {message} in #{channel} updated ──")
        await self._print(heading, {"channel": ref.channel, "message": ref.message_id}, ref.channel, reply)

    async def direct(self, workspace: str, user_id: str, reply: Reply) -> MessageRef:
        await self._print(N_("── private message to {user} ──"), {"user": user_id}, f"@{user_id}", reply)
        return MessageRef(PLATFORM, workspace, f"@{user_id}", str(next(self._ids)))

    async def _print(self, heading: str, values: dict[str, str], channel: str | None, reply: Reply) -> None:
        """The heading in the message's language (a channel post: the coalition's), then the message."""
        console = self.console
        rendered = render(reply)
        with language(reply.lang):
            console.say(_(heading, **values))
        if rendered.text:
            console.say(rendered.text)
        console.save_files(reply)
        if channel == console.place.channel and rendered.choices:
            console.choices = rendered.choices  # the newest message here: its buttons are the ones to click
