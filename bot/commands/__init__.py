"""Workflows: one package each, exporting a :class:`bot.core.workflow.Workflow`. The registry, the
scheduler, ``/coalition status``, export, forget-me and ``serve``'s web routes all read this list."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.checkin import workflow as checkin
from bot.commands.coalition import workflow as coalition
from bot.commands.decide import workflow as decide
from bot.commands.flag import workflow as flag
from bot.commands.goal import workflow as goal
from bot.commands.impact import workflow as impact
from bot.commands.meet import workflow as meet
from bot.commands.pledge import workflow as pledge
from bot.commands.unity import workflow as unity
from bot.core.registry import Registry
from bot.core.workflow import Workflow

WORKFLOWS: tuple[Workflow, ...] = (
    coalition,
    goal,
    checkin,
    pledge,
    flag,
    meet,
    unity,
    decide,
    impact,
)


def build_registry(workflows: Sequence[Workflow] = WORKFLOWS) -> Registry:
    return Registry(workflows)
