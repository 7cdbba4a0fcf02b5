"""What the goal workflow holds about one member, and what it says about it on the privacy page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.models import Goal

PRIVACY = (
    DataUse(
        what=N_("Goals: title, target, unit, due date, owner, and who created each goal."),
        why=N_("To track shared targets and show progress."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("Until the coalition deletes the goal; the creator's link goes with forget-me."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    return {"goals_created": await mine(ctx, Goal, member_id, "created_by")}
