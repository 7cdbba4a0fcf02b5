"""A loopback fake of Discord's REST API (v10) and gateway, enough for an unmodified discord.py.

One aiohttp server on 127.0.0.1 (port 0) serves REST under ``/api/v10`` and the gateway websocket
at ``/gateway`` (text frames; discord.py only decompresses binary ones). Every REST answer has
``Content-Type: application/json`` exactly. The fake keeps a small world (one guild, channels,
users), records what the bot did (command syncs, interaction callbacks, followups, edits,
channel messages, DMs) and models the Discord rules a bot can get wrong:

- an interaction is acknowledged once (a second callback gets 400, code 40060);
- after an ephemeral deferral the first followup or ``@original`` edit resolves the placeholder
  and stays ephemeral (the deferral's flag wins);
- ``@original`` of a component interaction is the message the component is on;
- a route can be told to answer 429 (with ``retry_after``, ``Retry-After``, ``Via``) once, to
  fail once with a server error, or to drop the connection unanswered once (what a timeout or a
  network failure looks like to the bot);
- a channel message sent with ``enforce_nonce`` and a nonce the bot used in that channel within
  the last few minutes (``NONCE_WINDOW``) is not created again: the earlier message is returned.

Interactions are sent to the most recently identified gateway session.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from bot.adapters.discord import payloads as wire
from tests.fakes import discord_rules as rules
from tests.fakes.discord_setup import INVITE_PERMISSIONS, setup_routes

EPHEMERAL = wire.EPHEMERAL
LOADING = 1 << 7
PERMISSIONS = "2248473465835073"
VIEW_CHANNEL = 1 << 10
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
HANG_LIMIT = 15.0
NONCE_WINDOW = 300.0  # seconds; Discord documents "the past few minutes"
_ids = itertools.count(1)


def snowflake() -> int:
    """Increasing ids shaped like Discord's (18–19 digits)."""
    return 1_300_000_000_000_000_000 + next(_ids) * 4096


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    channel_id: int
    user: dict[str, Any]
    payload: dict[str, Any]
    message_id: int | None = None  # the message a component is on
    acknowledged: bool = False
    original_id: int | None = None  # the response message (type 4 or 5)
    loading: bool = False
    deferred_ephemeral: bool = False


@dataclass
class Record:
    """One thing the bot did, in order: ``kind`` is callback, followup, edit, post, delete, sync, dm."""

    kind: str
    body: dict[str, Any]
    interaction_id: int | None = None
    message_id: int | None = None
    files: list[str] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        return self.body.get("type") if self.kind == "callback" else None


@dataclass
class RateLimit:
    method: str
    pattern: re.Pattern[str]
    times: int
    retry_after: float
    is_global: bool


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int  # 0: the connection is dropped without an answer
    raw: str | None = None  # a body that is not Discord's JSON (a proxy's HTML page)


class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.seq = 0
        self.session_id = secrets.token_hex(16)
        self.identified = False
        self.shard: list[int] = [0, 1]

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        frame: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
        if op == 0:
            self.seq += 1
            frame["s"] = self.seq
        await self.ws.send_str(json.dumps(frame))


