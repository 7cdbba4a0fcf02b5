"""What the impact workflow holds about one member, and what it says about it on the privacy page.
Of the pulse, only that they answered: the answers are counts kept apart from who answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.impact_models import Pulse, PulseResponder, Win

PRIVACY = (
    DataUse(
        what=N_("Wins: what the coalition won, when, and who logged it."),
        why=N_("To measure the change the coalition wins."),
        who_sees=N_("Every member of the coalition; wins are announced in the linked channels."),
        kept=N_("As long as the coalition exists; forget-me removes the name."),
    ),
    DataUse(
        what=N_(
            "The pulse: that a member answered, kept apart from the answers, which are only counts and unsigned comments."
        ),
        why=N_(
            "To measure how the coalition feels without knowing who said what, and to remind only those who have not answered."
        ),
        who_sees=N_("Results only once at least 5 people answered; nobody sees who gave which answer."),
        kept=N_("As long as the coalition exists; forget-me deletes the record that the person answered."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    answered = await mine(ctx, PulseResponder, member_id, "member_id", hide=("start",))
    return {
        "wins_logged": await mine(ctx, Win, member_id, "member_id"),
        "pulses_started": await mine(ctx, Pulse, member_id, "started_by"),
        "pulses_answered": [{"pulse_id": row["pulse_id"]} for row in answered],
    }
