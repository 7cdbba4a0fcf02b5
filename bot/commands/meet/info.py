"""Reading meetings (``list``, ``show``, ``ics``), adding agenda items, setting one's own time
zone, and the coalition's calendar feed address."""

from __future__ import annotations

import secrets
from datetime import datetime

from bot.commands.meet import poll, rules
from bot.commands.meet.calendar import ics_file
from bot.commands.meet.closing import agenda_blocks
from bot.commands.meet.repo import meet_repo
from bot.commands.meet.shared import MEETING_ID, entry_of, find_meeting, meet, note_zone
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, ngettext, number, tr
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS, STEERING
from bot.core.ui import Block, Bold, Context, Header, Link, Option, Reply, Section, Timestamp, markup, rich
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingStatus

MAX_AGENDA_ITEM = 300
MAX_AGENDA = 20


@meet.sub("list", summary=N_("Open polls and coming meetings, with their ids"), usage="/meet list")
async def list_meetings(ctx: Ctx, args: Args) -> Reply:
    repo = meet_repo(ctx)
    now = ctx.clock.now()
    polls = await repo.meetings([MeetingStatus.OPEN.value])
    coming = [m for m in await repo.upcoming(now) if next_start(m, now) is not None]
    if not polls and not coming:
        return Reply.private(
            markup(_('No meetings yet. Propose one with `/meet propose "Title" 2026-03-02 15:00 2026-03-03 09:30`.'))
        )
    blocks: list[Block] = []
    if polls:
        blocks.append(Header(_("Polls open")))
        voters, progress = await repo.poll_progress([m.id or 0 for m in polls], poll.VOTERS, ctx.me.id)
        for meeting in polls:
            answered, waiting_for_me = progress[meeting.id or 0]
            line = rich(
                Bold(f"#{meeting.id} {meeting.title}"),
                " — ",
                _("{answered} of {total} answered", answered=number(answered), total=number(voters)),
            )
            if waiting_for_me:
                line = line + rich(" · ", _("you have not answered yet"))
            blocks.append(Section(line))
    if coming:
        blocks.append(Header(_("Coming meetings")))
        for meeting in coming:
            start = next_start(meeting, now) or now
            line = rich(Bold(f"#{meeting.id} {meeting.title}"), " — ", Timestamp(start, ctx.tz))
            if meeting.repeat:
                line = line + rich(" · ", tr(poll.REPEATS[meeting.repeat]))
            blocks.append(Section(line))
    return Reply.private(*blocks)


def next_start(meeting: Meeting, now: datetime) -> datetime | None:
    if meeting.starts_at is None:
        return None
    return rules.next_occurrence(meeting.starts_at, meeting.repeat, meeting.tz, now)


@meet.sub(
    "show",
    summary=N_("A meeting: slots in your time zone, counts, who has not answered, agenda"),
    usage="/meet show <id>",
    params=(MEETING_ID,),
)
async def show(ctx: Ctx, args: Args) -> Reply:
    await note_zone(ctx)
    meeting = await find_meeting(ctx, args.id)
    repo = meet_repo(ctx)
    state = await poll.load(repo, ctx.c, meeting)
    mine = state.answers_of(ctx.me.id)
    blocks: list[Block] = [Header(_("Meeting #{id}: {title}", id=meeting.id, title=meeting.title))]
    blocks.append(
        Context(rich(_("Times in your time zone, {tz}.", tz=ctx.tz), " ", poll.duration_text(meeting.duration)))
    )
    tallies = {t.slot_id: t for t in state.tallies()}
    for slot in state.slots:
        line = poll.slot_rich(slot, ctx.tz) + rich(" — ", poll.counts_line(tallies[slot.id or 0]))
        if (slot.id or 0) in mine:
            line = line + rich(" · ", _("you: {answer}", answer=poll.answer_label(mine[slot.id or 0])))
        if meeting.chosen_slot_id == slot.id:
            line = line + rich(" ", Bold(_("(chosen)")))
        blocks.append(Section(line))
        warnings = poll.fairness_lines(state, slot)
        if warnings:
            blocks.append(Context(rich("⚠ " + "\n⚠ ".join(warnings))))
    blocks.extend(poll.footer(state)[:1] if meeting.status != MeetingStatus.OPEN.value else [])
    if meeting.status == MeetingStatus.OPEN.value:
        waiting = state.unanswered()
        if waiting:
            names = ", ".join(m.display_name for m in waiting[:30])
            blocks.append(
                Section(
                    rich(
                        Bold(ngettext("{n} has not answered:", "{n} have not answered:", len(waiting))),
                        " ",
                        names,
                    )
                )
            )
        else:
            blocks.append(Section(rich(_("Everyone has answered."))))
    blocks.extend(agenda_blocks(list(await repo.agenda(meeting.id or 0))))
    return Reply.private(*blocks)


