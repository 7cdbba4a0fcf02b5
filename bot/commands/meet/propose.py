"""``/meet propose``: a poll of candidate slots, posted once in every linked channel."""

from __future__ import annotations

import secrets
from datetime import datetime

from bot.commands.meet import poll, rules
from bot.commands.meet.repo import meet_repo
from bot.commands.meet.shared import meet, note_zone
from bot.core.context import Ctx
from bot.core.errors import BadArgument
from bot.core.i18n import N_, _, datetime_, language, ngettext, number, of_coalition
from bot.core.params import Args, Kind, Param, parse_deadline
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Block, Bold, Context, Form, FormField, Reply, Section, markup, rich
from bot.store.meeting_models import Meeting, MeetingSlot

DEFAULT_DURATION = 60
MAX_DURATION = 12 * 60
MAX_TITLE = 150

SLOT_MESSAGES = {
    rules.SlotProblem.NONE: N_("Give at least one slot as `YYYY-MM-DD HH:MM`, like `2026-03-02 15:00`."),
    rules.SlotProblem.TOO_MANY: N_("A poll has at most 5 slots (you gave {word}); keep the likeliest ones."),
    rules.SlotProblem.BAD_WORD: N_("`{word}` is not a slot: write each slot as `YYYY-MM-DD HH:MM`."),
    rules.SlotProblem.BAD_DATE: N_("`{word}` is not a real date: write dates as `YYYY-MM-DD`."),
    rules.SlotProblem.BAD_TIME: N_("`{word}` is not a time: write times as `HH:MM`, from `00:00` to `23:59`."),
    rules.SlotProblem.TIME_WITHOUT_DATE: N_("The time `{word}` has no date before it: write `YYYY-MM-DD HH:MM`."),
    rules.SlotProblem.DATE_WITHOUT_TIME: N_("The date `{word}` has no time after it: write `YYYY-MM-DD HH:MM`."),
    rules.SlotProblem.NOT_A_TIME_THERE: N_(
        "`{word}` does not exist in {tz}: the clocks go forward then. Pick another time."
    ),
    rules.SlotProblem.PAST: N_("The slot `{word}` has already passed in {tz}; give slots in the future."),
    rules.SlotProblem.DUPLICATE: N_("The slot `{word}` is given twice; give each slot once."),
}

PROPOSE_PARAMS = (
    Param("title", positional=True, max_length=MAX_TITLE, description=N_("What the meeting is about")),
    Param(
        "slots",
        positional=True,
        variadic=True,
        max_length=400,
        description=N_("Candidate times, YYYY-MM-DD HH:MM, comma-separated"),
    ),
    Param("duration", Kind.INT, minimum=5, description=N_("Length in minutes (default 60)")),
    Param("tz", Kind.TZ, description=N_("Time zone of the slots, like Europe/Berlin (default: yours)")),
    Param("deadline", max_length=40, description=N_("Answer by: YYYY-MM-DD or YYYY-MM-DD HH:MM")),
)


@meet.sub(
    "propose",
    summary=N_("Propose a meeting: a poll of candidate slots in every linked channel; bare, it opens a form"),
    roles=CONTRIBUTORS,
    opens_form=True,
    usage='/meet propose "<title>" <slot> <slot>... [duration=60] [tz=] [deadline=<date or YYYY-MM-DD HH:MM>]',
    params=PROPOSE_PARAMS,
)
async def propose(ctx: Ctx, args: Args) -> Reply:
    if not args.given:
        return Reply.open_form(propose_form(ctx.tz))
    return await create_poll(ctx, args.title, args.slots or [], args.duration, args.tz, args.deadline)


@meet.form("meet.propose", params=PROPOSE_PARAMS, roles=CONTRIBUTORS)
async def propose_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await create_poll(ctx, args.title, args.slots or [], args.duration, args.tz, args.deadline)


def propose_form(tz: str) -> Form:
    return Form(
        form_id="meet.propose",
        title=_("Propose a meeting"),
        submit_label=_("Post the poll"),
        fields=(
            FormField("title", _("Title"), max_length=MAX_TITLE),
            FormField(
                "slots",
                _("Candidate slots"),
                "long_text",
                placeholder="2026-03-02 15:00, 2026-03-03 09:30",
                hint=_("Up to 5, each as YYYY-MM-DD HH:MM, separated by commas or new lines."),
                max_length=400,
            ),
            FormField("duration", _("Length in minutes"), "number", initial=str(DEFAULT_DURATION), required=False),
            FormField("tz", _("Time zone of the slots"), initial=tz, required=False, max_length=64),
            FormField(
                "deadline",
                _("Answer by (optional)"),
                required=False,
                placeholder="2026-02-27 18:00",
                max_length=40,
            ),
        ),
    )


