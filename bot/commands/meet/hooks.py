"""Where the rest of the bot reaches into meetings: the ``/coalition status`` section, the
coalition's export, and forget-me."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from bot.commands.common import removed, row_dict
from bot.commands.meet import poll, rules
from bot.commands.meet.repo import meet_repo
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.ui import Block, Bold, Section, Timestamp, markup, rich
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingSlot, MeetingStatus, MeetingVote

EXPORTED = ("meeting", "meetingslot", "meetingvote", "meetingagendaitem", "meetingfeed")


async def status_section(ctx: Ctx) -> list[Block]:
    """Polls waiting for answers (and whether you answered), and the next meeting."""
    repo = meet_repo(ctx)
    now = ctx.clock.now()
    blocks: list[Block] = []
    polls = await repo.meetings([MeetingStatus.OPEN.value], limit=5)
    me = ctx.member.id if ctx.member is not None else None
    voters, progress = await repo.poll_progress([m.id or 0 for m in polls], poll.VOTERS, me)
    for meeting in polls:
        answered, waiting_for_me = progress[meeting.id or 0]
        line = rich(
            Bold(f"#{meeting.id} {meeting.title}"),
            " — ",
            ngettext(
                "meeting poll, {n} member has not answered",
                "meeting poll, {n} members have not answered",
                voters - answered,
            ),
        )
        if waiting_for_me:
            line = line + rich(" ", markup(_("(you among them: `/meet vote {id}`)", id=meeting.id)))
        blocks.append(Section(line))
    coming = []
    for meeting in await repo.upcoming(now):
        if meeting.starts_at is None:
            continue
        start = rules.next_occurrence(meeting.starts_at, meeting.repeat, meeting.tz, now)
        if start is not None:
            coming.append((start, meeting))
    if coming:
        start, meeting = min(coming, key=lambda pair: pair[0])
        blocks.append(
            Section(
                poll.sentence(
                    _("Next meeting: {meeting} on {when}.", meeting="{meeting}", when="{when}"),
                    meeting=Bold(f"#{meeting.id} {meeting.title}"),
                    when=Timestamp(start, ctx.tz),
                )
            )
        )
    if len(coming) > 1:
        blocks.append(
            Section(
                markup(
                    ngettext(
                        "{n} meeting coming; `/meet list` shows it.",
                        "{n} meetings coming; `/meet list` shows them.",
                        len(coming),
                    )
                )
            )
        )
    return blocks


async def export(ctx: Ctx) -> dict[str, Any]:
    """Each table streamed a page at a time (not three queries per meeting)."""
    feed = await meet_repo(ctx).feed()
    return {
        "meeting": ctx.repo.pages(Meeting),
        "meetingslot": ctx.repo.pages(MeetingSlot),
        "meetingvote": ctx.repo.pages(MeetingVote),
        "meetingagendaitem": ctx.repo.pages(MeetingAgendaItem),
        "meetingfeed": [row_dict(feed)] if feed is not None else [],
    }


async def forget(ctx: Ctx, member_id: int) -> None:
    await meet_repo(ctx).forget_member(member_id, removed(ctx))


MERGES = ("meeting", "meetingagendaitem", "meetingvote")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.repoint(from_id, into_id, col(Meeting.proposer_id), col(MeetingAgendaItem.member_id))
    # one vote per member and slot: the newer answer stands
    await ctx.repo.repoint_once(
        from_id, into_id, col(MeetingVote.member_id), col(MeetingVote.slot_id), newer=col(MeetingVote.updated_at)
    )
