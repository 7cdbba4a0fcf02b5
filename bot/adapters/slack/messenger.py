"""Proactive Slack messages (prompts, reminders, digests, announcements) for the outbox.

Every send picks the bot token of the message's workspace (one token, or the installation store
in multi-workspace mode). Slack's answers become :class:`DeliveryError`: ``retry_after`` for a
long 429, ``permanent`` where retrying cannot help (channel gone, bot not in it, token revoked).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.errors import error_code, read_failure
from bot.adapters.slack.files import upload
from bot.adapters.slack.ids import Stash
from bot.adapters.slack.render import SlackMessage, render_reply
from bot.adapters.slack.translate import PLATFORM
from bot.adapters.slack.web import web_client
from bot.core.context import Place
from bot.core.delivery import ChannelInfo, DeliveryError, MessageRef
from bot.core.services import Kept
from bot.core.ui import Reply

TokenSource = Callable[[str], Awaitable[str | None]]
OUTBOX_EVENT = "coalition_bot_outbox"
FIND_DEPTH = 300  # newest messages searched for a key after a crash
LIST_PAGES = 10  # conversations.list pages (200 each) searched for a channel named by name
PERMANENT = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "cant_update_message",
        "channel_not_found",
        "edit_window_closed",
        "ekm_access_denied",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_revoked",
        "user_not_found",
        "user_not_visible",
    }
)


class SlackMessenger:
    platform = PLATFORM

    def __init__(self, kept: Kept, tokens: TokenSource, api_url: str) -> None:
        self.kept = kept
        self.tokens = tokens
        self.api_url = api_url
        self._clients: dict[str, AsyncWebClient] = {}
        # Told of every private message sent (the Home tab of its reader is refreshed soon after).
        self.on_direct: Callable[[AsyncWebClient, str, str], None] | None = None

    async def post(self, place: Place, reply: Reply, *, outbox_key: str | None = None) -> MessageRef:
        """Post every message of the reply; the first one's ``ts`` names it. With ``outbox_key``
        the first message carries it as message metadata, so a crash between sending and
        recording the send can be told apart from a message never sent."""
        client = await self._client(place.workspace)
        messages = await self._render(reply)
        metadata = None if outbox_key is None else {"event_type": OUTBOX_EVENT, "event_payload": {"key": outbox_key}}
        first = ""
        with delivery_errors():
            for message in messages:
                ts = await post_message(client, place.channel, message, metadata=None if first else metadata)
                first = first or ts
                await upload(client, place.channel, message.files)
        return MessageRef(PLATFORM, place.workspace, place.channel, first)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        client = await self._client(ref.workspace)
        first = (await self._render(reply))[0]
        with delivery_errors():
            await client.chat_update(channel=ref.channel, ts=ref.message_id, blocks=first.blocks, text=first.text)

    async def direct(self, workspace: str, user_id: str, reply: Reply, *, outbox_key: str | None = None) -> MessageRef:
        client = await self._client(workspace)
        with delivery_errors():
            channel = await open_dm(client, user_id)
        sent = await self.post(Place(PLATFORM, workspace, channel), reply, outbox_key=outbox_key)
        if self.on_direct is not None:
            self.on_direct(client, workspace, user_id)
        return sent

    async def find(self, place: Place, key: str) -> MessageRef | None:
        """The message an earlier ``post``/``direct`` sent with ``outbox_key=key``, if Slack has it.

        Asked only when a process died between Slack accepting a message and the outbox recording
        it, minutes ago at most, so the newest ``FIND_DEPTH`` messages of the channel (or of the DM
        with a user) are read, with their metadata. Needs the ``*:history`` scopes; without them
        Slack answers ``missing_scope`` and the outbox sends again (a possible repeat, no loss)."""
        client = await self._client(place.workspace)
        with delivery_errors():
            channel = await open_dm(client, place.channel) if is_user(place.channel) else place.channel
            cursor: str | None = None
            seen = 0
            while seen < FIND_DEPTH:
                page = await client.conversations_history(
                    channel=channel, limit=100, include_all_metadata=True, cursor=cursor
                )
                messages: list[dict[str, Any]] = page.get("messages") or []
                seen += len(messages)
                for message in messages:
                    metadata = message.get("metadata") or {}
                    payload = metadata.get("event_payload") or {}
                    if metadata.get("event_type") == OUTBOX_EVENT and payload.get("key") == key:
                        return MessageRef(PLATFORM, place.workspace, channel, str(message.get("ts", "")))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not messages or cursor is None:
                    break
        return None

    async def channel_info(self, workspace: str, channel: str, *, by_name: bool = False) -> ChannelInfo | None:
        """What Slack says about a channel (``core.services.channels``): ``conversations.info``
        (``is_private``; needs ``groups:read`` for private channels, which Slack shows the bot
        only when it is a member), or, for a name, the ``conversations.list`` of the channels the
        bot can see. A channel Slack does not show, and an archived one, is None."""
        client = await self._client(workspace)
        try:
            with delivery_errors():
                if by_name:
                    found = await find_by_name(client, channel.lstrip("#").lower())
                else:
                    found = (await client.conversations_info(channel=channel)).get("channel") or None
        except DeliveryError as error:
            if isinstance(error.__cause__, SlackApiError) and error_code(error.__cause__) in (
                "channel_not_found",
                "not_in_channel",
            ):
                return None
            raise
        if not found or found.get("is_archived") or found.get("is_im"):
            return None
        return ChannelInfo(str(found.get("id", "")), str(found.get("name", "")), bool(found.get("is_private")))

    async def _render(self, reply: Reply) -> list[SlackMessage]:
        stash = Stash()
        messages = render_reply(reply, stash)
        await stash.save(self.kept)
        return messages

    async def _client(self, workspace: str) -> AsyncWebClient:
        token = await self.tokens(workspace)
        if not token:
            raise DeliveryError(f"the app is not installed in Slack workspace {workspace}", permanent=True)
        client = self._clients.get(token)
        if client is None:
            client = self._clients[token] = web_client(self.api_url, token)
        return client


async def post_message(
    client: AsyncWebClient, channel: str, message: SlackMessage, *, metadata: dict[str, Any] | None = None
) -> str:
    kwargs: dict[str, Any] = {}
    if metadata is not None:
        kwargs["metadata"] = metadata
    response = await client.chat_postMessage(
        channel=channel, blocks=message.blocks, text=message.text, unfurl_links=False, unfurl_media=False, **kwargs
    )
    return str(response.get("ts", ""))


async def find_by_name(client: AsyncWebClient, name: str) -> dict[str, Any] | None:
    """The channel of this name among those the bot can see (public ones, and private ones it is in)."""
    cursor: str | None = None
    for _page in range(LIST_PAGES):
        page = await client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        for found in page.get("channels") or []:
            if str(found.get("name", "")).lower() == name:
                return dict(found)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            break
    return None


def is_user(target: str) -> bool:
    """User ids (``U…``, ``W…`` on Enterprise Grid) as opposed to conversation ids (``C``, ``G``, ``D``)."""
    return target[:1] in {"U", "W"}


async def open_dm(client: AsyncWebClient, user_id: str) -> str:
    response = await client.conversations_open(users=user_id)
    return str((response.get("channel") or {}).get("id", ""))


@contextmanager
def delivery_errors() -> Iterator[None]:
    """Slack failures in the outbox's terms: retry later (with a delay), or give up. Only an answer
    in Slack's own words (``error``) can be permanent; a body that is not Slack's JSON (an HTML
    error page, nothing) is an incident, retried."""
    try:
        yield
    except SlackApiError as error:
        failure = read_failure(error)
        if failure.status == 429 or failure.code == "ratelimited":
            raise DeliveryError("Slack rate limit", retry_after=failure.retry_after or 1.0) from error
        if failure.code in PERMANENT:
            raise DeliveryError(f"Slack refused: {failure.code}", permanent=True) from error
        status = failure.status if failure.status is not None else "?"
        raise DeliveryError(f"Slack error {status}: {failure.code or 'unreadable answer'}") from error
    except (SlackClientError, TimeoutError, aiohttp.ClientError, OSError, ValueError) as error:
        raise DeliveryError(f"could not reach Slack: {type(error).__name__}") from error