class FakeDiscord:
    def __init__(self, token: str = "fake-bot-token") -> None:
        self.token = token
        self.application_id = snowflake()
        self.guild_id = snowflake()
        self.bot_user = user_payload(self.application_id, "Coalition Bot", bot=True)
        self.channels: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.locales: dict[int, str] = {}  # user id → the locale their client reports
        self.messages: dict[int, dict[str, Any]] = {}
        self.events: dict[int, dict[str, Any]] = {}  # scheduled events that exist now
        self.message_meta: dict[int, dict[str, Any]] = {}
        self.nonces: dict[tuple[int, str], tuple[float, int]] = {}  # (channel, nonce) → (when, message)
        self.interactions: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        self.records: list[Record] = []
        self.rate_limits: list[RateLimit] = []
        self.rate_limited: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.failed: list[tuple[str, str, int]] = []
        self.synced: dict[str, list[dict[str, Any]]] = {}
        self.sessions: list[GatewaySession] = []
        self.identifies = 0
        self.problems: list[str] = []  # what real Discord would have rejected with 400
        self.attachment_size_limit = ATTACHMENT_SIZE_LIMIT
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.bot_role = snowflake()  # the role Discord makes for the bot from its invite's permissions
        self.bot_role_permissions = INVITE_PERMISSIONS
        self.general = self.add_channel("general")

    # lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._rate_limiter])
        app.router.add_get("/gateway", self._gateway)
        api = "/api/v10"
        routes = [
            ("GET", "/users/@me", self._me),
            ("GET", "/gateway/bot", self._gateway_bot),
            ("GET", "/oauth2/applications/@me", self._application),
            ("PUT", "/applications/{app}/commands", self._sync),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._sync),
            ("POST", "/interactions/{id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._webhook_edit),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._webhook_delete),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/channels/{channel}/messages", self._post),
            ("PATCH", "/channels/{channel}/messages/{message}", self._channel_edit),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/guilds/{guild}", self._guild),
            ("POST", "/guilds/{guild}/scheduled-events", self._create_event),
            ("DELETE", "/guilds/{guild}/scheduled-events/{event}", self._delete_event),
        ]
        routes += setup_routes(self)
        for method, path, handler in routes:
            app.router.add_route(method, api + path, handler)
        app.router.add_route("*", api + "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for session in list(self.sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # the world ---------------------------------------------------------------------------------

    def add_channel(self, name: str = "", *, private: bool = False) -> int:
        """A text channel of the guild; ``private``: @everyone is denied View Channel (what Discord
        shows with a lock), the bot's own member allowed it."""
        channel_id = snowflake()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name or f"channel-{len(self.channels) + 1}",
            "position": len(self.channels),
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "permission_overwrites": [],
        }
        if private:
            self.channels[channel_id]["permission_overwrites"] = [
                {"id": str(self.guild_id), "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": str(self.application_id), "type": 1, "allow": str(VIEW_CHANNEL), "deny": "0"},
            ]
        return channel_id

    def add_user(self, name: str, *, locale: str = "en-GB") -> dict[str, Any]:
        """A person; ``locale`` is their Discord client's language, sent with each interaction."""
        user = user_payload(snowflake(), name)
        self.users[int(user["id"])] = user
        self.locales[int(user["id"])] = locale
        return user

    # waiting and reading -----------------------------------------------------------------------

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; the time limit only turns a hang into a failure.

        A payload Discord would reject fails the wait at once, naming the broken rule.
        """
        async with asyncio.timeout(HANG_LIMIT), self._changed:
            await self._changed.wait_for(lambda: bool(self.problems) or predicate())
        if self.problems:
            raise AssertionError("Discord would answer 400 Invalid Form Body: " + "; ".join(self.problems))

    async def _invalid(self, problems: list[str]) -> web.Response:
        self.problems.extend(problems)
        await self._notify()
        return respond({"code": 50035, "message": "Invalid Form Body", "errors": {"_errors": problems}}, 400)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def records_for(self, interaction_id: int, kind: str | None = None) -> list[Record]:
        return [r for r in self.records if r.interaction_id == interaction_id and (kind is None or r.kind == kind)]

    def callbacks(self, interaction_id: int) -> list[Record]:
        return self.records_for(interaction_id, "callback")

    def messages_of(self, interaction_id: int) -> list[dict[str, Any]]:
        """The current state of every message this interaction created or edited."""
        ids: list[int] = []
        for record in self.records_for(interaction_id):
            if record.message_id is not None and record.message_id not in ids and record.message_id in self.messages:
                ids.append(record.message_id)
        return [self.messages[i] for i in ids]

    def is_ephemeral(self, message: dict[str, Any]) -> bool:
        return bool(message.get("flags", 0) & EPHEMERAL)

    # gateway -----------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = GatewaySession(ws)
        await session.send(10, {"heartbeat_interval": 41250})
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message["op"] == 1:
                    await session.send(11, None)
                elif message["op"] == 2:
                    await self._identify(session, message["d"])
                elif message["op"] == 6:
                    self.sessions.append(session)
                    session.identified = True
                    await session.send(0, {}, "RESUMED")
                    await self._notify()
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            await self._notify()
        return ws

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        if data.get("token") not in (self.token, f"Bot {self.token}"):
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        session.shard = list(data.get("shard") or [0, 1])
        await session.send(
            0,
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": session.shard,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "presences": [],
                "relationships": [],
                "geo_ordered_rtc_regions": [],
                "guild_join_requests": [],
                "user_settings": {},
                "auth": {},
            },
            "READY",
        )
        await session.send(0, self.guild_payload(), "GUILD_CREATE")
        self.identifies += 1
        session.identified = True
        self.sessions.append(session)
        await self._notify()

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": "Clean Air Coalition",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(snowflake()),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": [
                {
                    "id": str(self.guild_id),
                    "name": "@everyone",
                    "permissions": PERMISSIONS,
                    "position": 0,
                    "color": 0,
                    "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                    "icon": None,
                    "unicode_emoji": None,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "joined_at": now(),
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "voice_states": [],
            "members": [member_payload(self.bot_user)],
            "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "incidents_data": None,
            "lazy": True,
        }

    async def send_event(self, event: str, data: dict[str, Any]) -> None:
        live = [s for s in self.sessions if s.identified and not s.ws.closed]
        if not live:
            raise AssertionError("no bot is connected to the fake gateway")
        await live[-1].send(0, data, event)

    # interactions ------------------------------------------------------------------------------

    async def interact(
        self,
        kind: int,
        user: dict[str, Any],
        data: dict[str, Any],
        *,
        channel_id: int | None = None,
        message: dict[str, Any] | None = None,
        interaction_id: int | None = None,
        dm: bool = False,
    ) -> int:
        """Send an INTERACTION_CREATE shaped like Discord's; returns the interaction id. ``dm``: from
        the person's DM with the bot, as Discord sends it: no guild, a ``user`` instead of a
        ``member``, a channel of type 1, context 1 (BOT_DM)."""
        if dm:
            channel_id = self.dm_channel(user)
        channel_id = channel_id or self.general
        existing = self.interactions.get(interaction_id) if interaction_id else None
        if existing is not None:
            await self.send_event("INTERACTION_CREATE", existing.payload)
            return existing.id
        iid = snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": {**self.channels[channel_id], "permissions": PERMISSIONS},
            "member": member_payload(user),
            "token": token,
            "version": 1,
            "app_permissions": PERMISSIONS,
            "locale": self.locales.get(int(user["id"]), "en-GB"),
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": self.attachment_size_limit,
        }
        if dm:
            for key in ("guild_id", "guild", "member", "guild_locale"):
                payload.pop(key)
            payload["user"] = user_payload(int(user["id"]), user.get("username", "someone"))
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": "0"}
        if message is not None:
            payload["message"] = message
        interaction = Interaction(
            iid, token, kind, channel_id, user, payload, message_id=int(message["id"]) if message else None
        )
        self.interactions[iid] = interaction
        self.by_token[token] = interaction
        await self.send_event("INTERACTION_CREATE", payload)
        return iid

    def command_data(
        self, command: str, path: tuple[str, ...], options: dict[str, Any], focused: str = ""
    ) -> dict[str, Any]:
        """Chat input data, with option types taken from the synced command definitions."""
        definition = self._definition(command)
        leaf_defs: list[dict[str, Any]] = definition.get("options", [])
        for name in path:
            found = next((o for o in leaf_defs if o["name"] == name), None)
            if found is None:
                raise AssertionError(f"/{command} {' '.join(path)} is not a synced command")
            leaf_defs = found.get("options", [])
        types = {o["name"]: o["type"] for o in leaf_defs}
        unknown = set(options) - set(types)
        if unknown:
            raise AssertionError(f"unknown options {sorted(unknown)} for /{command} {' '.join(path)}")
        leaf: list[dict[str, Any]] = []
        for name, value in options.items():
            option: dict[str, Any] = {"name": name, "type": types[name], "value": value}
            if name == focused:
                option["focused"] = True
                option["value"] = str(value)
            leaf.append(option)
        nested = leaf
        for depth, name in reversed(list(enumerate(path))):
            kind = wire.SUB_COMMAND if depth == len(path) - 1 else wire.SUB_COMMAND_GROUP
            nested = [{"name": name, "type": kind, "options": nested}]
        return {
            "id": definition.get("id", str(snowflake())),
            "name": command,
            "type": 1,
            "guild_id": str(self.guild_id),
            "options": nested,
        }

    def _definition(self, command: str) -> dict[str, Any]:
        for commands in self.synced.values():
            for definition in commands:
                if definition["name"] == command:
                    return definition
        raise AssertionError(f"/{command} was never synced")

    # REST --------------------------------------------------------------------------------------

    @web.middleware
    async def _rate_limiter(self, request: web.Request, handler: Any) -> web.StreamResponse:
        for rule in self.rate_limits:
            if rule.times > 0 and rule.method == request.method and rule.pattern.search(request.path):
                rule.times -= 1
                self.rate_limited.append((request.method, request.path))
                await self._notify()
                headers = {
                    "Retry-After": str(max(1, round(rule.retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(rule.retry_after),
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "global" if rule.is_global else "user",
                    "Via": "1.1 google",
                }
                if rule.is_global:
                    headers["X-RateLimit-Global"] = "true"
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": rule.retry_after,
                    "global": rule.is_global,
                }
                return respond(body, 429, headers)
        fault = next((f for f in self.faults if f.method == request.method and f.pattern.search(request.path)), None)
        if fault is not None:
            self.faults.remove(fault)
            self.failed.append((request.method, request.path, fault.status))
            await self._notify()
            if fault.status == 0:
                assert request.transport is not None
                request.transport.abort()
                raise ConnectionResetError("dropped by the fake")
            if fault.raw is not None:
                return web.Response(body=fault.raw.encode(), status=fault.status, content_type="text/html")
            return respond({"message": "Service Unavailable", "code": 0}, fault.status)
        return await handler(request)

    def fail_once(self, method: str, path_regex: str, status: int) -> None:
        """The next matching request gets ``status`` (a 5xx) instead of an answer."""
        self.faults.append(Fault(method, re.compile(path_regex), status))

    def fail_raw(self, method: str, path_regex: str, status: int, raw: str) -> None:
        """The next matching request gets ``status`` with ``raw`` (HTML, empty) as its body."""
        self.faults.append(Fault(method, re.compile(path_regex), status, raw))

    def drop_once(self, method: str, path_regex: str) -> None:
        """The next matching request's connection is closed before any answer."""
        self.faults.append(Fault(method, re.compile(path_regex), 0))

    def rate_limit_once(
        self, method: str, path_regex: str, *, retry_after: float = 0.0, is_global: bool = False
    ) -> None:
        self.rate_limits.append(RateLimit(method, re.compile(path_regex), 1, retry_after, is_global))

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        return respond({**self.bot_user, "mfa_enabled": False, "verified": True, "locale": "en-US", "email": None})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return respond({"url": "wss://gateway.discord.gg", "shards": 1, "session_start_limit": limit})

    async def _application(self, request: web.Request) -> web.Response:
        return respond(
            {
                "id": str(self.application_id),
                "name": "Coalition Bot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": secrets.token_hex(32),
                "flags": 0,
                "owner": user_payload(snowflake(), "Owner"),
                "team": None,
                "summary": "",
            }
        )

    async def _sync(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        scope = request.match_info.get("guild", "global")
        commands = await request.json()
        problems = rules.command_problems(commands)
        if problems:
            return await self._invalid(problems)
        stored = [
            {**c, "id": str(snowflake()), "application_id": str(self.application_id), "version": str(snowflake())}
            for c in commands
        ]
        if scope != "global":
            for c in stored:
                c["guild_id"] = scope
        self.synced[scope] = stored
        self.records.append(Record("sync", {"scope": scope, "commands": commands}))
        await self._notify()
        return respond(stored)

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(int(request.match_info["id"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            return respond({"message": "Unknown interaction", "code": 10062}, 404)
        if interaction.acknowledged:
            self.records.append(Record("rejected", {"code": 40060}, interaction.id))
            await self._notify()
            return respond({"message": "Interaction has already been acknowledged.", "code": 40060}, 400)
        body, files = await read_body(request)
        kind = body["type"]
        data = body.get("data") or {}
        if kind in (wire.CHANNEL_MESSAGE, wire.UPDATE_MESSAGE):
            problems = rules.message_problems(data, files=len(files), creating=kind == wire.CHANNEL_MESSAGE)
        elif kind == wire.MODAL:
            problems = rules.modal_problems(data)
        elif kind == wire.AUTOCOMPLETE_RESULT:
            problems = rules.choice_problems(data.get("choices", []))
        else:
            problems = []
        if problems:
            return await self._invalid(problems)
        interaction.acknowledged = True
        record = Record("callback", body, interaction.id, files=files)
        resource: dict[str, Any] = {"type": kind}
        response_message: dict[str, Any] | None = None
        if kind == wire.CHANNEL_MESSAGE:
            response_message = self._create(interaction.channel_id, data, files, interaction)
            interaction.original_id = int(response_message["id"])
        elif kind == wire.DEFERRED_CHANNEL_MESSAGE:
            flags = LOADING | (data.get("flags", 0) & EPHEMERAL)
            response_message = self._create(interaction.channel_id, {"content": "", "flags": flags}, [], interaction)
            interaction.original_id = int(response_message["id"])
            interaction.loading = True
            interaction.deferred_ephemeral = bool(flags & EPHEMERAL)
        elif kind == wire.UPDATE_MESSAGE:
            assert interaction.message_id is not None, "type 7 needs a message"
            response_message = self._edit(interaction.message_id, data, files)
        if response_message is not None:
            resource["message"] = response_message
            record.message_id = int(response_message["id"])
        self.records.append(record)
        await self._notify()
        return respond(
            {
                "interaction": {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "response_message_id": response_message["id"] if response_message else None,
                    "response_message_loading": kind == wire.DEFERRED_CHANNEL_MESSAGE,
                    "response_message_ephemeral": bool(response_message and self.is_ephemeral(response_message)),
                },
                "resource": resource,
            }
        )

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self.by_token.get(request.match_info["token"])
        if interaction is None or not interaction.acknowledged:
            return respond({"message": "Unknown Webhook", "code": 10015}, 404)
        body, files = await read_body(request)
        problems = rules.message_problems(body, files=len(files))
        if problems:
            return await self._invalid(problems)
        if interaction.loading and interaction.original_id is not None:
            # Discord: a followup sent while the placeholder is loading resolves it; the deferral's flags win.
            body = {
                **body,
                "flags": (body.get("flags", 0) & ~EPHEMERAL) | (EPHEMERAL if interaction.deferred_ephemeral else 0),
            }
            message = self._edit(interaction.original_id, body, files, resolve=True)
            interaction.loading = False
        else:
            message = self._create(interaction.channel_id, body, files, interaction)
        self.records.append(Record("followup", body, interaction.id, int(message["id"]), files))
        await self._notify()
        return respond(message)

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        interaction = self.by_token.get(request.match_info["token"])
        if interaction is None:
            return respond({"message": "Unknown Webhook", "code": 10015}, 404)
        body, files = await read_body(request)
        problems = rules.message_problems(body, files=len(files), creating=False)
        if problems:
            return await self._invalid(problems)
        target = request.match_info["message"]
        message_id = (interaction.original_id or interaction.message_id) if target == "@original" else int(target)
        if message_id is None or message_id not in self.messages:
            return respond({"message": "Unknown Message", "code": 10008}, 404)
        message = self._edit(message_id, body, files, resolve=True)
        if message_id == interaction.original_id:
            interaction.loading = False
        self.records.append(Record("edit", body, interaction.id, message_id, files))
        await self._notify()
        return respond(message)

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        interaction = self.by_token.get(request.match_info["token"])
        target = request.match_info["message"]
        message_id = (interaction.original_id if interaction else None) if target == "@original" else int(target)
        if message_id is None or message_id not in self.messages:
            return respond({"message": "Unknown Message", "code": 10008}, 404)
        self.messages.pop(message_id)
        self.records.append(Record("delete", {}, interaction.id if interaction else None, message_id))
        await self._notify()
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        found = self.channels.get(int(request.match_info["channel"]))
        if found is None:
            return respond({"message": "Unknown Channel", "code": 10003}, 404)
        return respond(found)

    async def _post(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        channel_id = int(request.match_info["channel"])
        if channel_id not in self.channels:
            return respond({"message": "Unknown Channel", "code": 10003}, 404)
        body, files = await read_body(request)
        problems = rules.message_problems(body, files=len(files))
        if problems:
            return await self._invalid(problems)
        nonce = str(body.get("nonce") or "")
        if len(nonce) > 25:
            return await self._invalid([f"nonce: longer than 25 characters ({nonce!r})"])
        earlier = self.nonces.get((channel_id, nonce)) if nonce and body.get("enforce_nonce") else None
        if earlier is not None and time.monotonic() - earlier[0] < NONCE_WINDOW and earlier[1] in self.messages:
            self.records.append(Record("post_deduplicated", body, None, earlier[1], files))
            await self._notify()
            return respond(self.messages[earlier[1]])
        message = self._create(channel_id, body, files, None)
        if nonce:
            message["nonce"] = nonce
            self.nonces[(channel_id, nonce)] = (time.monotonic(), int(message["id"]))
        self.records.append(Record("post", body, None, int(message["id"]), files))
        await self._notify()
        return respond(message)

    async def _channel_edit(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        message_id = int(request.match_info["message"])
        if message_id not in self.messages:
            return respond({"message": "Unknown Message", "code": 10008}, 404)
        body, files = await read_body(request)
        problems = rules.message_problems(body, files=len(files), creating=False)
        if problems:
            return await self._invalid(problems)
        message = self._edit(message_id, body, files)
        self.records.append(Record("channel_edit", body, None, message_id, files))
        await self._notify()
        return respond(message)

    def dm_channel(self, user: dict[str, Any]) -> int:
        """The id of the DM channel between the bot and ``user`` (made on first use)."""
        for channel_id, channel in self.channels.items():
            if channel.get("type") == 1 and any(r.get("id") == str(user["id"]) for r in channel["recipients"]):
                return channel_id
        channel_id = snowflake()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 1,
            "recipients": [user_payload(int(user["id"]), user.get("username", "someone"))],
            "last_message_id": None,
            "flags": 0,
        }
        return channel_id

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.users.get(int(body["recipient_id"])) or user_payload(int(body["recipient_id"]), "Someone")
        existing = [
            i for i, c in self.channels.items() if c.get("type") == 1 and c["recipients"][0]["id"] == str(user["id"])
        ]
        if existing:
            self.records.append(Record("dm", {"recipient_id": body["recipient_id"], "channel_id": existing[0]}))
            return respond(self.channels[existing[0]])
        channel_id = snowflake()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 1,
            "recipients": [user],
            "last_message_id": None,
            "flags": 0,
        }
        self.records.append(Record("dm", {"recipient_id": body["recipient_id"], "channel_id": channel_id}))
        return respond(self.channels[channel_id])

    async def _guild(self, request: web.Request) -> web.Response:
        """A server over REST (a process without the gateway has no cache of it)."""
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        if int(request.match_info["guild"]) != self.guild_id:
            return respond({"message": "Unknown Guild", "code": 10004}, 404)
        return respond(self.guild_payload())

    async def _create_event(self, request: web.Request) -> web.Response:
        """Guild scheduled events, with Discord's rules for external ones (location and end time)."""
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        if int(request.match_info["guild"]) != self.guild_id:
            return respond({"message": "Unknown Guild", "code": 10004}, 404)
        body = await request.json()
        problems = []
        if not 1 <= len(body.get("name") or "") <= 100:
            problems.append("name: 1 to 100 characters")
        if len(body.get("description") or "") > 1000:
            problems.append("description: at most 1000 characters")
        if body.get("privacy_level") != 2:
            problems.append("privacy_level: must be 2 (guild only)")
        if body.get("entity_type") == 3:
            if not (body.get("entity_metadata") or {}).get("location"):
                problems.append("entity_metadata.location: required for external events")
            if not body.get("scheduled_end_time"):
                problems.append("scheduled_end_time: required for external events")
        start = datetime.fromisoformat(body.get("scheduled_start_time") or "1970-01-01T00:00:00+00:00")
        end = body.get("scheduled_end_time")
        if end and datetime.fromisoformat(end) <= start:
            problems.append("scheduled_end_time: must be after the start")
        if problems:
            return await self._invalid(problems)
        event_id = snowflake()
        event = {
            **body,
            "id": str(event_id),
            "guild_id": str(self.guild_id),
            "channel_id": None,
            "creator_id": str(self.application_id),
            "status": 1,
            "entity_id": None,
            "user_count": 0,
        }
        self.events[event_id] = event
        self.records.append(Record("event", body, None, event_id))
        await self._notify()
        return respond(event)

    async def _delete_event(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        event_id = int(request.match_info["event"])
        if self.events.pop(event_id, None) is None:
            return respond({"message": "Unknown Guild Scheduled Event", "code": 10070}, 404)
        self.records.append(Record("event_delete", {}, None, event_id))
        await self._notify()
        return web.Response(status=204)

    async def _unknown(self, request: web.Request) -> web.Response:
        return respond({"message": "404: Not Found", "code": 0}, 404)

    # messages ----------------------------------------------------------------------------------

    def _create(
        self, channel_id: int, body: dict[str, Any], files: list[str], interaction: Interaction | None
    ) -> dict[str, Any]:
        message_id = snowflake()
        message = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments(files),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0 if interaction is None else 20,
            "flags": body.get("flags", 0) or 0,
            "allowed_mentions": body.get("allowed_mentions"),
        }
        if channel_id in self.channels and self.channels[channel_id].get("guild_id"):
            message["guild_id"] = str(self.guild_id)
        if interaction is not None:
            message["application_id"] = str(self.application_id)
            message["webhook_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user,
                "authorizing_integration_owners": {"0": str(self.guild_id)},
            }
        self.messages[message_id] = message
        return message

    def _edit(
        self, message_id: int, body: dict[str, Any], files: list[str], *, resolve: bool = False
    ) -> dict[str, Any]:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            message["attachments"] = attachments(files)
        if resolve:
            message["flags"] = message.get("flags", 0) & ~LOADING
        message["edited_timestamp"] = now()
        return message

    # driving -----------------------------------------------------------------------------------

    def connected(self) -> int:
        return sum(1 for s in self.sessions if s.identified and not s.ws.closed)


# payload builders ------------------------------------------------------------------------------


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": str(user_id),
        "username": re.sub(r"\W", "", name.lower()) or "user",
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        user["bot"] = True
    return user


def member_payload(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "user": user,
        "roles": [],
        "joined_at": now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "banner": None,
        "premium_since": None,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
        "permissions": PERMISSIONS,
    }


def attachments(files: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in files:
        attachment_id = snowflake()
        url = f"https://cdn.discordapp.com/attachments/1/{attachment_id}/{name}"
        out.append({"id": str(attachment_id), "filename": name, "size": 1, "url": url, "proxy_url": url})
    return out


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (no charset), as Discord sends it."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


class Upload(str):
    """A file's name as sent, carrying the bytes that came with it (``data``)."""

    data: bytes = b""


def uploaded(value: Any) -> Upload:
    name = Upload(value.filename)
    name.data = value.file.read()
    return name


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[str]]:
    """JSON, or multipart with ``payload_json`` and ``files[n]`` (returns the file names, each an
    :class:`Upload` with its bytes)."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        body = json.loads(str(form.get("payload_json") or "{}"))
        names: list[str] = [
            uploaded(value) for key, value in form.items() if key.startswith("files[") and hasattr(value, "filename")
        ]
        return body, names
    if not request.can_read_body:
        return {}, []
    with contextlib.suppress(json.JSONDecodeError):
        return await request.json(), []
    return {}, []
