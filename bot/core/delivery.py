"""Outbound messages to channels and people, as every platform adapter provides them.

Handlers never call these: they return replies. The outbox (proactive messages: prompts,
reminders, digests, announcements) and the adapters' own follow-ups use a :class:`Messenger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

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


@dataclass(frozen=True)
class CalendarEvent:
    """A scheduled event in a chat server (Discord's "external" events): a meeting somewhere else,
    with its place and end time. It waits in the outbox as :meth:`payload`."""

    name: str
    description: str
    start: datetime
    end: datetime
    location: str

    def payload(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "location": self.location,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> CalendarEvent:
        return cls(
            name=str(data["name"]),
            description=str(data.get("description") or ""),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            location=str(data.get("location") or ""),
        )


class EventScheduler(Protocol):
    """What a messenger offers if its platform has scheduled events (optional: Discord has them)."""

    async def schedule_event(self, workspace: str, event: CalendarEvent) -> str:
        """Create the event in that server; returns the event's id."""
        ...

    async def cancel_event(self, workspace: str, event_id: str) -> None:
        """Delete an event created earlier (an event already gone counts as deleted)."""
        ...


@dataclass(frozen=True)
class ChannelInfo:
    """What a platform says about one channel: its id, its name and whether it calls it private
    (a Slack private channel; a Discord channel that @everyone cannot view, or a private thread)."""

    channel: str
    name: str
    private: bool


class ChannelInspector(Protocol):
    """What an adapter offers so a command can ask about a channel (``core.services.channels``)."""

    async def channel_info(self, workspace: str, channel: str, *, by_name: bool = False) -> ChannelInfo | None:
        """The channel with this id (or this name, when ``by_name``) in that workspace, as the bot
        sees it; None when there is none the bot can see. Raises :class:`DeliveryError` when the
        platform cannot be asked right now."""
        ...
