"""Discord wire shapes this adapter produces and reads (API v10), as TypedDicts.

Only the keys the adapter uses are listed; the test fake builds its payloads from the same types.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

# application command option types
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
NUMBER = 10

# interaction types
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# component types inside modal submissions
ACTION_ROW = 1
STRING_SELECT = 3
TEXT_INPUT = 4
TEXT_DISPLAY = 10
LABEL = 18
CHECKBOX = 23

# interaction callback types
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

EPHEMERAL = 1 << 6


class OptionChoice(TypedDict):
    name: str
    value: str | int | float


class CommandOption(TypedDict):
    type: int
    name: str
    description: str
    description_localizations: NotRequired[dict[str, str]]
    required: NotRequired[bool]
    choices: NotRequired[list[OptionChoice]]
    autocomplete: NotRequired[bool]
    min_value: NotRequired[int | float]
    max_length: NotRequired[int]
    options: NotRequired[list[CommandOption]]


class ApplicationCommand(TypedDict):
    """The body of one command in ``PUT /applications/{id}/[guilds/{id}/]commands``."""

    name: str
    description: str
    description_localizations: NotRequired[dict[str, str]]
    type: Literal[1]
    options: list[CommandOption]
    contexts: list[int]
    integration_types: list[int]


class CommandDataOption(TypedDict):
    name: str
    type: int
    value: NotRequired[str | int | float | bool]
    options: NotRequired[list[CommandDataOption]]
    focused: NotRequired[bool]


class CommandData(TypedDict):
    """``data`` of an application command (type 2) or autocomplete (type 4) interaction."""

    id: str
    name: str
    type: int
    options: NotRequired[list[CommandDataOption]]
    guild_id: NotRequired[str]


class ComponentData(TypedDict):
    """``data`` of a message component (type 3) interaction."""

    custom_id: str
    component_type: int
    values: NotRequired[list[str]]


class SubmittedInput(TypedDict):
    type: int
    custom_id: str
    id: NotRequired[int]
    value: NotRequired[str | bool | None]
    values: NotRequired[list[str]]


class SubmittedRow(TypedDict):
    type: int
    id: NotRequired[int]
    components: NotRequired[list[SubmittedInput]]
    component: NotRequired[SubmittedInput]


class ModalData(TypedDict):
    """``data`` of a modal submit (type 5) interaction."""

    custom_id: str
    components: list[SubmittedRow]
