"""The doctor's platform checks: Slack and Discord tokens, what the bot may do in each linked
channel, and whether ``PUBLIC_URL`` reaches this bot. Linked channels are read across coalitions:
the operator checks the whole install (at most ``CHANNELS_CHECKED`` channels per platform)."""

from __future__ import annotations

from sqlmodel import col, select

from bot.core.i18n import _, and_list, ngettext
from bot.ops.doctor import FAIL, PASS, WARN, Doctor, answer_time
from bot.ops.platforms import Discord, Slack, missing_permissions, slack_scopes

CHANNELS_CHECKED = 200


async def linked_channels(doctor: Doctor, platform: str) -> list[tuple[str, str, str]]:
    """(workspace, channel, name) of the channels linked on ``platform``."""
    if doctor.db is None or not doctor.schema_current:
        return []
    from bot.store.models import ChannelBinding

    query = (
        select(ChannelBinding.workspace, ChannelBinding.channel, ChannelBinding.name)
        .where(col(ChannelBinding.platform) == platform)
        .order_by(col(ChannelBinding.id))
        .limit(CHANNELS_CHECKED)
    )
    async with doctor.db.session() as session:
        return [(w, c, n) for w, c, n in (await session.exec(query)).all()]


async def check_slack(doctor: Doctor) -> None:
    settings = doctor.settings
    slack = Slack(settings.slack_api_url, doctor.client)
    if settings.slack_bot_token:
        answer, scopes = await slack.auth_test(settings.slack_bot_token)
        if (moment := answer_time(answer)) is not None:
            doctor.server_times.append(moment)
        if not answer.ok:
            doctor.add(
                "slack token",
                FAIL,
                _("Slack refuses SLACK_BOT_TOKEN ({error})", error=answer.error),
                _("copy the Bot User OAuth Token again (app settings → OAuth & Permissions)"),
            )
        else:
            team = str(answer.body.get("team") or answer.body.get("team_id") or "")
            doctor.add("slack token", PASS, _("valid for the workspace {team}", team=team))
            missing = [s for s in slack_scopes() if s not in scopes]
            if missing:
                doctor.add(
                    "slack scopes",
                    FAIL,
                    _("the token lacks the scopes {scopes}", scopes=", ".join(missing)),
                    _(
                        "add them under OAuth & Permissions → Scopes (or paste the manifest again), then reinstall the app"
                    ),
                )
            else:
                doctor.add("slack scopes", PASS, _("every scope the bot uses is granted"))
            await check_slack_channels(doctor, slack, str(answer.body.get("team_id", "")))
    elif settings.slack_client_id:
        doctor.add("slack token", PASS, _("several workspaces (OAuth): each workspace's token is checked when used"))
    if settings.slack_app_token:
        answer = await slack.call("apps.connections.open", settings.slack_app_token)
        if answer.ok:
            doctor.add("slack socket mode", PASS, _("SLACK_APP_TOKEN opens a Socket Mode connection"))
        else:
            doctor.add(
                "slack socket mode",
                FAIL,
                _("Slack refuses SLACK_APP_TOKEN ({error})", error=answer.error),
                _("make an app-level token with the connections:write scope (Basic Information → App-Level Tokens)"),
            )


async def check_slack_channels(doctor: Doctor, slack: Slack, team_id: str) -> None:
    problems: list[tuple[str, str]] = []
    checked = 0
    for workspace, channel, name in await linked_channels(doctor, "slack"):
        if workspace != team_id:
            continue
        checked += 1
        answer = await slack.call("conversations.info", doctor.settings.slack_bot_token, channel=channel)
        label = f"#{name or channel}"
        if answer.error == "missing_scope":
            needed = str(answer.body.get("needed", ""))
            problems.append((label, _("add the scope {scope} and reinstall the app", scope=needed)))
        elif not answer.ok:
            problems.append(
                (label, _("the bot cannot see it ({error}): invite it with /invite @Coalition Bot", error=answer.error))
            )
        elif not answer.body.get("channel", {}).get("is_member", False):
            problems.append((label, _("type /invite @Coalition Bot in {channel}", channel=label)))
    if problems:
        for label, fix in problems:
            doctor.add("slack channel", FAIL, _("the bot is not in {channel}", channel=label), fix)
    elif checked:
        doctor.add(
            "slack channels",
            PASS,
            ngettext("the bot is in the {n} linked channel", "the bot is in all {n} linked channels", checked),
        )


