"""What the check-in workflow holds about one member, and what it says about it on the privacy page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_, ngettext
from bot.core.workflow import DataUse, Retention
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
        retention=Retention(
            "keep_notes",
            offer=N_(
                "Steering can have the notes and blockers erased a number of months after each check-in "
                "(/coalition settings keep_notes=)."
            ),
            limited=lambda n: ngettext(
                "In this coalition the notes and blockers are erased {n} month after each check-in; "
                "the amounts stay in the totals.",
                "In this coalition the notes and blockers are erased {n} months after each check-in; "
                "the amounts stay in the totals.",
                n,
            ),
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