def read_slots(items: list[str], tz: str, now: datetime) -> list[datetime]:
    try:
        return rules.parse_slots(items, tz, now)
    except rules.SlotError as error:
        raise BadArgument(_(SLOT_MESSAGES[error.problem], word=error.word, tz=tz)) from None


def read_deadline(value: str | None, tz: str, now: datetime, first_slot: datetime) -> datetime | None:
    deadline = parse_deadline(value, tz, now)
    if deadline is not None and deadline > first_slot:
        raise BadArgument(_("The deadline is after the first slot; answers must come in before the meeting."))
    return deadline


async def create_poll(
    ctx: Ctx, title: str | None, slots: list[str] | str, duration: int | None, tz: str | None, deadline: str | None
) -> Reply:
    await note_zone(ctx)
    slot_items = [slots] if isinstance(slots, str) else slots  # a form gives them as one text
    title = " ".join((title or "").split())
    if not title:
        raise BadArgument(_('Give the meeting a title: `/meet propose "Steering call" 2026-03-02 15:00`.'))
    zone = tz or ctx.tz
    now = ctx.clock.now()
    starts = read_slots(slot_items, zone, now)
    minutes = duration or DEFAULT_DURATION
    if not 5 <= minutes <= MAX_DURATION:
        raise BadArgument(
            ngettext(
                "`duration` is in minutes, from 5 to 720 (got {minutes} minute).",
                "`duration` is in minutes, from 5 to 720 (got {minutes} minutes).",
                minutes,
                minutes=number(minutes),
            )
        )
    closes = read_deadline(deadline, zone, now, starts[0])
    repo = meet_repo(ctx)
    if ctx.request_id and await repo.meeting_by_request(ctx.request_id) is not None:
        raise BadArgument(_("That poll was already posted."))
    meeting = Meeting(
        coalition_id=ctx.c.id or 0,
        title=title,
        duration=minutes,
        tz=zone,
        proposer_id=ctx.me.id,
        uid=f"meeting-{secrets.token_hex(8)}@coalition-bot",
        deadline=closes,
        nudge_at=rules.nudge_time(now, closes) if closes else None,
        request_key=ctx.request_id,
        created_at=now,
    )
    await repo.add(meeting)
    for position, start in enumerate(starts, start=1):
        await repo.add(
            MeetingSlot(coalition_id=ctx.c.id or 0, meeting_id=meeting.id or 0, position=position, start=start)
        )
    state = await poll.load(repo, ctx.c, meeting)
    with language(of_coalition(ctx.c)):
        posted = await ctx.outbox.announce(
            poll.poll_reply(state), key=f"meet:poll:{meeting.id}", topic=poll.topic_of(meeting)
        )
    await ctx.repo.audit("meeting.proposed", member=ctx.me, subject=title, meeting_id=meeting.id, slots=len(starts))
    return proposed_reply(ctx, state, len(posted))


def proposed_reply(ctx: Ctx, state: poll.PollState, channels: int) -> Reply:
    meeting = state.meeting
    blocks: list[Block] = [
        Section(
            poll.sentence(
                ngettext(
                    "Poll {poll} posted in {n} channel.",
                    "Poll {poll} posted in {n} channels.",
                    channels,
                    n=number(channels),
                    poll="{poll}",
                ),
                poll=Bold(f"#{meeting.id} {meeting.title}"),
            )
        )
    ]
    for slot in state.slots:
        blocks.append(Section(poll.slot_rich(slot, ctx.tz)))
        warnings = poll.fairness_lines(state, slot)
        if warnings:
            blocks.append(Context(rich("⚠ " + "\n⚠ ".join(warnings))))
    if meeting.deadline is not None:
        blocks.append(
            Context(
                rich(
                    _(
                        "Answers are due by {deadline}; members who have not answered get one reminder before.",
                        deadline=datetime_(meeting.deadline, ctx.tz, format="short"),
                    )
                )
            )
        )
    blocks.append(Context(markup(_("Close it with `/meet close {id}` to pick the best slot.", id=meeting.id))))
    return Reply.private(*blocks)
