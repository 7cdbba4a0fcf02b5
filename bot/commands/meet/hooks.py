"""Where the rest of the bot reaches into meetings: the ``/coalition status`` section, the
coalition's export, and forget-me."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from bot.commands.common import removed, row_dict
from bot.commands.meet import poll, rules
from bot.commands.meet.repo import meet_repo
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext, number
from bot.core.ui import Block, Bold, Section, Timestamp, markup, rich
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingStatus, MeetingVote

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
        blocks.append(Section(markup(_("{n} meetings coming; `/meet list` shows them.", n=number(len(coming))))))
    return blocks


async def export(ctx: Ctx) -> dict[str, list[dict[str, Any]]]:
    repo = meet_repo(ctx)
    meetings = await repo.meetings([s.value for s in MeetingStatus], limit=100_000)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in EXPORTED}
    for meeting in sorted(meetings, key=lambda m: m.id or 0):
        tables["meeting"].append(row_dict(meeting))
        tables["meetingslot"] += [row_dict(s) for s in await repo.slots(meeting.id or 0)]
        tables["meetingvote"] += [row_dict(v) for v in await repo.votes(meeting.id or 0)]
        tables["meetingagendaitem"] += [row_dict(a) for a in await repo.agenda(meeting.id or 0)]
    feed = await repo.feed()
    if feed is not None:
        tables["meetingfeed"].append(row_dict(feed))
    return tables


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
