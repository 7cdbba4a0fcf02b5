"""Availability votes: Yes / If need be / No per slot, by the poll's buttons or the ``/meet vote``
form, from any platform; one stored answer per member and slot, changed in place."""

from __future__ import annotations

from bot.commands.meet import poll
from bot.commands.meet.repo import meet_repo
from bot.commands.meet.shared import MEETING_ID, find_meeting, meet, note_zone
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, language, of_coalition, of_member
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Bold, Context, Form, FormField, Option, Reply, Section, markup
from bot.store.meeting_models import Answer, Meeting, MeetingStatus
from bot.store.meeting_repo import MeetingRepo
from bot.store.models import Coalition

ANSWERS = tuple(a.value for a in Answer)
SLOT_FIELDS = tuple(Param(f"slot{n}", Kind.CHOICE, choices=ANSWERS) for n in range(1, 6))


@meet.sub(
    "vote",
    summary=N_("Give your availability for each slot (a form)"),
    roles=CONTRIBUTORS,
    usage="/meet vote <id>",
    params=(MEETING_ID,),
)
async def vote(ctx: Ctx, args: Args) -> Reply:
    meeting = await open_meeting(ctx, args.id)
    state = await poll.load(meet_repo(ctx), ctx.c, meeting)
    return Reply.open_form(vote_form(ctx, state))


def vote_form(ctx: Ctx, state: poll.PollState) -> Form:
    mine = state.answers_of(ctx.me.id)
    options = tuple(Option(poll.answer_label(a), a) for a in ANSWERS)
    fields = tuple(
        FormField(
            f"slot{slot.position}",
            poll.slot_label(slot, ctx.tz),
            "select",
            options=options,
            initial=mine.get(slot.id or 0, ""),
            required=False,
        )
        for slot in state.slots
    )
    return Form(
        form_id="meet.vote",
        title=_("Your availability"),
        submit_label=_("Save"),
        fields=fields,
        state=str(state.meeting.id),
    )


@meet.form("meet.vote", params=SLOT_FIELDS, roles=CONTRIBUTORS)
async def vote_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    if not state.isdigit():
        raise UserError(_("That form is no longer active. Run `/meet vote <id>` again."))
    meeting = await open_meeting(ctx, int(state))
    poll_state = await poll.load(meet_repo(ctx), ctx.c, meeting)
    choices = {
        slot.id or 0: args.get(f"slot{slot.position}") for slot in poll_state.slots if args.get(f"slot{slot.position}")
    }
    if not choices:
        raise BadArgument(_("Choose Yes, If need be or No for at least one slot."))
    return await record(ctx, meeting, choices)


@meet.action(poll.VOTE_ACTION, roles=CONTRIBUTORS)
async def vote_button(ctx: Ctx, value: str) -> Reply:
    meeting_id, _sep, rest = value.partition(":")
    slot_id, _sep, answer = rest.partition(":")
    if not (meeting_id.isdigit() and slot_id.isdigit() and answer in ANSWERS):
        raise UserError(_("That button is no longer active. Run `/meet list` to find the poll."))
    meeting = await open_meeting(ctx, int(meeting_id))
    return await record(ctx, meeting, {int(slot_id): answer})


async def open_meeting(ctx: Ctx, meeting_id: int) -> Meeting:
    meeting = await find_meeting(ctx, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise UserError(_("Meeting #{id} was cancelled; there is nothing to vote on.", id=meeting.id))
    if meeting.status == MeetingStatus.CLOSED.value:
        raise UserError(_("The poll for meeting #{id} is closed. `/meet show {id}` says when it is.", id=meeting.id))
    return meeting


async def record(ctx: Ctx, meeting: Meeting, choices: dict[int, str]) -> Reply:
    await note_zone(ctx)
    repo = meet_repo(ctx)
    state = await poll.load(repo, ctx.c, meeting)
    changed = False
    for slot_id, answer in choices.items():
        slot = state.slot(slot_id)
        if slot is None:
            raise UserError(_("That slot is not part of meeting #{id}. Run `/meet show {id}`.", id=meeting.id))
        changed = await repo.vote(slot, ctx.me.id or 0, answer, ctx.clock.now()) or changed
    state = await poll.load(repo, ctx.c, meeting)
    if changed:
        with language(of_coalition(ctx.c)):
            await ctx.outbox.refresh(poll.topic_of(meeting), poll.poll_reply(state))
        await ctx.repo.audit("meeting.voted", member=ctx.me, subject=meeting.title, meeting_id=meeting.id)
        await tell_proposer_if_complete(ctx, repo, state)
    mine = state.answers_of(ctx.me.id)
    lines = [
        poll.slot_rich(slot, ctx.tz) + " — " + poll.answer_label(mine[slot.id or 0])
        for slot in state.slots
        if (slot.id or 0) in mine
    ]
    text = (
        _("Saved your answers for meeting #{id}:", id=meeting.id) if changed else _("Your answers stay as they were:")
    )
    missing = len(state.slots) - len(mine)
    reply = Reply.private(text, *lines)
    if missing:
        reply.blocks.append(Context(markup(_("Vote on the other slots too with `/meet vote {id}`.", id=meeting.id))))
    return reply


async def tell_proposer_if_complete(ctx: Ctx, repo: MeetingRepo, state: poll.PollState) -> None:
    """Once every member has answered for every slot, the proposer hears it privately (once)."""
    meeting = state.meeting
    if meeting.all_answered_at is not None or state.unanswered() or meeting.proposer_id is None:
        return
    meeting.all_answered_at = ctx.clock.now()
    await repo.save(meeting)
    proposer = await ctx.repo.member(meeting.proposer_id)
    if proposer is None:
        return
    with language(of_member(proposer, ctx.c)):
        notice = all_answered_notice(ctx.c, meeting)
    await ctx.outbox.direct(proposer.id or 0, notice, key=f"meet:all-answered:{meeting.id}")


def all_answered_notice(coalition: Coalition, meeting: Meeting) -> Reply:
    return Reply.private(
        Section(
            poll.sentence(
                _("Everyone in {coalition} has answered your poll {poll}.", coalition=coalition.name, poll="{poll}"),
                poll=Bold(f"#{meeting.id} {meeting.title}"),
            )
        ),
        _("Pick the best slot with `/meet close {id}`.", id=meeting.id),
    )
