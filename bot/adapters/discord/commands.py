"""The core's command registry as Discord application commands, and syncing them only on change.

Each SPEC command becomes a command; one-word subcommands become subcommands, two-word ones a
subcommand group with subcommands (``/coalition org add``). Options carry the Param names and
types; the routing table maps what Discord sends back to the registry's subcommand path.

Descriptions are written in English and localised (``description_localizations``) by a
``discord.app_commands.Translator``: :class:`CatalogTranslator` answers from the gettext catalogs
for the languages the bot speaks. Names stay as they are: they are the grammar. The sync hash
covers the localised payload, so a changed translation is uploaded and an unchanged one is not.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

from bot.adapters.discord import payloads as wire
from bot.core.errors import ConfigError
from bot.core.i18n import DEFAULT, N_, _, language, tr
from bot.core.params import Kind, Param
from bot.core.registry import Command, Registry, Subcommand
from bot.core.services import Kept

log = logging.getLogger(__name__)

GUILD_CONTEXT = 0
BOT_DM_CONTEXT = 1  # commands typed in a DM with the bot: a person's own place (SPEC §2)
GUILD_INSTALL = 0
MAX_DESCRIPTION = 100
MAX_STRING = 6000
MAX_CHOICES = 25

FORMATS = {  # kind: (format shown in the option's description unless it says so already, is it prose)
    Kind.DATE: ("YYYY-MM-DD", "YYYY", False),
    Kind.TIME: (N_("HH:MM, 24-hour"), "HH:MM", True),
    Kind.DATETIME: ("YYYY-MM-DD HH:MM", "YYYY", False),
    Kind.TZ: (N_("Area/City, like Europe/Berlin"), "/", True),
}
TRANSLATED = (  # the Discord locales the catalogs speak
    discord.Locale.spain_spanish,
    discord.Locale.latin_american_spanish,
    discord.Locale.french,
)


@dataclass(frozen=True)
class Description:
    """Where a description goes, and how to write it in the current language."""

    target: dict[str, Any]  # the command or option payload that carries it
    write: Callable[[], str]
    location: TranslationContextLocation
    data: Any


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
    descriptions: list[Description] = field(default_factory=list)

    def route(self, command: str, path: Sequence[str]) -> Subcommand | None:
        return self.routes.get((command, tuple(path)))

    def is_help(self, command: str, path: Sequence[str]) -> bool:
        return (command, tuple(path)) in self.help_paths

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.payload, sort_keys=True).encode()).hexdigest()[:16]


def build_command_set(registry: Registry) -> CommandSet:
    """The English payload, noting every description for :func:`localise`."""
    with language(DEFAULT):
        return _Builder().build(registry)


class _Builder:
    def __init__(self) -> None:
        self.notes: list[Description] = []

    def described(self, target: Any, write: Callable[[], str], location: TranslationContextLocation, data: Any) -> Any:
        target["description"] = write()
        self.notes.append(Description(target, write, location, data))
        return target

    def build(self, registry: Registry) -> CommandSet:
        commands: list[wire.ApplicationCommand] = []
        routes: dict[tuple[str, tuple[str, ...]], Subcommand] = {}
        help_paths: set[tuple[str, tuple[str, ...]]] = set()
        for command in registry:
            top: list[wire.CommandOption] = []
            groups: dict[str, wire.CommandOption] = {}
            for sub in command.subcommands.values():
                discord_path = discord_path_of(sub.path)
                routes[(command.name, discord_path)] = sub
                option = self.subcommand_option(discord_path[-1], sub)
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
                top.append(self.help_option(command))
            help_paths.add((command.name, ("help",)))
            payload = wire.ApplicationCommand(
                name=command.name,
                description="",
                type=1,
                options=top,
                contexts=[GUILD_CONTEXT, BOT_DM_CONTEXT],
                integration_types=[GUILD_INSTALL],
            )
            location = TranslationContextLocation.command_description
            commands.append(self.described(payload, partial(command_description, command), location, command))
        return CommandSet(commands, routes, help_paths, self.notes)

    def help_option(self, command: Command) -> wire.CommandOption:
        option = wire.CommandOption(type=wire.SUB_COMMAND, name="help", description="")
        return self.described(
            option,
            lambda: clip(_("How /{command} works", command=command.name)),
            TranslationContextLocation.command_description,
            command,
        )

    def subcommand_option(self, name: str, sub: Subcommand) -> wire.CommandOption:
        params = sorted(sub.params, key=lambda p: not p.required)  # Discord lists required options first
        option = wire.CommandOption(
            type=wire.SUB_COMMAND, name=name, description="", options=[self.param_option(p) for p in params]
        )
        location = TranslationContextLocation.command_description
        return self.described(option, lambda: clip(tr(sub.summary)), location, sub)

    def param_option(self, param: Param) -> wire.CommandOption:
        option = wire.CommandOption(type=option_type(param), name=param.name, description="", required=param.required)
        location = TranslationContextLocation.parameter_description
        self.described(option, lambda: param_description(param), location, param)
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


def command_description(command: Command) -> str:
    return clip(tr(command.summary))


def discord_path_of(path: tuple[str, ...]) -> tuple[str, ...]:
    """Discord nests at most two levels; a longer path keeps its first word as the group."""
    if len(path) <= 2:
        return path
    return (path[0], "-".join(path[1:]))


def param_description(param: Param) -> str:
    """The option's description in the current language, with the format it expects."""
    description = tr(param.description) if param.description else param.name.capitalize()
    if param.variadic:
        description = _("{description} (comma-separated)", description=description)
    elif param.kind in FORMATS and FORMATS[param.kind][1] not in description:
        shape, _marker, prose = FORMATS[param.kind]
        description = _("{description} ({format})", description=description, format=tr(shape) if prose else shape)
    return clip(description)


