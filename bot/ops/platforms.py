"""What the bot needs from Slack and Discord, and asking them whether it has it (``setup``, ``doctor``).

Plain HTTP with httpx against ``SLACK_API_URL`` / ``DISCORD_API_URL``: each answer is read
defensively (a platform in trouble answers HTML or nothing), and no token ever leaves this module
in a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

TIMEOUT = 10.0
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
ADMINISTRATOR = 1 << 3
CHANNEL_PERMISSIONS = {
    "View Channel": VIEW_CHANNEL,
    "Send Messages": SEND_MESSAGES,
    "Embed Links": EMBED_LINKS,
    "Attach Files": ATTACH_FILES,
    "Manage Events": MANAGE_EVENTS,
}
# The invite asks for exactly what the bot uses: the channel permissions above and slash commands.
INVITE_PERMISSIONS = sum(CHANNEL_PERMISSIONS.values()) | USE_APPLICATION_COMMANDS


def invite_url(application_id: str) -> str:
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}"
    )


def slack_scopes() -> tuple[str, ...]:
    from bot.adapters.slack.app import BOT_SCOPES

    return BOT_SCOPES


@dataclass
class Answer:
    """A platform's answer: ``ok``, the JSON body (empty when it was not JSON), the error code, and the
    server's clock when it said."""

    ok: bool
    body: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0

    @property
    def server_time(self) -> Any:
        date = self.headers.get("date")
        if not date:
            return None
        try:
            return parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return None


def _read(response: httpx.Response) -> Answer:
    try:
        body = response.json()
    except ValueError:
        body = None
    headers = {k.lower(): v for k, v in response.headers.items()}
    if not isinstance(body, dict | list):
        return Answer(False, {}, f"http_{response.status_code}", headers, response.status_code)
    if isinstance(body, list):
        return Answer(response.is_success, {"items": body}, "", headers, response.status_code)
    ok = bool(body.get("ok", response.is_success))
    error = "" if ok else str(body.get("error") or body.get("message") or f"http_{response.status_code}")
    return Answer(ok, body, error, headers, response.status_code)


async def _call(request: Any) -> Answer:
    try:
        return _read(await request)
    except httpx.HTTPError as error:
        return Answer(False, {}, f"unreachable ({type(error).__name__})")


class Slack:
    def __init__(self, api_url: str, client: httpx.AsyncClient) -> None:
        self.base = api_url if api_url.endswith("/") else api_url + "/"
        self.client = client

    async def call(self, method: str, token: str, **args: Any) -> Answer:
        headers = {"Authorization": f"Bearer {token}"}
        return await _call(self.client.post(self.base + method, data=args, headers=headers, timeout=TIMEOUT))

    async def auth_test(self, token: str) -> tuple[Answer, set[str]]:
        """``auth.test`` and the scopes the token carries (Slack lists them in ``X-OAuth-Scopes``)."""
        answer = await self.call("auth.test", token)
        scopes = {s.strip() for s in answer.headers.get("x-oauth-scopes", "").split(",") if s.strip()}
        return answer, scopes


class Discord:
    def __init__(self, api_url: str, client: httpx.AsyncClient, token: str) -> None:
        self.base = api_url.rstrip("/")
        self.client = client
        self.headers = {"Authorization": f"Bot {token}"}

    async def get(self, path: str) -> Answer:
        return await _call(self.client.get(self.base + path, headers=self.headers, timeout=TIMEOUT))

    async def channel_permissions(self, channel_id: str, bot_id: str) -> tuple[int | None, str]:
        """The bot's permissions in a channel, computed as Discord does (base roles, then the
        channel's overwrites for @everyone, the bot's roles and the bot itself); ``None`` and the
        error when the channel cannot be read."""
        channel = await self.get(f"/channels/{channel_id}")
        if not channel.ok:
            return None, channel.error
        guild_id = str(channel.body.get("guild_id", ""))
        roles = await self.get(f"/guilds/{guild_id}/roles")
        member = await self.get(f"/guilds/{guild_id}/members/{bot_id}")
        if not roles.ok or not member.ok:
            return None, roles.error or member.error
        return permissions_in(channel.body, roles.body.get("items", []), member.body, guild_id, bot_id), ""


def permissions_in(
    channel: dict[str, Any], roles: list[dict[str, Any]], member: dict[str, Any], guild_id: str, user_id: str
) -> int:
    """Discord's permission algorithm for one member in one channel."""
    mine = {str(r) for r in member.get("roles", [])}
    by_id = {str(r.get("id")): int(r.get("permissions") or 0) for r in roles}
    base = by_id.get(guild_id, 0)
    for role in mine:
        base |= by_id.get(role, 0)
    if base & ADMINISTRATOR:
        return (1 << 53) - 1
    overwrites = {str(o.get("id")): o for o in channel.get("permission_overwrites") or []}

    def apply(value: int, overwrite: dict[str, Any] | None) -> int:
        if overwrite is None:
            return value
        return (value & ~int(overwrite.get("deny") or 0)) | int(overwrite.get("allow") or 0)

    value = apply(base, overwrites.get(guild_id))
    allow = deny = 0
    for role in mine:
        if role in overwrites:
            allow |= int(overwrites[role].get("allow") or 0)
            deny |= int(overwrites[role].get("deny") or 0)
    value = (value & ~deny) | allow
    return apply(value, overwrites.get(user_id))


def missing_permissions(value: int) -> list[str]:
    return [name for name, bit in CHANNEL_PERMISSIONS.items() if not value & bit]
