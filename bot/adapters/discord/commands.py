"""The core's command registry as Discord application commands, and syncing them only on change.

Each SPEC command becomes a command; one-word subcommands become subcommands, two-word ones a
subcommand group with subcommands (``/coalition org add``). Options carry the Param names and
types; the routing table maps what Discord sends back to the registry's subcommand path.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.adapters.discord import payloads as wire
from bot.core.errors import ConfigError
from bot.core.params import Kind, Param
from bot.core.registry import Registry, Subcommand
from bot.store.db import Database
from bot.store.repo import get_state, put_state

log = logging.getLogger(__name__)

GUILD_CONTEXT = 0
GUILD_INSTALL = 0
MAX_DESCRIPTION = 100
MAX_STRING = 6000
MAX_CHOICES = 25

FORMATS = {  # kind: (format shown in the option's description, unless it already says so)
    Kind.DATE: ("YYYY-MM-DD", "YYYY"),
    Kind.TIME: ("HH:MM, 24-hour", "HH:MM"),
    Kind.DATETIME: ("YYYY-MM-DD HH:MM", "YYYY"),
    Kind.TZ: ("Area/City, like Europe/Berlin", "/"),
}
OPTION_TYPES = {
    Kind.INT: wire.INTEGER,
    Kind.ID: wire.INTEGER,
    Kind.NUMBER: wire.NUMBER,
    Kind.USER: wire.USER,
}


@dataclass
class CommandSet:
    """The payload to sync and the way back from a Discord path to the registry's subcommand."""

    payload: list[wire.ApplicationCommand]
    routes: dict[tuple[str, tuple[str, ...]], Subcommand] = field(default_factory=dict)
    help_paths: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)

    def route(self, command: str, path: Sequence[str]) -> Subcommand | None:
        return self.routes.get((command, tuple(path)))

    def is_help(self, command: str, path: Sequence[str]) -> bool:
        return (command, tuple(path)) in self.help_paths

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.payload, sort_keys=True).encode()).hexdigest()[:16]


def build_command_set(registry: Registry) -> CommandSet:
    commands: list[wire.ApplicationCommand] = []
    routes: dict[tuple[str, tuple[str, ...]], Subcommand] = {}
    help_paths: set[tuple[str, tuple[str, ...]]] = set()
    for command in registry:
        top: list[wire.CommandOption] = []
        groups: dict[str, wire.CommandOption] = {}
        for sub in command.subcommands.values():
            discord_path = discord_path_of(sub.path)
            routes[(command.name, discord_path)] = sub
            option = subcommand_option(discord_path[-1], sub)
            if len(discord_path) == 1:
                top.append(option)
                continue
            group = groups.get(discord_path[0])
            if group is None:
                group = wire.CommandOption(
                    type=wire.SUB_COMMAND_GROUP, name=discord_path[0], description="", options=[]
                )
                groups[discord_path[0]] = group
                top.append(group)
            group["options"].append(option)
        for name, group in groups.items():
            group["description"] = clip(f"{name.capitalize()}: " + ", ".join(o["name"] for o in group["options"]))
        if ("help",) not in command.subcommands:
            top.append(wire.CommandOption(type=wire.SUB_COMMAND, name="help", description=f"How /{command.name} works"))
        help_paths.add((command.name, ("help",)))
        commands.append(
            wire.ApplicationCommand(
                name=command.name,
                description=clip(command.summary),
                type=1,
                options=top,
                contexts=[GUILD_CONTEXT],
                integration_types=[GUILD_INSTALL],
            )
        )
    return CommandSet(commands, routes, help_paths)


def discord_path_of(path: tuple[str, ...]) -> tuple[str, ...]:
    """Discord nests at most two levels; a longer path keeps its first word as the group."""
    if len(path) <= 2:
        return path
    return (path[0], "-".join(path[1:]))


def subcommand_option(name: str, sub: Subcommand) -> wire.CommandOption:
    params = sorted(sub.params, key=lambda p: not p.required)  # Discord lists required options first
    return wire.CommandOption(
        type=wire.SUB_COMMAND,
        name=name,
        description=clip(sub.summary),
        options=[param_option(p) for p in params],
    )


def param_option(param: Param) -> wire.CommandOption:
    description = param.description or param.name.capitalize()
    if param.variadic:
        description += " (comma-separated)"
    elif param.kind in FORMATS and FORMATS[param.kind][1] not in description:
        description += f" ({FORMATS[param.kind][0]})"
    option = wire.CommandOption(
        type=option_type(param),
        name=param.name,
        description=clip(description),
        required=param.required,
    )
    if param.variadic:
        option["max_length"] = MAX_STRING
    elif param.kind is Kind.CHOICE and param.choices:
        option["choices"] = [wire.OptionChoice(name=c, value=c) for c in param.choices[:MAX_CHOICES]]
    elif param.kind is Kind.TEXT:
        option["max_length"] = min(param.max_length, MAX_STRING)
    if param.kind is Kind.ID:
        option["min_value"] = 1
    elif param.minimum is not None and param.kind in (Kind.INT, Kind.NUMBER):
        option["min_value"] = param.minimum
    if param.autocomplete and "choices" not in option:
        option["autocomplete"] = True
    return option


def option_type(param: Param) -> int:
    """Variadic params are one comma-separated string; the rest follow their kind."""
    return wire.STRING if param.variadic else OPTION_TYPES.get(param.kind, wire.STRING)


def clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split()) or "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# syncing ---------------------------------------------------------------------------------------


class CommandSyncer(Protocol):
    """The two REST calls syncing needs (discord.py's ``HTTPClient`` provides both)."""

    def bulk_upsert_global_commands(self, application_id: int, payload: list[Any]) -> Any: ...

    def bulk_upsert_guild_commands(self, application_id: int, guild_id: int, payload: list[Any]) -> Any: ...


def sync_scopes(guild_ids: str) -> list[int | None]:
    """``DISCORD_GUILD_IDS`` (comma-separated) or, when empty, the global scope (``None``)."""
    parts = [part for part in guild_ids.replace(" ", "").split(",") if part]
    if not all(part.isdigit() for part in parts):
        raise ConfigError(
            "DISCORD_GUILD_IDS must be comma-separated server ids, like 123456789012345678,234567890123456789."
        )
    return list(dict.fromkeys(int(part) for part in parts)) or [None]


async def sync_commands(
    http: CommandSyncer,
    db: Database,
    application_id: int,
    command_set: CommandSet,
    fingerprint: str,
    scopes: Iterable[int | None],
) -> list[int | None]:
    """Upload the commands to each scope whose stored hash differs; returns the scopes synced.

    Discord allows about 200 command creates a day per guild, so a restart with an unchanged
    command set uploads nothing. A failing scope is logged and retried on the next start.
    """
    wanted = {"fingerprint": fingerprint, "payload": command_set.digest()}
    synced: list[int | None] = []
    for scope in scopes:
        key = f"discord:commands:{application_id}:{scope or 'global'}"
        async with db.unit_of_work() as session:
            if await get_state(session, key) == wanted:
                log.info("Discord commands for %s are up to date", scope or "all guilds")
                continue
        try:
            if scope is None:
                await http.bulk_upsert_global_commands(application_id, list(command_set.payload))
            else:
                await http.bulk_upsert_guild_commands(application_id, scope, list(command_set.payload))
        except Exception:
            log.exception("could not sync Discord commands for %s; will retry on next start", scope or "global")
            continue
        async with db.unit_of_work() as session:
            await put_state(session, key, wanted)
        log.info("synced %d Discord commands for %s", len(command_set.payload), scope or "all guilds")
        synced.append(scope)
    return synced