@meet.sub(
    "agenda",
    summary=N_("Add an item to a meeting's agenda (shown in the reminders)"),
    roles=CONTRIBUTORS,
    usage='/meet agenda <id> "<item>"',
    params=(
        MEETING_ID,
        Param("item", required=True, positional=True, max_length=MAX_AGENDA_ITEM, description=N_("The agenda item")),
    ),
)
async def agenda(ctx: Ctx, args: Args) -> Reply:
    meeting = await find_meeting(ctx, args.id)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise UserError(_("Meeting #{id} was cancelled.", id=meeting.id))
    text = " ".join(args.item.split())
    if not text:
        raise BadArgument(_('The agenda item cannot be empty: `/meet agenda {id} "Budget"`.', id=meeting.id))
    repo = meet_repo(ctx)
    count = await repo.agenda_count(meeting.id or 0)
    if count >= MAX_AGENDA:
        raise UserError(_("Meeting #{id} already has 20 agenda items.", id=meeting.id))
    await repo.add(
        MeetingAgendaItem(
            coalition_id=ctx.c.id or 0,
            meeting_id=meeting.id or 0,
            member_id=ctx.me.id,
            author_name=ctx.me.display_name,
            text=text,
            created_at=ctx.clock.now(),
        )
    )
    if meeting.status == MeetingStatus.CLOSED.value:
        meeting.sequence += 1  # the calendar entry's description changed
        await repo.save(meeting)
    await ctx.repo.audit("meeting.agenda", member=ctx.me, subject=meeting.title, meeting_id=meeting.id)
    return Reply.private(
        Section(
            poll.sentence(
                ngettext(
                    "Added to the agenda of {meeting}; it has {n} item.",
                    "Added to the agenda of {meeting}; it has {n} items.",
                    count + 1,
                    meeting="{meeting}",
                ),
                meeting=Bold(f"#{meeting.id} {meeting.title}"),
            )
        ),
        Context(rich(_("The reminders 24 hours and 15 minutes before the meeting list the agenda."))),
    )


@meet.sub(
    "ics", summary=N_("The calendar file (.ics) of a chosen meeting"), usage="/meet ics <id>", params=(MEETING_ID,)
)
async def ics(ctx: Ctx, args: Args) -> Reply:
    meeting = await find_meeting(ctx, args.id)
    if meeting.starts_at is None:
        raise UserError(
            _("Meeting #{id} has no time yet: its poll is still open (`/meet close {id}` picks one).", id=meeting.id)
        )
    cancelled = meeting.status == MeetingStatus.CANCELLED.value
    entry = entry_of(meeting, ctx.c, list(await meet_repo(ctx).agenda(meeting.id or 0)), cancelled=cancelled)
    reply = Reply.private(
        _("The calendar file of meeting #{id}: open it to add the meeting to your calendar.", id=meeting.id)
        if not cancelled
        else _("Meeting #{id} was cancelled: this file removes it from your calendar.", id=meeting.id)
    )
    reply.attachments.append(ics_file(entry, now=ctx.clock.now(), meeting_id=meeting.id or 0))
    return reply


@meet.sub(
    "tz",
    summary=N_("Your own time zone, used to show times and to keep polls fair"),
    usage="/meet tz [Area/City]",
    params=(Param("tz", Kind.TZ, positional=True, description=N_("Your time zone, like America/Chicago")),),
)
async def set_zone(ctx: Ctx, args: Args) -> Reply:
    if args.tz is None:
        return Reply.private(markup(_("Your time zone here is {tz}. Change it with `/meet tz Area/City`.", tz=ctx.tz)))
    ctx.me.tz = args.tz
    await ctx.repo.save(ctx.me)
    await ctx.repo.audit("member.tz", member=ctx.me, subject=args.tz)
    return Reply.private(_("Your time zone is now {tz}.", tz=args.tz))


def feed_url(ctx: Ctx, token: str) -> str:
    base = ctx.settings.public_url.rstrip("/")
    return f"{base}/calendar/{ctx.c.slug}/{token}.ics"


@meet.sub(
    "feed",
    summary=N_("The secret address of the coalition's calendar feed, for calendar apps"),
    roles=CONTRIBUTORS,
    usage="/meet feed",
)
async def feed(ctx: Ctx, args: Args) -> Reply:
    repo = meet_repo(ctx)
    current = await repo.feed()
    token = current.token if current else secrets.token_urlsafe(24)
    if current is None:
        await repo.set_feed_token(token, ctx.clock.now())
    return feed_reply(ctx, token)


@meet.sub(
    "feed-renew",
    summary=N_("Steering: a new calendar feed address; the old one stops working"),
    roles=STEERING,
    usage="/meet feed-renew",
)
async def feed_renew(ctx: Ctx, args: Args) -> Reply:
    token = secrets.token_urlsafe(24)
    await meet_repo(ctx).set_feed_token(token, ctx.clock.now())
    await ctx.repo.audit("meeting.feed_renewed", member=ctx.me)
    reply = feed_reply(ctx, token)
    reply.blocks.insert(0, Section(rich(_("The old address no longer works."))))
    return reply


def feed_reply(ctx: Ctx, token: str) -> Reply:
    url = feed_url(ctx, token)
    return Reply.private(
        Section(rich(_("Subscribe to this address in your calendar app:"), " ", Link(url, url))),
        Context(
            markup(
                _(
                    "Keep it private: anyone with it can see the meetings. Steering can renew it with `/meet feed-renew`."
                )
            )
        ),
    )


@meet.completer("meeting")
async def complete_meeting(ctx: Ctx, partial: str) -> list[Option]:
    meetings = await meet_repo(ctx).meetings([MeetingStatus.OPEN.value, MeetingStatus.CLOSED.value], limit=100)
    options = [
        Option(f"#{m.id} {m.title}"[:100], str(m.id))
        for m in meetings
        if not partial or partial in m.title.lower() or partial.lstrip("#") == str(m.id)
    ]
    return options[:25]
