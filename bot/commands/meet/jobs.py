"""Timed work of meetings, run by the scheduler's leader: the one reminder to members who have not
answered a poll, the proposer's "time to close" at the deadline, and the reminders 24 hours and
15 minutes before every occurrence of a chosen meeting (with its agenda, and for a recurring
meeting the next occurrence's Discord event). Every message has an idempotency key, so a doubled
or late tick sends nothing twice. The session a job is given only finds the item's meeting and
builds that meeting's coalition's repository and outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.meet import poll, rules
from bot.commands.meet.closing import agenda_blocks, reason_text, schedule_event
from bot.commands.meet.shared import occurrence_key, reminder_topic
from bot.core.i18n import _, language, of_coalition, of_member
from bot.core.outbox import Outbox
from bot.core.ui import Block, Bold, Context, Header, Reply, Section, Timestamp, markup, rich
from bot.core.workflow import JobEnv, TimedJob
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingStatus
from bot.store.meeting_repo import (
    MeetingRepo,
    any_meeting,
    due_polls,
    due_reminders,
    next_poll_wake,
    next_reminder_wake,
)
from bot.store.models import Coalition


@dataclass(frozen=True)
class DueMeeting:
    """A meeting a job works on, with its coalition's repository and outbox."""

    meeting: Meeting
    coalition: Coalition
    repo: MeetingRepo
    outbox: Outbox


async def due_meeting(
    session: AsyncSession, meeting_id: int, status: MeetingStatus, now: datetime
) -> DueMeeting | None:
    """The meeting (if it is still in ``status``) with its coalition's repository and outbox."""
    meeting = await any_meeting(session, meeting_id)
    if meeting is None or meeting.status != status.value:
        return None
    repo = MeetingRepo(session, meeting.coalition_id)
    coalition = await repo.coalition()
    if coalition is None:
        return None
    return DueMeeting(meeting, coalition, repo, Outbox(session, meeting.coalition_id, now=now))


async def run_poll(session: AsyncSession, meeting_id: int, now: datetime, env: JobEnv) -> int:
    """At the deadline, ask the proposer to close; before it, remind non-responders once."""
    found = await due_meeting(session, meeting_id, MeetingStatus.OPEN, now)
    if found is None:
        return 0
    meeting, coalition, outbox = found.meeting, found.coalition, found.outbox
    state = await poll.load(found.repo, coalition, meeting)
    sent = 0
    if meeting.deadline is not None and now >= meeting.deadline and meeting.deadline_asked_at is None:
        meeting.deadline_asked_at = now
        meeting.nudged_at = meeting.nudged_at or now  # too late to remind anyone
        proposer = next((m for m in state.voters if m.id == meeting.proposer_id), None)
        if proposer is not None:
            with language(of_member(proposer, coalition)):
                notice = deadline_notice(state)
            sent += len(await outbox.direct(proposer.id or 0, notice, key=f"meet:deadline:{meeting.id}"))
    elif meeting.nudge_at is not None and now >= meeting.nudge_at and meeting.nudged_at is None:
        meeting.nudged_at = now
        for member in state.unanswered():
            with language(of_member(member, coalition)):
                nudge = nudge_notice(coalition, meeting, member.tz or coalition.tz)
            sent += len(await outbox.direct(member.id or 0, nudge, key=f"meet:nudge:{meeting.id}:{member.id}"))
    await found.repo.save(meeting)
    return sent


def nudge_notice(coalition: Coalition, meeting: Meeting, tz: str) -> Reply:
    assert meeting.deadline is not None
    return Reply.private(
        Section(
            poll.sentence(
                _(
                    "{coalition} is finding a time for {meeting}, and your answer is missing. Answers are due by {deadline}.",
                    coalition=coalition.name,
                    meeting="{meeting}",
                    deadline="{deadline}",
                ),
                meeting=Bold(f"#{meeting.id} {meeting.title}"),
                deadline=Timestamp(meeting.deadline, tz),
            )
        ),
        markup(_("Answer with the poll's buttons in a coalition channel, or `/meet vote {id}` there.", id=meeting.id)),
    )


