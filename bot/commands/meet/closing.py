"""Closing a poll (the best slot by the SPEC's order, or the one named), and cancelling a meeting.

Closing announces the meeting in every linked channel with its ``.ics``, creates a scheduled event
in every linked Discord server, and hands the meeting to the reminder job. Cancelling retracts the
events, the reminders still waiting and the calendar entry (a METHOD:CANCEL file, same UID).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands.meet import poll, rules
from bot.commands.meet.calendar import ics_file
from bot.commands.meet.repo import meet_repo
from bot.commands.meet.shared import (
    MEETING_ID,
    check_manager,
    entry_of,
    event_topic,
    find_meeting,
    location_of,
    meet,
    occurrence_key,
    reminder_topic,
)
from bot.core.context import Ctx
from bot.core.delivery import CalendarEvent
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, language, ngettext, number, of_coalition, tr
from bot.core.outbox import Outbox
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Block, Bold, Context, Header, Reply, Rich, Section, Timestamp, markup, rich
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingStatus, Repeat
from bot.store.models import Coalition


@meet.sub(
    "close",
    summary=N_("Close the poll: pick the best slot (or the one you name), announce it, add it to calendars"),
    roles=CONTRIBUTORS,
    usage="/meet close <id> [slot] [repeat=weekly|biweekly|monthly]",
    params=(
        MEETING_ID,
        Param(
            "slot",
            Kind.INT,
            positional=True,
            minimum=1,
            description=N_("Slot number from the poll (default: the best)"),
        ),
        Param("repeat", Kind.CHOICE, choices=tuple(r.value for r in Repeat), description=N_("Make it recurring")),
    ),
)
async def close(ctx: Ctx, args: Args) -> Reply:
    meeting = await find_meeting(ctx, args.id)
    check_manager(ctx, meeting)
    if meeting.status != MeetingStatus.OPEN.value:
        raise UserError(already_decided(meeting))
    repo = meet_repo(ctx)
    state = await poll.load(repo, ctx.c, meeting)
    tallies = state.tallies()
    now = ctx.clock.now()
    if args.slot is not None:
        positions = {slot.id: slot.position for slot in state.slots}
        chosen = next((t for t in tallies if positions.get(t.slot_id) == args.slot), None)
        if chosen is None:
            raise BadArgument(
                _(
                    "Meeting #{id} has slots 1 to {last}; `/meet show {id}` lists them.",
                    id=meeting.id,
                    last=len(tallies),
                )
            )
        why = _("Chosen by {name}.", name=ctx.me.display_name)
    else:
        future = [t for t in tallies if t.start > now]
        if not future:
            raise UserError(
                _("Every slot of meeting #{id} has passed. Cancel it and propose new slots.", id=meeting.id)
            )
        choice = rules.best_slot(future)
        chosen, why = choice.best, reason_text(choice)
    if chosen.start <= now:
        raise BadArgument(_("That slot has already passed; pick another one."))
    meeting.status = MeetingStatus.CLOSED.value
    meeting.chosen_slot_id = chosen.slot_id
    meeting.starts_at = chosen.start
    meeting.repeat = args.repeat
    meeting.closed_at = now
    meeting.next_reminder_at = chosen.start - max(rules.REMINDERS)
    await repo.save(meeting)
    agenda = list(await repo.agenda(meeting.id or 0))
    state = await poll.load(repo, ctx.c, meeting)
    outbox = ctx.outbox
    with language(of_coalition(ctx.c)):
        await outbox.refresh(poll.topic_of(meeting), poll.poll_reply(state))
        await outbox.announce(announcement(ctx.c, meeting, why, agenda), key=f"meet:closed:{meeting.id}")
        await schedule_event(outbox, ctx.c, meeting, chosen.start, agenda)
    await ctx.repo.audit(
        "meeting.closed",
        member=ctx.me,
        subject=meeting.title,
        meeting_id=meeting.id,
        starts_at=chosen.start.isoformat(),
    )
    reply = Reply.private(
        Section(
            poll.sentence(
                _("Meeting #{id} is on {when}.", id=meeting.id, when="{when}"), when=Timestamp(chosen.start, ctx.tz)
            )
        ),
        Section(rich(why)),
        Context(rich(_("Announced in every linked channel, with reminders 24 hours and 15 minutes before."))),
    )
    reply.attachments.append(ics_file(entry_of(meeting, ctx.c, agenda), now=now, meeting_id=meeting.id or 0))
    return reply


def reason_text(choice: rules.Choice) -> str:
    best, runner = choice.best, choice.runner_up
    if choice.reason == rules.Reason.ONLY or runner is None:
        return _("It was the only slot.")
    if choice.reason == rules.Reason.MOST_YES:
        return ngettext(
            "It has the most yes answers ({n}, against {other}).",
            "It has the most yes answers ({n}, against {other}).",
            best.yes,
            other=number(runner.yes),
        )
    if choice.reason == rules.Reason.MOST_MAYBE:
        return _(
            "Tied on yes; it has the most if-need-be answers ({n}, against {other}).",
            n=number(best.maybe),
            other=number(runner.maybe),
        )
    if choice.reason == rules.Reason.FEWEST_NO:
        return _(
            "Tied on yes and if need be; it has the fewest no answers ({n}, against {other}).",
            n=number(best.no),
            other=number(runner.no),
        )
    if choice.reason == rules.Reason.FEWEST_INCONVENIENCED:
        return _(
            "Tied on every answer; it falls outside 08:00–21:00 for the fewest members ({n}, against {other}).",
            n=number(best.inconvenienced),
            other=number(runner.inconvenienced),
        )
    return _("Tied on every count; it is the earliest.")


def announcement(coalition: Coalition, meeting: Meeting, why: str, agenda: list[MeetingAgendaItem]) -> Reply:
    assert meeting.starts_at is not None
    blocks: list[Block] = [
        Header(_("Meeting: {title}", title=meeting.title)),
        Section(
            poll.sentence(
                _(
                    "{title} is on {when}, for {duration}.",
                    title="{title}",
                    when="{when}",
                    duration=poll.duration_text(meeting.duration),
                ),
                title=Bold(meeting.title),
                when=Timestamp(meeting.starts_at, coalition.tz),
            )
        ),
        Section(rich(why)),
    ]
    if meeting.repeat:
        blocks.append(Section(rich(tr(poll.REPEATS[meeting.repeat]))))
    blocks.extend(agenda_blocks(agenda))
    blocks.append(
        Context(
            markup(
                _(
                    "The calendar file is attached (`/meet ics {id}` gives it again); reminders come 24 hours and 15 minutes before.",
                    id=meeting.id,
                )
            )
        )
    )
    reply = Reply.channel(*blocks)
    reply.attachments.append(
        ics_file(
            entry_of(meeting, coalition, agenda), now=meeting.closed_at or meeting.starts_at, meeting_id=meeting.id or 0
        )
    )
    return reply


def agenda_blocks(agenda: list[MeetingAgendaItem]) -> list[Block]:
    if not agenda:
        return []
    text: Rich = rich(Bold(_("Agenda")), "\n")
    for index, item in enumerate(agenda):
        text = text + rich(f"{index + 1}. ", item.text, "\n" if index < len(agenda) - 1 else "")
    return [Section(text)]


async def schedule_event(
    outbox: Outbox, coalition: Coalition, meeting: Meeting, start: datetime, agenda: list[MeetingAgendaItem]
) -> None:
    """A scheduled event for one occurrence in every linked Discord server."""
    description = "\n".join(f"• {item.text}" for item in agenda)
    event = CalendarEvent(
        name=meeting.title,
        description=description,
        start=start,
        end=start + timedelta(minutes=meeting.duration),
        location=location_of(coalition),
    )
    await outbox.schedule_event(
        event, key=f"meet:event:{meeting.id}:{occurrence_key(start)}", topic=event_topic(meeting)
    )


def already_decided(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.CANCELLED.value:
        return _("Meeting #{id} was cancelled.", id=meeting.id)
    return _("The poll for meeting #{id} is already closed. `/meet show {id}` says when it is.", id=meeting.id)


@meet.sub(
    "cancel",
    summary=N_("Cancel a meeting: the poll, its calendar entry, Discord events and reminders"),
    roles=CONTRIBUTORS,
    usage="/meet cancel <id>",
    params=(MEETING_ID,),
)
async def cancel(ctx: Ctx, args: Args) -> Reply:
    meeting = await find_meeting(ctx, args.id)
    check_manager(ctx, meeting)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise UserError(already_decided(meeting))
    was_scheduled = meeting.status == MeetingStatus.CLOSED.value
    now = ctx.clock.now()
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancelled_at = now
    meeting.next_reminder_at = None
    if was_scheduled:
        meeting.sequence += 1
    repo = meet_repo(ctx)
    await repo.save(meeting)
    outbox = ctx.outbox
    events = await outbox.cancel_events(event_topic(meeting))
    await outbox.withdraw(reminder_topic(meeting))
    state = await poll.load(repo, ctx.c, meeting)
    agenda = list(await repo.agenda(meeting.id or 0))
    with language(of_coalition(ctx.c)):
        await outbox.refresh(poll.topic_of(meeting), poll.poll_reply(state))
        notice = Reply.channel(
            Section(
                poll.sentence(
                    _("{title} (meeting #{id}) is cancelled.", title="{title}", id=meeting.id),
                    title=Bold(meeting.title),
                )
            )
        )
        if was_scheduled:
            notice.blocks.append(Context(rich(_("The attached file removes it from calendars."))))
            notice.attachments.append(
                ics_file(entry_of(meeting, ctx.c, agenda, cancelled=True), now=now, meeting_id=meeting.id or 0)
            )
        await outbox.announce(notice, key=f"meet:cancelled:{meeting.id}")
    await ctx.repo.audit("meeting.cancelled", member=ctx.me, subject=meeting.title, meeting_id=meeting.id)
    reply = Reply.private(
        _("Cancelled meeting #{id}; every linked channel is told.", id=meeting.id),
    )
    if events:
        reply.blocks.append(
            Context(
                rich(ngettext("{n} Discord event is being removed.", "{n} Discord events are being removed.", events))
            )
        )
    if was_scheduled:
        reply.attachments.append(
            ics_file(entry_of(meeting, ctx.c, agenda, cancelled=True), now=now, meeting_id=meeting.id or 0)
        )
    return reply
