"""Outbound messages to channels and people, as every platform adapter provides them.

Handlers never call these: they return replies. The outbox (proactive messages: prompts,
reminders, digests, announcements) and the adapters' own follow-ups use a :class:`Messenger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.context import Place
from bot.core.ui import Reply


@dataclass(frozen=True)
class MessageRef:
    """A message the bot posted, so it can be updated in place later."""

    platform: str
    workspace: str
    channel: str
    message_id: str


class DeliveryError(Exception):
    """A send failed. ``retry_after`` is set for rate limits; ``permanent`` for errors not worth retrying."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Messenger(Protocol):
    platform: str

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        """Post a channel-visible message."""
        ...

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Replace the content of a message posted earlier."""
        ...

    async def direct(self, workspace: str, user_id: str, reply: Reply) -> MessageRef:
        """Send a private message to one person."""
        ...
