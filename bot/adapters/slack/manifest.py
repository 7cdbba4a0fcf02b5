"""The Slack app manifest (``slack/manifest.yml``), generated from the command registry.

``python -m bot.adapters.slack.manifest > slack/manifest.yml`` rewrites it; a test checks that
the file declares exactly the registry's commands. Written as YAML by hand (the values are ours
and simple), so no YAML library is needed.
"""

from __future__ import annotations

import json
from typing import Any

from bot.adapters.slack.app import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH
from bot.core.registry import Command, Registry

HOST = "https://YOUR-HOST"


def usage_hint(command: Command) -> str:
    """What Slack shows next to the command as it is typed: its first words, then ``help``."""
    words: list[str] = []
    for path in command.subcommands:
        first = path[0] if path else ""
        if first and first not in words and first != "help":
            words.append(first)
    return " | ".join([*words, "help"])[:1000]  # Slack allows 1,000 characters


def manifest(registry: Registry, host: str = HOST, *, socket_mode: bool = False) -> dict[str, Any]:
    """The app's manifest for the bot at ``host`` (``coalition-bot setup`` fills in ``PUBLIC_URL``);
    with ``socket_mode`` Slack reaches the bot over its own connection, so no request URL is given."""
    host = host.rstrip("/")
    found: dict[str, Any] = {
        "display_information": {
            "name": "Coalition Bot",
            "description": "Shared goals, check-ins and unity statements for coalitions.",
            "background_color": "#2b8a3e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,  # reminders and private files arrive as direct messages
                "messages_tab_read_only_enabled": False,  # commands are typed there too (SPEC §2)
            },
            "bot_user": {"display_name": "Coalition Bot", "always_online": True},
            "slash_commands": [
                {
                    "command": f"/{command.name}",
                    "url": host + EVENTS_PATH,
                    "description": command.summary[:100],
                    "usage_hint": usage_hint(command),
                    "should_escape": False,
                }
                for command in registry
            ],
        },
        "oauth_config": {"redirect_urls": [host + REDIRECT_PATH], "scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {
                "request_url": host + EVENTS_PATH,
                "bot_events": ["app_home_opened", "app_uninstalled", "tokens_revoked"],
            },
            "interactivity": {"is_enabled": True, "request_url": host + EVENTS_PATH},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
    if socket_mode:
        for command in found["features"]["slash_commands"]:
            del command["url"]
        del found["oauth_config"]["redirect_urls"]
        del found["settings"]["event_subscriptions"]["request_url"]
        del found["settings"]["interactivity"]["request_url"]
        found["settings"]["socket_mode_enabled"] = True
    return found


def to_yaml(value: Any, indent: int = 0) -> str:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict):
                nested = to_yaml(item, indent + 2).splitlines()
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def render(registry: Registry, host: str = HOST, *, socket_mode: bool = False) -> str:
    header = "# Generated from the command registry: python -m bot.adapters.slack.manifest > slack/manifest.yml\n"
    if host == HOST:
        header += "# Replace YOUR-HOST with the public address of `coalition-bot serve`.\n"
    return (
        header
        + "_metadata:\n  major_version: 1\n  minor_version: 1\n"
        + to_yaml(manifest(registry, host, socket_mode=socket_mode))
        + "\n"
    )


if __name__ == "__main__":
    from bot.commands import build_registry

    print(render(build_registry()), end="")
