"""A loopback fake of Slack: the Web API the bot calls, and Slack's side of requests to the bot.

One aiohttp server on 127.0.0.1 (port 0) serves the Web API under ``/api/<method>``,
``response_url``s under ``/response/<n>`` and file upload URLs under ``/upload/<file id>``. It
keeps a small world (workspaces with bot tokens, people, channels), records every call, checks the
bot token of each call (``Authorization: Bearer …``) and rejects what Slack rejects: blocks over
Block Kit's limits (``invalid_blocks``), unknown or reused ``trigger_id``s, messages to channels
that are gone or that the bot is not in. A method can be told to fail next (429 with
``Retry-After``, 500). Payloads the bot sends that Slack would reject are also collected in
``problems``, so a test fails naming the broken rule.

:class:`SlackSide` plays Slack towards the bot: it builds slash command, interaction and event
payloads and signs them exactly as Slack does (``v0:{timestamp}:{body}``, HMAC-SHA256).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from aiohttp import web

from bot.adapters.slack.app import SlackAdapter
from bot.core.dispatch import Core
from bot.server import Metrics, build_app
from tests.fakes import slack_rules as rules
from tests.fakes import slack_setup

JSON = dict[str, Any]
HANG_LIMIT = 15.0
_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


@dataclass
class Call:
    method: str
    token: str
    args: JSON


@dataclass
class Team:
    id: str
    name: str
    token: str
    bot_user: str = "UBOT"
    bot_id: str = "BBOT"
    scopes: tuple[str, ...] = slack_setup.ALL_SCOPES  # what the bot token was granted


@dataclass
class Fault:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None  # a body that is not Slack's JSON (an incident's HTML page, nothing)
    content_type: str = "text/html"


class FakeSlack:
    def __init__(self) -> None:
        self.teams: dict[str, Team] = {}
        self.users: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}  # conversations.info / conversations.list: id → channel
        self.calls: list[Call] = []
        self.messages: dict[str, JSON] = {}  # ts → message (channel messages, incl. DMs)
        self.ephemeral: list[JSON] = []  # chat.postEphemeral and ephemeral response_url answers
        self.responses: dict[str, list[JSON]] = {}  # response_url key → bodies posted to it
        self.views: list[JSON] = []  # modals opened
        self.home: dict[str, JSON] = {}  # user → published Home view
        self.files: dict[str, JSON] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.problems: list[str] = []
        self.triggers: set[str] = set()
        self.gone_channels = {"CGONE"}
        self.outside_channels = {"CNOTIN"}
        self.oauth_codes: dict[str, Team] = {}
        self.app_tokens = {"xapp-1-A0001-fake-app-token"}
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[JSON] = []
        self.client_id = "1111.2222"
        self.client_secret = "fake-client-secret"
        self.apps = slack_setup.ManifestApps()  # apps.manifest.* with configuration tokens
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.add_team("T0001", "Home Org", "xoxb-home-token")

    # world -------------------------------------------------------------------------------------

    def add_team(self, team_id: str, name: str, token: str) -> Team:
        team = self.teams[team_id] = Team(team_id, name, token)
        return team

    def add_user(
        self, user_id: str, name: str, team: str = "T0001", tz: str = "Europe/Berlin", locale: str = "en-US"
    ) -> str:
        """A person; ``locale`` is what ``users.info`` says when asked ``include_locale``."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "locale": locale,
            "profile": {"display_name": name, "real_name": name},
        }
        return user_id

    def add_channel(
        self, channel_id: str, name: str, *, private: bool = False, bot_member: bool = True, team: str = "T0001"
    ) -> str:
        """A channel as ``conversations.info`` describes it. Slack shows a private channel to a bot
        only when the bot is a member (else ``channel_not_found``, and it is not listed)."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not private,
            "is_group": private,
            "is_im": False,
            "is_mpim": False,
            "is_private": private,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": bot_member,
            "created": 1_700_000_000,
            "creator": "U0CREATOR",
            "context_team_id": team,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        return channel_id

    def _visible_channel(self, team: Team, channel_id: str) -> JSON | None:
        found = self.channels.get(channel_id)
        if found is None or found["context_team_id"] != team.id or (found["is_private"] and not found["is_member"]):
            return None
        return found

    def trigger(self) -> str:
        trigger_id = f"{number()}.{secrets.token_hex(4)}"
        self.triggers.add(trigger_id)
        return trigger_id

    def response_url(self) -> str:
        key = str(number())
        self.responses[key] = []
        return f"{self.base_url}/response/{key}"

    def fail_next(self, method: str, status: int, *, retry_after: float | None = None, times: int = 1) -> None:
        headers = {} if retry_after is None else {"Retry-After": str(int(retry_after))}
        error = "ratelimited" if status == 429 else "internal_error"
        self.faults.setdefault(method, []).extend([Fault(status, {"ok": False, "error": error}, headers)] * times)

    def fail_raw(self, method: str, status: int, raw: str, *, content_type: str = "text/html", times: int = 1) -> None:
        """The next ``times`` calls answer ``status`` with ``raw`` as the body (HTML, empty, truncated)."""
        fault = Fault(status, {}, {}, raw, content_type)
        self.faults.setdefault(method, []).extend([fault] * times)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def responses_of(self, url: str) -> list[JSON]:
        return self.responses[url.rsplit("/", 1)[1]]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # server ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; the limit only turns a hang into a failure."""
        async with asyncio.timeout(HANG_LIMIT), self._changed:
            await self._changed.wait_for(lambda: bool(self.problems) or predicate())
        self.check()

    def check(self) -> None:
        if self.problems:
            problems, self.problems = self.problems, []
            raise AssertionError("Slack would answer invalid_blocks: " + "; ".join(problems))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _args(self, request: web.Request) -> JSON:
        args: JSON = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else str(args.get("token", ""))
        self.calls.append(Call(method, token, args))
        try:
            faults = self.faults.get(method)
            if faults:
                fault = faults.pop(0)
                if fault.raw is not None:
                    return web.Response(body=fault.raw.encode(), status=fault.status, content_type=fault.content_type)
                return web.json_response(fault.body, status=fault.status, headers=fault.headers)
            if method == "oauth.v2.access":
                return web.json_response(self._oauth(auth, args))
            if method == "apps.connections.open":
                if token not in self.app_tokens:
                    return web.json_response({"ok": False, "error": "invalid_auth"})
                return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
            if method.startswith("apps.manifest."):
                return web.json_response(self.apps.call(method, token, args))
            team = next((t for t in self.teams.values() if t.token == token), None)
            if team is None:
                return web.json_response({"ok": False, "error": "invalid_auth" if token else "not_authed"})
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            if handler is None:
                return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
            scopes = {"X-OAuth-Scopes": ",".join(team.scopes)}
            lacking = slack_setup.missing_scope(method, team.scopes, args, self.channels)
            return web.json_response(lacking or handler(team, args), headers=scopes)
        finally:
            await self._notify()

    def _invalid(self, problems: list[str]) -> JSON:
        self.problems.extend(problems)
        return {"ok": False, "error": "invalid_blocks", "errors": problems}

    def _blocks(self, args: JSON, surface: str = "message") -> list[JSON] | JSON:
        blocks = args.get("blocks", [])
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        problems = rules.check_blocks(blocks, surface)
        if len(str(args.get("text", ""))) > 40000:
            problems.append("text: longer than 40,000 characters")
        return self._invalid(problems) if problems else blocks

    def _channel_error(self, channel: str) -> JSON | None:
        if channel in self.gone_channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.outside_channels:
            return {"ok": False, "error": "not_in_channel"}
        return None

    # Web API methods -----------------------------------------------------------------------------

    def _auth_test(self, team: Team, args: JSON) -> JSON:
        return {
            "ok": True,
            "team_id": team.id,
            "team": team.name,
            "user_id": team.bot_user,
            "bot_id": team.bot_id,
            "url": f"https://{team.id.lower()}.slack.test/",
        }

    def _chat_postMessage(self, team: Team, args: JSON) -> JSON:
        channel = str(args.get("channel", ""))
        error = self._channel_error(channel)
        if error is not None:
            return error
        blocks = self._blocks(args)
        if isinstance(blocks, dict):
            return blocks
        ts = f"{1_700_000_000 + number()}.000100"
        self.messages[ts] = {
            "ts": ts,
            "channel": channel,
            "team": team.id,
            "blocks": blocks,
            "text": args.get("text", ""),
            "metadata": json.loads(metadata) if isinstance(metadata := args.get("metadata"), str) else metadata,
        }
        return {"ok": True, "channel": channel, "ts": ts, "message": self.messages[ts]}

    def _conversations_history(self, team: Team, args: JSON) -> JSON:
        """Newest first, ``limit`` (default 100, at most 999) a page, cursor-paginated; message
        metadata only with ``include_all_metadata``, as Slack does."""
        channel = str(args.get("channel", ""))
        error = self._channel_error(channel)
        if error is not None:
            return error
        with_metadata = str(args.get("include_all_metadata", "")).lower() in {"1", "true"}
        limit = max(1, min(int(args.get("limit") or 100), 999))
        start = int(args.get("cursor") or 0)
        history = sorted(
            (m for m in self.messages.values() if m["channel"] == channel and m["team"] == team.id),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        page = [
            {key: value for key, value in m.items() if key != "metadata" or (with_metadata and value)}
            for m in history[start : start + limit]
        ]
        more = start + limit < len(history)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_postEphemeral(self, team: Team, args: JSON) -> JSON:
        channel = str(args.get("channel", ""))
        error = self._channel_error(channel)
        if error is not None:
            return error
        blocks = self._blocks(args)
        if isinstance(blocks, dict):
            return blocks
        ts = f"{1_700_000_000 + number()}.000200"
        self.ephemeral.append(
            {"ts": ts, "channel": channel, "user": args.get("user"), "blocks": blocks, "text": args.get("text", "")}
        )
        return {"ok": True, "message_ts": ts}

    def _chat_update(self, team: Team, args: JSON) -> JSON:
        ts = str(args.get("ts", ""))
        message = self.messages.get(ts)
        if message is None or message["channel"] != args.get("channel"):
            return {"ok": False, "error": "message_not_found"}
        blocks = self._blocks(args)
        if isinstance(blocks, dict):
            return blocks
        message.update(blocks=blocks, text=args.get("text", ""), edited=True)
        return {"ok": True, "channel": message["channel"], "ts": ts}

    def _views_open(self, team: Team, args: JSON) -> JSON:
        trigger_id = str(args.get("trigger_id", ""))
        if trigger_id not in self.triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        self.triggers.discard(trigger_id)
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        problems = rules.check_view(view)
        if problems:
            return self._invalid(problems)
        opened = {
            **view,
            "id": f"V{number():06d}",
            "hash": secrets.token_hex(6),
            "team_id": team.id,
            "trigger_id": trigger_id,
        }
        self.views.append(opened)
        return {"ok": True, "view": opened}

    def _views_publish(self, team: Team, args: JSON) -> JSON:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        problems = rules.check_view(view)
        if problems:
            return self._invalid(problems)
        self.home[str(args.get("user_id"))] = view
        return {"ok": True, "view": {**view, "id": f"V{number():06d}"}}

    def _users_info(self, team: Team, args: JSON) -> JSON:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if str(args.get("include_locale", "")).lower() not in ("1", "true"):
            user = {k: v for k, v in user.items() if k != "locale"}  # Slack sends it only when asked
        return {"ok": True, "user": user}

    def _conversations_info(self, team: Team, args: JSON) -> JSON:
        found = self._visible_channel(team, str(args.get("channel", "")))
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": found}

    def _conversations_list(self, team: Team, args: JSON) -> JSON:
        """The channels the bot can see, of the ``types`` asked, ``limit`` a page (cursor-paginated)."""
        types = set(str(args.get("types") or "public_channel").split(","))
        exclude_archived = str(args.get("exclude_archived", "")).lower() in {"1", "true"}
        visible = [
            c
            for c in self.channels.values()
            if self._visible_channel(team, c["id"]) is not None
            and ("private_channel" if c["is_private"] else "public_channel") in types
            and not (exclude_archived and c["is_archived"])
        ]
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        start = int(args.get("cursor") or 0)
        more = start + limit < len(visible)
        return {
            "ok": True,
            "channels": visible[start : start + limit],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_open(self, team: Team, args: JSON) -> JSON:
        user = str(args.get("users", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": f"D{user}"}}

    def _files_getUploadURLExternal(self, team: Team, args: JSON) -> JSON:
        file_id = f"F{number():06d}"
        self.files[file_id] = {
            "id": file_id,
            "name": args.get("filename"),
            "length": int(args.get("length", 0)),
            "uploaded": None,
            "channels": [],
        }
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}

    def _files_completeUploadExternal(self, team: Team, args: JSON) -> JSON:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        done = []
        for item in files or []:
            record = self.files.get(item.get("id"))
            if record is None or record["uploaded"] is None:
                return {"ok": False, "error": "file_not_found"}
            record["title"] = item.get("title")
            if args.get("channel_id"):
                error = self._channel_error(str(args["channel_id"]))
                if error is not None:
                    return error
                record["channels"].append(args["channel_id"])
            done.append({"id": record["id"], "name": record["name"], "title": record["title"]})
        return {"ok": True, "files": done}

    def _oauth(self, auth: str, args: JSON) -> JSON:
        client_id, client_secret = str(args.get("client_id", "")), str(args.get("client_secret", ""))
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        team = self.oauth_codes.pop(str(args.get("code", "")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "access_token": team.token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": team.bot_user,
            "app_id": "A0001",
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }

    # response_url and uploads ------------------------------------------------------------------

    async def _response(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        body = await request.json()
        try:
            if key not in self.responses:
                return web.Response(status=404, text="expired_url")
            if len(self.responses[key]) >= 5:
                return web.Response(status=404, text="used_url")
            problems = rules.check_blocks(body.get("blocks", []))
            if problems:
                self.problems.extend(problems)
                return web.Response(status=400, text="invalid_blocks")
            self.responses[key].append(body)
            if body.get("response_type") != "in_channel" or body.get("replace_original"):
                self.ephemeral.append({**body, "ts": f"{1_700_000_000 + number()}.000300", "response_key": key})
            return web.Response(text="ok")
        finally:
            await self._notify()

    async def _upload(self, request: web.Request) -> web.Response:
        record = self.files.get(request.match_info["file"])
        if record is None:
            return web.Response(status=404)
        data = await request.read()
        record["uploaded"] = data
        await self._notify()
        return web.Response(text=f"OK - {len(data)}")

    # Socket Mode -------------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self.sockets), "debug_info": {}})
        await self._notify()
        try:
            async for message in ws:
                if message.type.name == "TEXT":
                    self.socket_acks.append(json.loads(message.data))
                    await self._notify()
        finally:
            self.sockets.remove(ws)
            await self._notify()
        return ws

    async def push(self, kind: str, payload: JSON) -> str:
        """Send an envelope (``slash_commands``, ``interactive``, ``events_api``) to the connected app."""
        envelope_id = f"env-{number()}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True}
        await self.sockets[-1].send_json(envelope)
        return envelope_id

    # what the bot said -------------------------------------------------------------------------

    def everything_sent(self) -> str:
        """Every text the bot sent, as JSON (for "never pings" checks)."""
        sent = [c.args for c in self.calls] + [b for bodies in self.responses.values() for b in bodies]
        return json.dumps(sent, ensure_ascii=False)


def block_text(blocks: list[JSON]) -> str:
    """The visible text of blocks, one line per piece."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for f in block.get("fields", []):
            out.append(f["text"])
        for e in block.get("elements", []):
            if "text" in e and isinstance(e["text"], dict):
                out.append(e["text"]["text"])
            elif "text" in e:
                out.append(e["text"])
            out.extend(o["text"]["text"] for o in e.get("options", []))
        if "label" in block:
            out.append(block["label"]["text"])
    return "\n".join(out)


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackSide:
    """Slack's requests to the bot: signed, sent over HTTP to ``url``."""

    fake: FakeSlack
    url: str
    signing_secret: str
    team: str = "T0001"
    now: Callable[[], float] = time.time
    http: httpx.AsyncClient | None = None

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        retry: int | None = None,
        timestamp: str | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        stamp = timestamp or str(int(self.now()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(secret or self.signing_secret, stamp, body),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=HANG_LIMIT)
        return await self.http.post(f"{self.url}/slack/events", content=body.encode(), headers=headers)

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()
            self.http = None

    def command_body(self, user: str, line: str, *, channel: str = "C0001", team: str | None = None) -> JSON:
        name, _, text = line.lstrip("/").partition(" ")
        return {
            "token": "deprecated-verification-token",
            "team_id": team or self.team,
            "team_domain": "home",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else f"chan-{channel.lower()}",
            "user_id": user,
            "user_name": self.fake.users.get(user, {}).get("name", user),
            "command": f"/{name}",
            "text": text,
            "api_app_id": "A0001",
            "response_url": self.fake.response_url(),
            "trigger_id": self.fake.trigger(),
        }

    async def command(self, body: JSON, **options: Any) -> httpx.Response:
        return await self.send(urlencode(body), "application/x-www-form-urlencoded", **options)

    async def interaction(self, payload: JSON, **options: Any) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded", **options)

    async def event(self, event: JSON, *, team: str | None = None, **options: Any) -> httpx.Response:
        body = {
            "token": "x",
            "team_id": team or self.team,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": f"Ev{number():08d}",
            "event_time": int(self.now()),
            "event": event,
        }
        return await self.send(json.dumps(body), "application/json", **options)

    def click_payload(
        self,
        user: str,
        message: JSON,
        label: str,
        *,
        channel: str = "C0001",
        team: str | None = None,
        ephemeral: bool = False,
        action_ts: str | None = None,
        home: bool = False,
    ) -> JSON:
        """A block_actions payload for clicking the button labelled ``label`` in ``message``: a
        channel message, an ephemeral one (``ephemeral``), a DM (``channel`` ``D…``) or the Home tab
        (``home``: ``message`` is the published view; the payload names no channel)."""
        for block in message["blocks"]:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["text"]["text"] == label:
                    action = {
                        "type": "button",
                        "action_id": element["action_id"],
                        "block_id": "b",
                        "value": element.get("value", ""),
                        "text": element["text"],
                        "action_ts": action_ts or f"{self.now():.6f}",
                    }
                    if home:
                        return self._home_actions(user, message, action, team)
                    return self._block_actions(user, message, action, channel, team, ephemeral)
        raise AssertionError(f"no button {label!r} in {block_text(message['blocks'])!r}")

    def choose_payload(
        self, user: str, message: JSON, option_label: str, *, channel: str = "C0001", ephemeral: bool = False
    ) -> JSON:
        for block in message["blocks"]:
            for element in block.get("elements", []):
                for option in element.get("options", []) if element.get("type") == "static_select" else []:
                    if option["text"]["text"] == option_label:
                        action = {
                            "type": "static_select",
                            "action_id": element["action_id"],
                            "block_id": "b",
                            "selected_option": option,
                            "action_ts": f"{self.now():.6f}",
                        }
                        return self._block_actions(user, message, action, channel, None, ephemeral)
        raise AssertionError(f"no option {option_label!r}")

    def _home_actions(self, user: str, view: JSON, action: JSON, team: str | None) -> JSON:
        """What Slack sends for a click on the Home tab: a ``view`` container, the view itself, and
        no channel, message or response_url."""
        user_team = self.fake.users.get(user, {}).get("team_id", team or self.team)
        view_id = str(view.get("id") or f"V{number():06d}")
        return {
            "type": "block_actions",
            "team": {"id": team or self.team, "domain": "home"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": user_team},
            "api_app_id": "A0001",
            "token": "deprecated-verification-token",
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.fake.trigger(),
            "view": {**view, "id": view_id, "type": "home", "team_id": team or self.team, "state": {"values": {}}},
            "actions": [action],
        }

    def _block_actions(
        self, user: str, message: JSON, action: JSON, channel: str, team: str | None, ephemeral: bool
    ) -> JSON:
        user_team = self.fake.users.get(user, {}).get("team_id", team or self.team)
        return {
            "type": "block_actions",
            "team": {"id": team or self.team, "domain": "home"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": user_team},
            "api_app_id": "A0001",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": self.fake.trigger(),
            "channel": {
                "id": channel,
                "name": "directmessage" if channel.startswith("D") else f"chan-{channel.lower()}",
            },
            "message": {"ts": message["ts"], "blocks": message["blocks"]} if not ephemeral else None,
            "response_url": self.fake.response_url(),
            "actions": [action],
        }

    def submit_payload(self, user: str, view: JSON, values: dict[str, str], *, team: str | None = None) -> JSON:
        """A view_submission of ``view`` with ``values`` typed into its inputs (by block id)."""
        state: JSON = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            element = block["element"]
            typed = values.get(block["block_id"], "")
            kind = element["type"]
            item: JSON = {"type": kind}
            if kind == "static_select":
                chosen = next((o for o in element["options"] if typed in (o["value"], o["text"]["text"])), None)
                item["selected_option"] = chosen
            elif kind == "checkboxes":
                item["selected_options"] = element["options"] if typed else []
            elif kind == "datepicker":
                item["selected_date"] = typed or None
            else:
                item["value"] = typed or None
            state[block["block_id"]] = {element["action_id"]: item}
        user_team = self.fake.users.get(user, {}).get("team_id", team or self.team)
        return {
            "type": "view_submission",
            "team": {"id": team or self.team, "domain": "home"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": user_team},
            "api_app_id": "A0001",
            "trigger_id": self.fake.trigger(),
            "view": {**view, "state": {"values": state}},
        }


# the app under test --------------------------------------------------------------------------------


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class Running:
    """An app under uvicorn on a real loopback socket."""

    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def run_app(core: Core, adapter: SlackAdapter) -> Running:
    """``serve``'s web app with this adapter, under uvicorn in the test's event loop."""
    sock = free_socket()
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    app = build_app(core, [adapter], Metrics())
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    return Running(f"http://127.0.0.1:{sock.getsockname()[1]}", server, task)
