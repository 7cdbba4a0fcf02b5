"""A member's inbox (``/coalition inbox``, the Slack Home tab): the open polls they have not answered
for every slot, with the poll's own Yes / If need be / No buttons for the slots still unanswered,
and the polls they proposed that everyone has answered, waiting for ``/meet close``.

Counted and limited in SQL (a poll's slots and this member's votes as correlated counts), so the
cost follows the few polls shown, not the coalition's history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import col, select

from bot.commands.meet import poll
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.ui import Block, Bold, Code, Context, Section, Timestamp, markup, rich
from bot.store.meeting_models import Meeting, MeetingSlot, MeetingStatus, MeetingVote

SHOWN_POLLS = 3  # each carries a row of buttons per unanswered slot (the Home tab holds 100 blocks)
SHOWN_TO_CLOSE = 5


def unanswered_by(ctx: Ctx, now: datetime) -> list[Any]:
    """SQL conditions: an open poll of this coalition, before its deadline, with a slot this member
    has not answered."""
    slots = select(func.count(col(MeetingSlot.id))).where(MeetingSlot.meeting_id == Meeting.id).scalar_subquery()
    mine = (
        select(func.count(col(MeetingVote.id)))
        .where(MeetingVote.meeting_id == Meeting.id, MeetingVote.member_id == ctx.me.id)
        .scalar_subquery()
    )
    return [
        Meeting.coalition_id == ctx.c.id,
        Meeting.status == MeetingStatus.OPEN.value,
        or_(col(Meeting.deadline).is_(None), col(Meeting.deadline) > now),
        slots > mine,
    ]


async def polls_inbox(ctx: Ctx) -> list[Block]:
    """Polls waiting for this member's answers, then their own polls ready to close."""
    if ctx.member is None:
        return []
    blocks: list[Block] = []
    if ctx.member.role in poll.VOTERS:
        blocks.extend(await unanswered_part(ctx))
    blocks.extend(await to_close_part(ctx))
    return blocks


async def unanswered_part(ctx: Ctx) -> list[Block]:
    where = unanswered_by(ctx, ctx.clock.now())
    total = (await ctx.session.exec(select(func.count()).select_from(Meeting).where(*where))).one()
    if not total:
        return []
    soonest = (case((col(Meeting.deadline).is_(None), 1), else_=0), col(Meeting.deadline), col(Meeting.id))
    meetings = (await ctx.session.exec(select(Meeting).where(*where).order_by(*soonest).limit(SHOWN_POLLS))).all()
    slots, answered = await slots_and_answers(ctx, [m.id or 0 for m in meetings])
    blocks: list[Block] = [
        Section(rich(ngettext("{n} poll waits for your answer:", "{n} polls wait for your answer:", int(total))))
    ]
    for meeting in meetings:
        blocks.extend(poll_blocks(ctx, meeting, [s for s in slots[meeting.id or 0] if s.id not in answered]))
    if total > len(meetings):
        left = int(total) - len(meetings)
        blocks.append(Context(markup(ngettext("{n} more: `/meet list`.", "{n} more: `/meet list`.", left))))
    return blocks


async def slots_and_answers(ctx: Ctx, meeting_ids: Sequence[int]) -> tuple[dict[int, list[MeetingSlot]], set[int]]:
    """The slots of these polls (in order) and the ids of the slots this member has answered."""
    slot_rows = await ctx.session.exec(
        select(MeetingSlot)
        .where(MeetingSlot.coalition_id == ctx.c.id, col(MeetingSlot.meeting_id).in_(meeting_ids))
        .order_by(col(MeetingSlot.meeting_id), col(MeetingSlot.position))
    )
    slots: dict[int, list[MeetingSlot]] = defaultdict(list)
    for slot in slot_rows.all():
        slots[slot.meeting_id].append(slot)
    votes = await ctx.session.exec(
        select(MeetingVote.slot_id).where(
            MeetingVote.coalition_id == ctx.c.id,
            col(MeetingVote.meeting_id).in_(meeting_ids),
            MeetingVote.member_id == ctx.me.id,
        )
    )
    return slots, set(votes.all())


def poll_blocks(ctx: Ctx, meeting: Meeting, unanswered: Sequence[MeetingSlot]) -> list[Block]:
    title = Bold(_("Poll #{id}: {title}", id=meeting.id, title=meeting.title))
    if meeting.deadline is not None:
        heading = poll.sentence(
            _("{poll} — please answer by {deadline}.", poll="{poll}", deadline="{deadline}"),
            poll=title,
            deadline=Timestamp(meeting.deadline, ctx.tz),
        )
    else:
        heading = rich(title)
    for slot in unanswered:
        heading = heading + "\n" + poll.slot_rich(slot, ctx.tz)
    return [Section(heading), *(poll.vote_buttons(meeting, slot) for slot in unanswered)]


async def to_close_part(ctx: Ctx) -> list[Block]:
    where: list[Any] = [
        Meeting.coalition_id == ctx.c.id,
        Meeting.status == MeetingStatus.OPEN.value,
        Meeting.proposer_id == ctx.me.id,
        col(Meeting.all_answered_at).is_not(None),
    ]
    total = (await ctx.session.exec(select(func.count()).select_from(Meeting).where(*where))).one()
    if not total:
        return []
    query = select(Meeting.id, Meeting.title).where(*where).order_by(col(Meeting.id)).limit(SHOWN_TO_CLOSE)
    rows = (await ctx.session.exec(query)).all()
    blocks: list[Block] = [
        Section(
            poll.sentence(
                _(
                    "Everyone has answered your poll {poll}: close it with {command}.",
                    poll="{poll}",
                    command="{command}",
                ),
                poll=Bold(f"#{meeting_id} {title}"),
                command=Code(f"/meet close {meeting_id}"),
            )
        )
        for meeting_id, title in rows
    ]
    if total > len(rows):
        left = int(total) - len(rows)
        blocks.append(Context(markup(ngettext("{n} more: `/meet list`.", "{n} more: `/meet list`.", left))))
    return blocks
