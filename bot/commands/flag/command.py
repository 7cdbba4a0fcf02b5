"""The ``/flag`` command object, its shared options, and the limits every part of the workflow uses."""

from __future__ import annotations

from datetime import timedelta

from bot.core.i18n import N_
from bot.core.params import Kind, Param
from bot.core.registry import Command

flag = Command(
    "flag",
    N_("Raise a concern confidentially; facilitators and steering handle it"),
    bare=("raise",),
    confidential=True,
)

DAILY_LIMIT = 5
DEFAULT_ESCALATION_HOURS = 48
ACK_OVERDUE = timedelta(days=7)
OUTCOME_OVERDUE = timedelta(days=90)
MAX_TOPIC = 150
MAX_DESCRIPTION = 3000
MAX_TEXT = 2000
MAX_PARTIES = 10

ID = Param(
    "id", Kind.ID, required=True, positional=True, autocomplete="flag", description=N_("The flag's number, like 3")
)
RECEIPT = Param(
    "receipt",
    required=True,
    positional=True,
    max_length=80,
    description=N_("The receipt code you got when you raised the flag"),
)


def text_param(name: str, description: str) -> Param:
    return Param(name, required=True, positional=True, max_length=MAX_TEXT, description=description)
