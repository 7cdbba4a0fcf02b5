"""Workflows. Each module declares one command; :func:`build_registry` collects them."""

from __future__ import annotations

from bot.core.registry import Registry


def build_registry() -> Registry:
    from bot.commands import checkin_schedules, delivery_status  # noqa: F401  (subcommands, status sections)
    from bot.commands.checkin import checkin
    from bot.commands.coalition import coalition
    from bot.commands.goal import goal
    from bot.commands.meet import meet
    from bot.commands.unity import unity

    registry = Registry()
    for command in (coalition, goal, checkin, unity, meet):
        registry.add(command)
    return registry
