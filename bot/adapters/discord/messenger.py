"""Proactive Discord messages (prompts, reminders, digests, announcements) for the outbox.

Rate limits shorter than ``max_ratelimit_timeout`` are waited out by discord.py; longer ones, and
every other failure, become a :class:`DeliveryError` the outbox can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.custom_ids import IdBook
from bot.adapters.discord.interactions import NO_MENTIONS
from bot.adapters.discord.render import OutgoingMessage, render_reply
from bot.adapters.discord.translate import PLATFORM
from bot.core.context import Place
from bot.core.delivery import CalendarEvent, ChannelInfo, DeliveryError, MessageRef
from bot.core.services import Kept
from bot.core.ui import Reply

VIEW_CHANNEL = 1 << 10
TEXT_CHANNEL, ANNOUNCEMENT, ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD = 0, 5, 10, 11, 12
THREADS = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD)
WRITABLE = frozenset({TEXT_CHANNEL, ANNOUNCEMENT, ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})


def hidden_from_everyone(channel: dict[str, Any], guild_id: str) -> bool:
    """Whether the channel's permission overwrites deny View Channel to @everyone (the role whose
    id is the guild's): what Discord shows as a private channel."""
    for overwrite in channel.get("permission_overwrites") or []:
        if str(overwrite.get("id")) == guild_id and int(overwrite.get("type", 0)) == 0:
            return bool(int(overwrite.get("deny") or 0) & VIEW_CHANNEL)
    return False


class DiscordMessenger:
    platform = PLATFORM

    def __init__(self, client: discord.Client, kept: Kept) -> None:
        self.client = client
        self.kept = kept

    async def post(self, place: Place, reply: Reply, *, outbox_key: str | None = None) -> MessageRef:
        """Post every message of the reply; the first one's id names it. With ``outbox_key`` each
        message carries an enforced nonce derived from it, so Discord answers a repeat sent within
        a few minutes (the outbox resending after a crash) with the message it already has."""
        guild_id = int(place.workspace) if place.workspace.isascii() and place.workspace.isdigit() else None
        channel = self.client.get_partial_messageable(int(place.channel), guild_id=guild_id)
        message_id = await self._send(channel, reply, outbox_key)
        return MessageRef(PLATFORM, place.workspace, place.channel, message_id)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        messages = await self._render(reply)
        channel = self.client.get_partial_messageable(int(ref.channel))
        first = messages[0]
        with delivery_errors():
            await channel.get_partial_message(int(ref.message_id)).edit(
                content=first.content,
                embeds=first.embeds,
                attachments=first.files(),
                view=first.view(),
                allowed_mentions=NO_MENTIONS,
            )

    async def direct(self, workspace: str, user_id: str, reply: Reply, *, outbox_key: str | None = None) -> MessageRef:
        with delivery_errors():
            channel = await self.client.create_dm(discord.Object(int(user_id)))
        message_id = await self._send(channel, reply, outbox_key)
        return MessageRef(PLATFORM, workspace, str(channel.id), message_id)

    async def schedule_event(self, workspace: str, event: CalendarEvent) -> str:
        """An external scheduled event (a meeting held elsewhere): needs a location, an end time and
        the bot's Manage Events permission in that server."""
        guild = self.client.get_guild(int(workspace)) if workspace.isdigit() else None
        if guild is None and workspace.isdigit():  # not in this process's cache (DISCORD_GATEWAY=off)
            with delivery_errors():
                guild = await self.client.fetch_guild(int(workspace), with_counts=False)
        if guild is None:
            raise DeliveryError(f"Discord server {workspace} is not available to the bot yet")
        with delivery_errors():
            created = await guild.create_scheduled_event(
                name=event.name[:100],
                description=event.description[:1000],
                start_time=event.start,
                end_time=event.end,
                location=event.location[:100],
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
            )
        return str(created.id)

    async def cancel_event(self, workspace: str, event_id: str) -> None:
        try:
            with delivery_errors():
                await self.client.http.delete_scheduled_event(int(workspace), int(event_id))
        except DeliveryError as error:
            if isinstance(error.__cause__, discord.NotFound):
                return  # deleted in Discord already
            raise

    async def channel_info(self, workspace: str, channel: str, *, by_name: bool = False) -> ChannelInfo | None:
        """What Discord says about a channel of this server (``core.services.channels``), from
        ``GET /channels/{id}``: private when @everyone may not view it, or a private thread (a
        public thread is as private as its parent). A name is looked up among the server's
        channels the bot has seen. A channel of another server, or one the bot cannot see, is None."""
        if not workspace.isdigit():
            return None
        if by_name:
            guild = self.client.get_guild(int(workspace))
            wanted = channel.lstrip("#").lower()
            found = next((c for c in guild.channels if c.name.lower() == wanted), None) if guild else None
            if found is None:
                return None
            channel = str(found.id)
        if not channel.isdigit():
            return None
        raw = await self._raw_channel(channel)
        if raw is None or str(raw.get("guild_id")) != workspace or int(raw.get("type", -1)) not in WRITABLE:
            return None
        kind = int(raw.get("type", -1))
        if kind == PRIVATE_THREAD:
            private = True
        elif kind in THREADS:
            parent = await self._raw_channel(str(raw.get("parent_id") or ""))
            private = parent is not None and hidden_from_everyone(parent, workspace)
        else:
            private = hidden_from_everyone(raw, workspace)
        return ChannelInfo(str(raw.get("id")), str(raw.get("name") or ""), private)

    async def _raw_channel(self, channel: str) -> dict[str, Any] | None:
        if not channel.isdigit():
            return None
        try:
            with delivery_errors():
                return dict(await self.client.http.get_channel(int(channel)))
        except DeliveryError as error:
            if isinstance(error.__cause__, (discord.NotFound, discord.Forbidden)):
                return None
            raise

    async def _send(self, channel: discord.abc.Messageable, reply: Reply, outbox_key: str | None) -> str:
        """Send every message of the reply; the first one's id names it."""
        first: discord.Message | None = None
        for index, message in enumerate(await self._render(reply)):
            kwargs = _kwargs(message)
            if outbox_key is not None:
                kwargs["nonce"] = f"{outbox_key[:20]}.{index}"  # at most 25 characters; discord.py enforces it
            with delivery_errors():
                sent = await channel.send(**kwargs)
            first = first or sent
        assert first is not None
        return str(first.id)

    async def _render(self, reply: Reply) -> list[OutgoingMessage]:
        ids = IdBook()
        messages = render_reply(reply, ids)
        await ids.save(self.kept)
        return messages


