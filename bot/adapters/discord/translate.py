"""Discord interactions as neutral inputs: who and where, which command with which options,
which button or select, which form with which values.

A member is platform + guild + user: the same person in two servers is two identities, exactly
as in Slack a person in two workspaces is. A DM belongs to no guild: its place is private and the
core finds the person there by their account alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import discord

from bot.adapters.discord import payloads as wire
from bot.adapters.discord.commands import CommandSet
from bot.core.context import ActionEvent, Actor, FormSubmission, Invocation, Place

PLATFORM = "discord"
DIRECT = "@me"  # the "workspace" of a DM, which belongs to no guild


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """The person, with their Discord client's language (``interaction.locale``: ``es-ES``, ``fr``)."""
    user = interaction.user
    workspace = str(interaction.guild_id) if interaction.guild_id else DIRECT
    return Actor(PLATFORM, workspace, str(user.id), user.display_name, locale=locale_of(interaction))


def locale_of(interaction: discord.Interaction[Any]) -> str | None:
    value = getattr(interaction.locale, "value", None)
    return str(value) if value else None


def place_of(interaction: discord.Interaction[Any]) -> Place:
    workspace = str(interaction.guild_id) if interaction.guild_id else DIRECT
    channel = interaction.channel
    name = getattr(channel, "name", None) or ""
    private = interaction.guild_id is None  # a DM with the bot: the person's own place (SPEC §2)
    return Place(PLATFORM, workspace, str(interaction.channel_id or ""), f"#{name}" if name else "", private=private)


@dataclass(frozen=True)
class CommandCall:
    """The command, its Discord path (subcommand group, subcommand) and its leaf options."""

    command: str
    path: tuple[str, ...]
    options: dict[str, Any]
    focused: str | None = None


def command_call(data: wire.CommandData) -> CommandCall:
    path: list[str] = []
    options: Sequence[wire.CommandDataOption] = data.get("options", [])
    while len(options) == 1 and options[0]["type"] in (wire.SUB_COMMAND, wire.SUB_COMMAND_GROUP):
        path.append(options[0]["name"])
        options = options[0].get("options", [])
    values = {o["name"]: o.get("value") for o in options}
    focused = next((o["name"] for o in options if o.get("focused")), None)
    return CommandCall(data["name"], tuple(path), values, focused)


def invocation(interaction: discord.Interaction[Any], call: CommandCall, commands: CommandSet) -> Invocation:
    """The registry path for Discord's path; options stay raw, the core converts them."""
    sub = commands.route(call.command, call.path)
    path = sub.path if sub is not None else call.path
    return Invocation(
        call.command,
        actor_of(interaction),
        place_of(interaction),
        path=path,
        options=dict(call.options),
        request_id=str(interaction.id),
    )


def action_event(interaction: discord.Interaction[Any], action_id: str, value: str | None) -> ActionEvent:
    if value is None:
        data = cast(wire.ComponentData, interaction.data or {})
        chosen = data.get("values") or [""]
        value = chosen[0]
    return ActionEvent(action_id, value, actor_of(interaction), place_of(interaction), request_id=str(interaction.id))


def submitted_values(data: wire.ModalData) -> dict[str, str]:
    """Field values from a modal submission: labelled inputs, legacy action rows, selects, checkboxes."""
    values: dict[str, str] = {}
    for row in data.get("components", []):
        inputs: list[wire.SubmittedInput] = []
        if "component" in row:
            inputs.append(row["component"])
        inputs.extend(row.get("components", []))
        for item in inputs:
            if "custom_id" not in item:
                continue
            if item["type"] == wire.CHECKBOX:
                values[item["custom_id"]] = "yes" if item.get("value") else ""
            elif "values" in item:
                values[item["custom_id"]] = ",".join(item["values"])
            else:
                value = item.get("value")
                values[item["custom_id"]] = "" if value is None else str(value)
    return values


def form_submission(interaction: discord.Interaction[Any], form_id: str, state: str) -> FormSubmission:
    data = cast(wire.ModalData, interaction.data or {})
    return FormSubmission(
        form_id,
        submitted_values(data),
        actor_of(interaction),
        place_of(interaction),
        state,
        request_id=str(interaction.id),
    )
