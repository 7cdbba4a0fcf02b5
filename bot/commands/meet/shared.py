"""What the meeting command's modules share: the command object, finding a meeting, who may
manage it, and its calendar entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.commands.meet.calendar import CalendarEntry
from bot.commands.meet.repo import meet_repo
from bot.core.context import Ctx
from bot.core.errors import NotFound, PermissionDenied
from bot.core.i18n import N_, _
from bot.core.params import Kind, Param
from bot.core.registry import Command
from bot.store.meeting_models import Meeting, MeetingAgendaItem
from bot.store.models import Coalition, Role

meet = Command("meet", N_("Find a time to meet across time zones and platforms"))

MEETING_ID = Param("id", Kind.ID, required=True, positional=True, autocomplete="meeting", description=N_("The meeting"))


async def find_meeting(ctx: Ctx, meeting_id: int) -> Meeting:
    meeting = await meet_repo(ctx).meeting(meeting_id)
    if meeting is None:
        raise NotFound(
            _(
                "There is no meeting #{id} in {coalition}. `/meet list` shows the meetings and their ids.",
                id=meeting_id,
                coalition=ctx.c.name,
            )
        )
    return meeting


def check_manager(ctx: Ctx, meeting: Meeting) -> None:
    """Closing and cancelling belong to whoever proposed the meeting, and to steering."""
    if ctx.me.id == meeting.proposer_id or ctx.me.role == Role.STEERING.value:
        return
    raise PermissionDenied(
        _(
            "Only the person who proposed meeting #{id} or a steering committee member can do that.",
            id=meeting.id,
        )
    )


async def note_zone(ctx: Ctx) -> None:
    """A member whose platform told us their zone (Slack ``users.info``) keeps it for fairness checks."""
    if ctx.member is not None and not ctx.member.tz and ctx.actor.tz:
        ctx.member.tz = ctx.actor.tz
        await ctx.repo.save(ctx.member)


def location_of(coalition: Coalition) -> str:
    return _("{coalition}: details in the coalition's channels", coalition=coalition.name)


def agenda_text(items: list[MeetingAgendaItem]) -> str:
    return "\n".join(f"• {item.text}" for item in items)


def entry_of(
    meeting: Meeting, coalition: Coalition, agenda: list[MeetingAgendaItem], *, cancelled: bool = False
) -> CalendarEntry:
    assert meeting.starts_at is not None
    description = _("Agenda:") + "\n" + agenda_text(agenda) if agenda else ""
    return CalendarEntry(
        uid=meeting.uid,
        sequence=meeting.sequence,
        title=meeting.title,
        start=meeting.starts_at,
        duration=timedelta(minutes=meeting.duration),
        tz=meeting.tz,
        repeat=meeting.repeat,
        description=description,
        location=location_of(coalition),
        cancelled=cancelled,
    )


def event_topic(meeting: Meeting) -> str:
    return f"meet-event:{meeting.id}"


def reminder_topic(meeting: Meeting) -> str:
    return f"meet-remind:{meeting.id}"


def occurrence_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