def deadline_notice(state: poll.PollState) -> Reply:
    meeting = state.meeting
    choice = rules.best_slot(state.tallies())
    best = state.slot(choice.best.slot_id)
    return Reply.private(
        Section(
            poll.sentence(
                _("The answers for {meeting} are due now.", meeting="{meeting}"),
                meeting=Bold(f"#{meeting.id} {meeting.title}"),
            )
        ),
        Section(
            poll.sentence(
                _("The best slot so far is {slot}.", slot="{slot}"),
                slot=poll.slot_rich(best, state.coalition.tz) if best else rich("?"),
            )
            + rich(" ", reason_text(choice))
        ),
        markup(
            _("Close the poll with `/meet close {id}` (or `/meet close {id} <slot>` to pick another).", id=meeting.id)
        ),
    )


async def run_reminders(session: AsyncSession, meeting_id: int, now: datetime, env: JobEnv) -> int:
    """Send the reminder that is due for the coming occurrence, then plan the next one."""
    found = await due_meeting(session, meeting_id, MeetingStatus.CLOSED, now)
    if found is None:
        return 0
    meeting = found.meeting
    if meeting.starts_at is None:
        return 0
    sent = 0
    occurrence = rules.next_occurrence(meeting.starts_at, meeting.repeat, meeting.tz, now)
    if occurrence is not None:
        offset = rules.due_reminder(occurrence, now)
        if offset is not None:
            sent += await remind(found, occurrence, offset)
    meeting.next_reminder_at = plan_next(meeting, occurrence, now)
    await found.repo.save(meeting)
    return sent


def plan_next(meeting: Meeting, occurrence: datetime | None, now: datetime) -> datetime | None:
    if occurrence is None or meeting.starts_at is None:
        return None
    upcoming = rules.next_reminder(occurrence, now)
    if upcoming is not None:
        return upcoming
    following = rules.next_occurrence(meeting.starts_at, meeting.repeat, meeting.tz, occurrence)
    return None if following is None else following - max(rules.REMINDERS)


async def remind(found: DueMeeting, occurrence: datetime, offset: timedelta) -> int:
    meeting, coalition, outbox = found.meeting, found.coalition, found.outbox
    agenda = list(await found.repo.agenda(meeting.id or 0))
    with language(of_coalition(coalition)):
        if meeting.repeat and occurrence != meeting.starts_at:
            await schedule_event(outbox, coalition, meeting, occurrence, agenda)
        reply = reminder(coalition, meeting, occurrence, offset, agenda)
    rows = await outbox.announce(
        reply,
        key=f"meet:remind:{meeting.id}:{occurrence_key(occurrence)}:{int(offset.total_seconds() // 60)}",
        topic=reminder_topic(meeting),
        expires=occurrence,  # a reminder after the meeting started is not sent
    )
    return len(rows)


def reminder(
    coalition: Coalition, meeting: Meeting, occurrence: datetime, offset: timedelta, agenda: list[MeetingAgendaItem]
) -> Reply:
    soon = offset < timedelta(hours=1)
    heading = _("Starting soon: {title}", title=meeting.title) if soon else _("Reminder: {title}", title=meeting.title)
    blocks: list[Block] = [
        Header(heading),
        Section(
            poll.sentence(
                _(
                    "{title} starts {when}, for {duration}.",
                    title="{title}",
                    when="{when}",
                    duration=poll.duration_text(meeting.duration),
                ),
                title=Bold(meeting.title),
                when=Timestamp(occurrence, coalition.tz),
            )
        ),
        *agenda_blocks(agenda),
    ]
    if not agenda:
        blocks.append(Context(markup(_('No agenda yet: add items with `/meet agenda {id} "…"`.', id=meeting.id))))
    return Reply.channel(*blocks)


POLL_JOB = TimedJob("meet.polls", due=due_polls, run=run_poll, next_wake=next_poll_wake)
REMINDER_JOB = TimedJob("meet.reminders", due=due_reminders, run=run_reminders, next_wake=next_reminder_wake)
