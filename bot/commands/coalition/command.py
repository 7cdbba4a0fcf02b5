"""The ``/coalition`` command object and the parameters its modules share."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.params import Kind, Param
from bot.core.registry import Command

coalition = Command("coalition", N_("Set up a coalition: channels, organisations, members, roles, groups"))

NAME = Param("name", required=True, positional=True, max_length=100, description=N_("A name"))
TZ = Param("tz", Kind.TZ, description=N_("Time zone, like Europe/Berlin"))
