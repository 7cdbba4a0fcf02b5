"""What the check-in workflow holds about one member, and what it says about it on the privacy page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.models import Checkin, GoalTally
from bot.store.scheduling_models import CheckinSchedule

PRIVACY = (
    DataUse(
        what=N_("Check-ins: who reported, the amount, the note and blockers they wrote, and when."),
        why=N_("To show progress on goals, digests and who has not reported yet."),
        who_sees=N_("Every member of the coalition; digests name the people who reported."),
        kept=N_(
            "As long as the coalition exists; forget-me removes the name and the words, the amount stays in the totals."
        ),
    ),
    DataUse(
        what=N_("Check-in schedules: the channel, the time and who set them up."),
        why=N_("To send the reminders at the right time."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("Until the schedule is removed."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    return {
        "checkins": await mine(ctx, Checkin, member_id, "member_id"),
        "checkin_totals": await mine(ctx, GoalTally, member_id, "member_id"),  # their sums per goal
        "checkin_schedules_created": await mine(ctx, CheckinSchedule, member_id, "created_by"),
    }
