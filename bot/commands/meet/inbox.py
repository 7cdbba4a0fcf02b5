"""A member's inbox (``/coalition inbox``, the Slack Home tab): the open polls they have not answered
for every slot, with the poll's own Yes / If need be / No buttons for the slots still unanswered,
and the polls they proposed that everyone has answered, waiting for ``/meet close``.

Counted and limited in SQL (:class:`bot.commands.meet.repo.WaitingPolls`), so the cost follows the
few polls shown, not the coalition's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.meet import poll
from bot.commands.meet.repo import WaitingPolls, waiting_polls
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.ui import Block, Bold, Code, Context, Section, Timestamp, markup, rich
from bot.store.meeting_models import Meeting, MeetingSlot

SHOWN_POLLS = 3  # each carries a row of buttons per unanswered slot (the Home tab holds 100 blocks)
SHOWN_TO_CLOSE = 5


async def polls_inbox(ctx: Ctx) -> list[Block]:
    """Polls waiting for this member's answers, then their own polls ready to close."""
    if ctx.member is None:
        return []
    waiting = waiting_polls(ctx)
    blocks: list[Block] = []
    if ctx.member.role in poll.VOTERS:
        blocks.extend(await unanswered_part(ctx, waiting))
    blocks.extend(await to_close_part(waiting))
    return blocks


async def unanswered_part(ctx: Ctx, waiting: WaitingPolls) -> list[Block]:
    now = ctx.clock.now()
    total = await waiting.unanswered_count(now)
    if not total:
        return []
    meetings = await waiting.unanswered(now, SHOWN_POLLS)
    slots, answered = await waiting.slots_and_answers([m.id or 0 for m in meetings])
    blocks: list[Block] = [
        Section(rich(ngettext("{n} poll waits for your answer:", "{n} polls wait for your answer:", total)))
    ]
    for meeting in meetings:
        blocks.extend(poll_blocks(ctx, meeting, [s for s in slots[meeting.id or 0] if s.id not in answered]))
    if total > len(meetings):
        left = total - len(meetings)
        blocks.append(Context(markup(ngettext("{n} more: `/meet list`.", "{n} more: `/meet list`.", left))))
    return blocks


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


async def to_close_part(waiting: WaitingPolls) -> list[Block]:
    total = await waiting.to_close_count()
    if not total:
        return []
    rows = await waiting.to_close(SHOWN_TO_CLOSE)
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
        left = total - len(rows)
        blocks.append(Context(markup(ngettext("{n} more: `/meet list`.", "{n} more: `/meet list`.", left))))
    return blocks