def _kwargs(message: OutgoingMessage) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"content": message.content, "embeds": message.embeds, "allowed_mentions": NO_MENTIONS}
    view = message.view()
    if view is not None:
        kwargs["view"] = view
    files = message.files()
    if files:
        kwargs["files"] = files
    return kwargs


@contextmanager
def delivery_errors() -> Iterator[None]:
    """Discord failures in the outbox's terms: retry later (with a delay), or give up. Only a refusal
    in Discord's own words (a JSON error with a Discord error ``code``) can be permanent; an answer
    that is not Discord's JSON (an HTML page from a proxy, an empty body) is an incident, retried."""
    try:
        yield
    except discord.RateLimited as error:
        raise DeliveryError(str(error), retry_after=error.retry_after) from error
    except discord.DiscordServerError as error:
        raise DeliveryError(f"Discord server error {error.status}") from error
    except discord.HTTPException as error:
        if error.status == 429:
            raise DeliveryError("Discord rate limit", retry_after=retry_after(error)) from error
        if not error.code:  # not Discord's JSON: a proxy or an outage speaking
            raise DeliveryError(f"Discord answered {error.status} without an error code") from error
        raise DeliveryError(f"Discord refused: {error.status} (code {error.code})", permanent=True) from error
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as error:
        raise DeliveryError(f"could not reach Discord: {type(error).__name__}") from error


def retry_after(error: discord.HTTPException) -> float:
    headers = getattr(error.response, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", "1") or 1))
    except (TypeError, ValueError):
        return 1.0