def option_type(param: Param) -> int:
    """Variadic params are one comma-separated string; the rest follow their kind."""
    return wire.STRING if param.variadic else OPTION_TYPES.get(param.kind, wire.STRING)


def clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split()) or "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# localising ------------------------------------------------------------------------------------


class CatalogTranslator(app_commands.Translator):
    """Command metadata from the gettext catalogs: a description in Spanish (``es-ES``, ``es-419``)
    and French (``fr``); ``None`` (Discord shows the English) for other locales and for text the
    catalogs do not translate. Usable with ``CommandTree.set_translator`` too: without a
    ``render`` extra it translates the message itself."""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        if locale not in TRANSLATED:
            return None
        write = string.extras.get("render")
        with language(locale.value):
            text = write() if callable(write) else tr(string.message)
        return None if not text or text == string.message else text


async def localise(command_set: CommandSet, translator: app_commands.Translator) -> CommandSet:
    """Add ``description_localizations`` to every description the translator has words for."""
    for note in command_set.descriptions:
        english = str(note.target["description"])
        found: dict[str, str] = {}
        for locale in discord.Locale:
            # ``data`` is the registry's object (Command, Subcommand, Param), not a discord.py command.
            context = TranslationContext(note.location, note.data)  # type: ignore[call-overload]
            text = await translator.translate(locale_str(english, render=note.write), locale, context)
            if text:
                found[locale.value] = clip(text)
        if found:
            note.target["description_localizations"] = found
        else:
            note.target.pop("description_localizations", None)
    return command_set


# syncing ---------------------------------------------------------------------------------------


class CommandSyncer(Protocol):
    """The two REST calls syncing needs (discord.py's ``HTTPClient`` provides both)."""

    def bulk_upsert_global_commands(self, application_id: int, payload: list[Any]) -> Any: ...

    def bulk_upsert_guild_commands(self, application_id: int, guild_id: int, payload: list[Any]) -> Any: ...


def sync_scopes(guild_ids: str) -> list[int | None]:
    """``DISCORD_GUILD_IDS`` (comma-separated) or, when empty, the global scope (``None``)."""
    parts = [part for part in guild_ids.replace(" ", "").split(",") if part]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ConfigError(
            "DISCORD_GUILD_IDS must be comma-separated server ids, like 123456789012345678,234567890123456789."
        )
    return list(dict.fromkeys(int(part) for part in parts)) or [None]


async def sync_commands(
    http: CommandSyncer,
    kept: Kept,
    application_id: int,
    command_set: CommandSet,
    fingerprint: str,
    scopes: Iterable[int | None],
) -> list[int | None]:
    """Upload the commands to each scope whose stored hash differs; returns the scopes synced.

    Discord allows about 200 command creates a day per guild, so a restart with an unchanged
    command set uploads nothing. The hash covers the payload with its localisations, so a changed
    translation counts as a change. A failing scope is logged and retried on the next start.
    """
    wanted = {"fingerprint": fingerprint, "payload": command_set.digest()}
    synced: list[int | None] = []
    for scope in scopes:
        key = f"discord:commands:{application_id}:{scope or 'global'}"
        if await kept.get(key) == wanted:
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
        await kept.put({key: wanted})
        log.info("synced %d Discord commands for %s", len(command_set.payload), scope or "all guilds")
        synced.append(scope)
    return synced