async def check_discord(doctor: Doctor) -> None:
    settings = doctor.settings
    if not settings.discord_token:
        return
    discord = Discord(settings.discord_api_url, doctor.client, settings.discord_token)
    me = await discord.get("/users/@me")
    if (moment := answer_time(me)) is not None:
        doctor.server_times.append(moment)
    if not me.ok:
        doctor.add(
            "discord token",
            FAIL,
            _("Discord refuses DISCORD_TOKEN ({error})", error=me.error),
            _("reset the token on the Developer Portal's Bot page and copy it into DISCORD_TOKEN"),
        )
        return
    doctor.add("discord token", PASS, _("valid for the bot {name}", name=str(me.body.get("username", ""))))
    app = await discord.get("/applications/@me")
    app_id = str(app.body.get("id", "")) if app.ok else str(me.body.get("id", ""))
    await check_discord_commands(doctor, discord, app_id)
    bot_id = str(me.body.get("id", ""))
    lacking: list[tuple[str, list[str]]] = []
    checked = 0
    for _workspace, channel, name in await linked_channels(doctor, "discord"):
        checked += 1
        value, _error = await discord.channel_permissions(channel, bot_id)
        missing = ["View Channel"] if value is None else missing_permissions(value)
        if missing:
            lacking.append((f"#{name or channel}", missing))
    for label, missing in lacking:
        doctor.add(
            "discord channel",
            FAIL,
            _("the bot lacks {permissions} in {channel}", permissions=and_list(missing), channel=label),
            _("allow them for the bot in {channel}: Edit Channel → Permissions", channel=label),
        )
    if checked and not lacking:
        doctor.add(
            "discord channels",
            PASS,
            ngettext(
                "the bot may post in the {n} linked channel", "the bot may post in all {n} linked channels", checked
            ),
        )


async def check_discord_commands(doctor: Doctor, discord: Discord, app_id: str) -> None:
    from bot.adapters.discord.commands import sync_scopes

    if doctor.registry is None:
        return
    wanted = {command.name for command in doctor.registry}
    missing: set[str] = set()
    for scope in sync_scopes(doctor.settings.discord_guild_ids):
        path = (
            f"/applications/{app_id}/commands" if scope is None else f"/applications/{app_id}/guilds/{scope}/commands"
        )
        answer = await discord.get(path)
        names = {str(c.get("name")) for c in answer.body.get("items", [])} if answer.ok else set()
        missing |= wanted - names
    if missing:
        doctor.add(
            "discord commands",
            WARN,
            _("not uploaded yet: {commands}", commands=", ".join(f"/{n}" for n in sorted(missing))),
            _("start `coalition-bot serve`: it uploads them"),
        )
    else:
        doctor.add("discord commands", PASS, _("all slash commands are uploaded"))


async def check_public_url(doctor: Doctor) -> None:
    public = doctor.settings.public_url.rstrip("/")
    if not public:
        if doctor.settings.slack_enabled and not doctor.settings.slack_app_token:
            doctor.add(
                "public url",
                WARN,
                _("PUBLIC_URL is not set"),
                _("set PUBLIC_URL to the address Slack reaches the bot at"),
            )
        return
    try:
        response = await doctor.client.get(public + "/healthz", timeout=10.0)
        healthy = response.status_code == 200 and response.json().get("status") == "ok"
        detail = f"HTTP {response.status_code}"
    except Exception as error:
        healthy, detail = False, type(error).__name__
    if healthy:
        doctor.add("public url", PASS, _("{url}/healthz answers", url=public))
    else:
        doctor.add(
            "public url",
            FAIL,
            _("{url}/healthz does not answer ({detail})", url=public, detail=detail),
            _("start `coalition-bot serve` and check that PUBLIC_URL (proxy, tunnel, DNS) leads to it"),
        )
