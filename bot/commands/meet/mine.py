"""What the meeting workflow holds about one member, and what it says about it on the privacy page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingVote

PRIVACY = (
    DataUse(
        what=N_("Meetings: the title, the proposed times, who proposed it, and each person's availability votes."),
        why=N_("To find a time that suits the most people across time zones."),
        who_sees=N_("Every member of the coalition sees the counts; the proposer and steering see who voted."),
        kept=N_("As long as the coalition exists; forget-me deletes the person's votes and name."),
    ),
    DataUse(
        what=N_("Agenda items: the text and who added it."),
        why=N_("To prepare the meeting together."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("As long as the coalition exists; forget-me removes the name and words."),
    ),
    DataUse(
        what=N_("A secret calendar-feed address for the coalition."),
        why=N_("So calendars can show the coalition's meetings."),
        who_sees=N_("Members who are given the address; steering can renew it."),
        kept=N_("Until steering renews it."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    return {
        "meetings_proposed": await mine(ctx, Meeting, member_id, "proposer_id"),
        "meeting_votes": await mine(ctx, MeetingVote, member_id, "member_id"),
        "meeting_agenda_items": await mine(ctx, MeetingAgendaItem, member_id, "member_id"),
    }
