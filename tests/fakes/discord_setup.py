"""The fake Discord's answers to what ``setup`` and ``doctor`` ask: the application (``GET
/applications/@me``), the commands synced (``GET /applications/{app}/commands``), the guild's roles and
the bot's member (to compute its permissions in a channel). The bot has the role Discord creates from
the invite's permissions (``FakeDiscord.bot_role_permissions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.ops.platforms import INVITE_PERMISSIONS

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord

__all__ = ["INVITE_PERMISSIONS", "setup_routes"]


def setup_routes(fake: FakeDiscord) -> list[tuple[str, str, Any]]:
    from tests.fakes.discord_fake import member_payload, respond

    def unauthorised() -> web.Response:
        return respond({"message": "401: Unauthorized", "code": 0}, 401)

    async def application(request: web.Request) -> web.Response:
        if not fake._authorised(request):
            return unauthorised()
        return await fake._application(request)

    async def commands(request: web.Request) -> web.Response:
        if not fake._authorised(request):
            return unauthorised()
        return respond(fake.synced.get(request.match_info.get("guild", "global"), []))

    async def roles(request: web.Request) -> web.Response:
        if not fake._authorised(request):
            return unauthorised()
        if int(request.match_info["guild"]) != fake.guild_id:
            return respond({"message": "Unknown Guild", "code": 10004}, 404)
        everyone = fake.guild_payload()["roles"][0]
        bot = {**everyone, "id": str(fake.bot_role), "name": "Coalition Bot", "managed": True, "position": 1}
        bot["permissions"] = str(fake.bot_role_permissions)
        return respond([everyone, bot])

    async def member(request: web.Request) -> web.Response:
        if not fake._authorised(request):
            return unauthorised()
        if request.match_info["user"] != str(fake.application_id):
            return respond({"message": "Unknown Member", "code": 10007}, 404)
        return respond({**member_payload(fake.bot_user), "roles": [str(fake.bot_role)]})

    return [
        ("GET", "/applications/@me", application),
        ("GET", "/applications/{app}/commands", commands),
        ("GET", "/applications/{app}/guilds/{guild}/commands", commands),
        ("GET", "/guilds/{guild}/roles", roles),
        ("GET", "/guilds/{guild}/members/{user}", member),
    ]
