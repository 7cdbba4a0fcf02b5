"""Slack payloads as neutral inputs: who and where, which command, which button, which form.

Request ids make retries and double clicks harmless (the core records each id once):
a slash command is its ``trigger_id`` (a retry repeats the body); a click is the person, the
message, the action and its value within a two-second window of Slack's own ``action_ts`` (a
double click lands in the same window); a form submission is its view id (a view is submitted
successfully once).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.people import Person
from bot.core.context import ActionEvent, Actor, FormSubmission, Invocation, Place

PLATFORM = "slack"
DOUBLE_CLICK_WINDOW = 2.0

Payload = dict[str, Any]


@dataclass(frozen=True)
class Origin:
    """Where an interaction came from, and the handles Slack gave for answering it."""

    team: str
    channel: str
    user: str
    user_name: str
    user_team: str
    response_url: str = ""
    trigger_id: str = ""
    message_ts: str = ""
    ephemeral: bool = False  # the clicked message is ephemeral (only response_url can change it)
    channel_name: str = ""


def command_origin(body: Payload) -> Origin:
    return Origin(
        team=str(body.get("team_id", "")),
        channel=str(body.get("channel_id", "")),
        user=str(body.get("user_id", "")),
        user_name=str(body.get("user_name", "")),
        user_team=str(body.get("team_id", "")),
        response_url=str(body.get("response_url", "")),
        trigger_id=str(body.get("trigger_id", "")),
        channel_name=str(body.get("channel_name", "")),
    )


def interaction_origin(body: Payload, channel: str = "") -> Origin:
    team = str((body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id") or "")
    user: Payload = body.get("user") or {}
    container: Payload = body.get("container") or {}
    channel_info: Payload = body.get("channel") or {}
    response_urls = body.get("response_urls") or [{}]
    return Origin(
        team=team,
        channel=channel or str(channel_info.get("id") or container.get("channel_id") or ""),
        user=str(user.get("id", "")),
        user_name=str(user.get("name") or user.get("username") or ""),
        user_team=str(user.get("team_id") or team),
        response_url=str(body.get("response_url") or response_urls[0].get("response_url") or ""),
        trigger_id=str(body.get("trigger_id", "")),
        message_ts=str(container.get("message_ts") or ""),
        ephemeral=bool(container.get("is_ephemeral")),
        channel_name=str(channel_info.get("name") or ""),
    )


def actor_of(origin: Origin, person: Person) -> Actor:
    return Actor(
        PLATFORM, person.home_team or origin.user_team, origin.user, person.display_name, person.tz, person.locale
    )


def place_of(origin: Origin) -> Place:
    """The channel, or the person's own place: a direct message (``D…``, a group DM) or the Home
    tab (a click there names no channel)."""
    private = is_own_place(origin.channel, origin.channel_name)
    name = f"#{origin.channel_name}" if origin.channel_name and not private else ""
    return Place(PLATFORM, origin.team, origin.channel, name, private=private)


def is_own_place(channel: str, channel_name: str = "") -> bool:
    return (
        not channel
        or channel.startswith("D")
        or channel_name in ("directmessage", "privategroup-mpim")
        or (channel_name.startswith("mpdm-"))
    )


def invocation(body: Payload, origin: Origin, person: Person) -> Invocation:
    command = str(body.get("command", "")).lstrip("/")
    request_id = f"cmd:{origin.trigger_id}" if origin.trigger_id else None
    return Invocation(
        command, actor_of(origin, person), place_of(origin), text=str(body.get("text", "")), request_id=request_id
    )


def action_event(origin: Origin, person: Person, action: Payload, action_id: str, value: str) -> ActionEvent:
    window = int(float(action.get("action_ts") or 0) // DOUBLE_CLICK_WINDOW)
    where = origin.message_ts or origin.channel
    click = f"{origin.user}|{where}|{action_id}|{value}|{window}"
    request_id = "act:" + hashlib.sha256(click.encode()).hexdigest()[:40]
    return ActionEvent(action_id, value, actor_of(origin, person), place_of(origin), request_id=request_id)


def clicked(action: Payload) -> str:
    """The value of a button, or the chosen option of a select."""
    if "selected_option" in action:
        return str((action.get("selected_option") or {}).get("value") or "")
    return str(action.get("value") or "")


def form_submission(
    view: Payload, origin: Origin, person: Person, form_id: str, state: str, values: dict[str, str]
) -> FormSubmission:
    return FormSubmission(
        form_id, values, actor_of(origin, person), place_of(origin), state, request_id=f"view:{view.get('id', '')}"
    )
