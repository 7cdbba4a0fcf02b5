"""Kept so modules written before :class:`bot.core.workflow.Workflow` still import. ``/coalition
status`` lives in ``bot/commands/coalition/status.py`` and shows each workflow's declared ``status``
sections; this decorator registers nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def status_section(fn: F) -> F:
    return fn
