"""``setup``'s Slack and Discord steps: each token is checked against its platform when given, and a
refused one is answered with the fix (asked again on a terminal, a failure with
``--non-interactive``)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bot.core.i18n import _
from bot.core.registry import Registry
from bot.ops.platforms import Discord, Slack, invite_url, slack_scopes
from bot.ops.prompts import Prompter

DEFAULT_SLACK_API = "https://slack.com/api/"
DEFAULT_DISCORD_API = "https://discord.com/api/v10"
ATTEMPTS = 3


class Failed(Exception):
    """A check failed and the person was told how to fix it."""


async def checked(
    prompter: Prompter, key: str, question: str, check: Callable[[str], Awaitable[str]], *, optional: bool = False
) -> str:
    """Ask for ``key`` until ``check`` accepts it (``check`` returns the fix, or "" when good)."""
    for _attempt in range(ATTEMPTS if prompter.interactive else 1):
        value = prompter.ask(key, question, secret=True)
        if not value and optional:
            return ""
        problem = await check(value) if value else _("{key} is needed.", key=key)
        if not problem:
            return value
        prompter.say(problem)
    raise Failed


async def setup_slack(
    prompter: Prompter, http: httpx.AsyncClient, registry: Registry, public: str, folder: Path
) -> dict[str, str]:
    say = prompter.say
    api = prompter.ask("SLACK_API_URL", _("Slack's Web API address"), DEFAULT_SLACK_API)
    slack = Slack(api, http)
    values = {"SLACK_API_URL": api if api != DEFAULT_SLACK_API else ""}
    socket_mode = not public
    from bot.adapters.slack.manifest import manifest, render

    config_token = prompter.ask(
        "SLACK_CONFIG_TOKEN",
        _(
            "A Slack configuration token to create the app for you (api.slack.com/apps → Your App Configuration Tokens), or empty"
        ),
        secret=True,
    )
    if config_token:
        body = json.dumps(manifest(registry, public, socket_mode=socket_mode))
        valid = await slack.call("apps.manifest.validate", config_token, manifest=body)
        if not valid.ok:
            details = "; ".join(str(e.get("message", e)) for e in valid.body.get("errors", []) if isinstance(e, dict))
            say(_("Slack refuses the app manifest ({error}): {details}", error=valid.error, details=details or "-"))
            if valid.error in {"invalid_auth", "token_expired", "not_authed"}:
                say(_("Make a new configuration token (they last 12 hours) at api.slack.com/apps."))
            raise Failed
        say(
            _(
                "Creating the Slack app from the manifest (its commands, scopes and addresses at {url})…",
                url=public or "Socket Mode",
            )
        )
        created = await slack.call("apps.manifest.create", config_token, manifest=body)
        if not created.ok:
            say(_("Slack did not create the app ({error}).", error=created.error))
            raise Failed
        values["SLACK_SIGNING_SECRET"] = str(created.body.get("credentials", {}).get("signing_secret", ""))
        say(
            _(
                "The Slack app {app} is created. Install it in your workspace: {url}",
                app=str(created.body.get("app_id", "")),
                url=str(created.body.get("oauth_authorize_url", "")),
            )
        )
    else:
        target = folder / "slack-manifest.yml"
        target.write_text(render(registry, public or "https://YOUR-HOST", socket_mode=socket_mode), encoding="utf-8")
        say(
            _(
                "Wrote {file}: paste it at api.slack.com/apps → Create New App → From an app manifest, then install the app.",
                file=str(target),
            )
        )

    async def bot_token(token: str) -> str:
        answer, scopes = await slack.auth_test(token)
        if not answer.ok:
            return _(
                "Slack refuses this bot token ({error}): copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.",
                error=answer.error,
            )
        missing = [s for s in slack_scopes() if s not in scopes]
        if missing:
            return _(
                "The token lacks the scopes {scopes}: add them under OAuth & Permissions → Scopes, reinstall the app and copy the new token.",
                scopes=", ".join(missing),
            )
        say(_("The bot token works in the workspace {team}.", team=str(answer.body.get("team", ""))))
        return ""

    values["SLACK_BOT_TOKEN"] = await checked(
        prompter,
        "SLACK_BOT_TOKEN",
        _("The Bot User OAuth Token (xoxb-…, OAuth & Permissions after installing)"),
        bot_token,
    )

    async def app_token(token: str) -> str:
        answer = await slack.call("apps.connections.open", token)
        if not answer.ok:
            return _(
                "Slack refuses this app token ({error}): make an app-level token with the connections:write scope (Basic Information → App-Level Tokens).",
                error=answer.error,
            )
        return ""

    values["SLACK_APP_TOKEN"] = await checked(
        prompter,
        "SLACK_APP_TOKEN",
        _("The app-level token for Socket Mode (xapp-…)")
        if socket_mode
        else _("An app-level token for Socket Mode (xapp-…), or empty to use PUBLIC_URL"),
        app_token,
        optional=not socket_mode,
    )
    if not values.get("SLACK_SIGNING_SECRET") and not values["SLACK_APP_TOKEN"]:

        async def any_secret(secret: str) -> str:
            return ""

        values["SLACK_SIGNING_SECRET"] = await checked(
            prompter,
            "SLACK_SIGNING_SECRET",
            _("The app's Signing Secret (Basic Information → App Credentials)"),
            any_secret,
        )
    return values


async def setup_discord(prompter: Prompter, http: httpx.AsyncClient) -> dict[str, str]:
    api = prompter.ask("DISCORD_API_URL", _("Discord's API address"), DEFAULT_DISCORD_API)
    application = {}

    async def token(value: str) -> str:
        discord = Discord(api, http, value)
        me = await discord.get("/users/@me")
        if not me.ok:
            return _(
                "Discord refuses this token ({error}): on the Developer Portal's Bot page choose Reset Token and copy the new one.",
                error=me.error,
            )
        app = await discord.get("/applications/@me")
        application.update(app.body if app.ok else {"id": me.body.get("id", "")})
        prompter.say(_("The token works for the bot {name}.", name=str(me.body.get("username", ""))))
        return ""

    value = await checked(
        prompter, "DISCORD_TOKEN", _("The Discord bot token (Developer Portal → Bot → Reset Token)"), token
    )
    prompter.say(
        _(
            "Invite the bot to your server with exactly the permissions it needs: {url}",
            url=invite_url(str(application.get("id", ""))),
        )
    )
    return {"DISCORD_TOKEN": value, "DISCORD_API_URL": api if api != DEFAULT_DISCORD_API else ""}
