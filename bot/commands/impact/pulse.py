"""``/impact pulse``: a short anonymous question about how well the organisations work together.

Steering starts one (``pulse start``); it is posted in every linked channel with a button that opens
a private form (a score 1–5, an optional comment). What is kept of an answer: one more count for its
score and the comment, apart from the fact *that* the member answered (so they answer once and are
reminded once). Results are shown only for a closed pulse with at least 5 answers (SPEC §8): closing
them while answers come in would let anyone compare two views and learn one answer.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.common import sentence, sentence_n
from bot.commands.impact.command import (
    DEFAULT_QUESTION,
    MAX_COMMENT,
    PULSE_ACTION,
    PULSE_FORM,
    QUESTION,
    impact,
)
from bot.commands.impact.measures import PulseResult, pulse_result
from bot.commands.impact.repo import impact_repo
from bot.core import text
from bot.core.context import Ctx
from bot.core.errors import NotFound, PermissionDenied, UserError
from bot.core.i18n import N_, _, date, language, ngettext, number, of_coalition, tr
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import (
    Actions,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Form,
    FormField,
    Header,
    Option,
    Reply,
    Section,
    markup,
    rich,
)
from bot.store.impact_models import MIN_ANSWERS, Pulse
from bot.store.impact_repo import SCORES
from bot.store.models import Role

REMIND_AFTER = timedelta(days=3)
STEPS = ("start", "close", "results")
SCORE_LABELS = {
    1: N_("1 · Not at all"),
    2: N_("2 · Poorly"),
    3: N_("3 · Somewhat"),
    4: N_("4 · Well"),
    5: N_("5 · Very well"),
}


@impact.sub(
    "pulse",
    summary=N_("Answer the anonymous pulse; steering: start [question=] or close it; results of the last one"),
    usage=N_('/impact pulse [start [question="..."] | close | results]'),
    params=(
        Param("action", Kind.CHOICE, positional=True, choices=STEPS, description=N_("start, close or results")),
        QUESTION,
    ),
)
async def pulse(ctx: Ctx, args: Args) -> Reply:
    if args.action in ("start", "close") and ctx.me.role != Role.STEERING.value:
        raise PermissionDenied(text.permission_denied(f"/impact pulse {args.action}", Role(ctx.me.role), STEERING))
    if args.action == "start":
        return await start(ctx, args.question or "")
    if args.action == "close":
        return await close(ctx)
    if args.action == "results":
        return await results(ctx)
    current = await impact_repo(ctx).open_pulse()
    if current is None:
        return Reply.private(
            markup(
                _(
                    "No pulse is open. Steering starts one with `/impact pulse start`; `/impact pulse results` shows the last one."
                )
            )
        )
    return await answer_form(ctx, current)


async def start(ctx: Ctx, question: str) -> Reply:
    repo = impact_repo(ctx)
    current = await repo.open_pulse()
    if current is not None:
        raise UserError(_("Pulse #{id} is still open. Close it first with `/impact pulse close`.", id=current.id))
    now = ctx.clock.now()
    with language(of_coalition(ctx.c)):
        asked = " ".join(question.split()) or tr(DEFAULT_QUESTION)
    new = await repo.start_pulse(
        Pulse(
            coalition_id=ctx.c.id or 0,
            question=asked,
            started_by=ctx.me.id,
            started_at=now,
            remind_at=now + REMIND_AFTER,
        )
    )
    await ctx.repo.audit("impact.pulse_started", member=ctx.me, subject=asked[:200], pulse_id=new.id)
    with language(of_coalition(ctx.c)):
        post = pulse_post(new)
    copies = await ctx.outbox.announce(post, key=f"impact.pulse:{new.id}")
    return Reply.private(
        sentence(N_("Pulse {pulse} started."), pulse=Bold(f"#{new.id}"))
        + " "
        + ngettext("Posted in {n} channel.", "Posted in {n} channels.", len(copies), n=number(len(copies)))
    )


def pulse_post(p: Pulse) -> Reply:
    return Reply.channel(
        Header(_("Pulse: how are we working together?")),
        Section(rich(p.question)),
        Context(
            markup(
                ngettext(
                    "Answer from 1 to 5, privately. Your answer is anonymous: the bot keeps only that you answered, "
                    "never with what you answered. Results are shown when the pulse closes, if {n} or more answered.",
                    "Answer from 1 to 5, privately. Your answer is anonymous: the bot keeps only that you answered, "
                    "never with what you answered. Results are shown when the pulse closes, if {n} or more answered.",
                    MIN_ANSWERS,
                )
            )
        ),
        Actions((Button(_("Answer anonymously"), PULSE_ACTION, str(p.id), ButtonStyle.PRIMARY),)),
    )


async def answer_form(ctx: Ctx, p: Pulse) -> Reply:
    if await impact_repo(ctx).has_answered(p, ctx.me.id or 0):
        return Reply.private(_("You have answered this pulse. Thank you!"))
    options = tuple(Option(tr(SCORE_LABELS[s]), str(s)) for s in SCORES)
    form = Form(
        PULSE_FORM,
        _("Anonymous pulse"),
        (
            FormField("score", _("Your answer, 1 to 5"), "select", options=options, hint=p.question),
            FormField(
                "comment",
                _("Comment (optional)"),
                "long_text",
                required=False,
                max_length=MAX_COMMENT,
                hint=_("Shown with the results, without your name. Leave out what would identify you."),
            ),
        ),
        submit_label=_("Answer"),
        state=str(p.id),
    )
    return Reply.open_form(form)


@impact.action(PULSE_ACTION)
async def answer_clicked(ctx: Ctx, value: str) -> Reply:
    p = await impact_repo(ctx).pulse(int(value)) if value.isdigit() else None
    if p is None:
        raise NotFound(_("That pulse is not part of this coalition."))
    if p.closed_at is not None:
        raise UserError(_("This pulse is closed. `/impact pulse results` shows what it found."))
    return await answer_form(ctx, p)


@impact.form(
    PULSE_FORM,
    params=(
        Param("score", Kind.CHOICE, required=True, choices=tuple(str(s) for s in SCORES)),
        Param("comment", max_length=MAX_COMMENT),
    ),
)
async def answered(ctx: Ctx, args: Args, state: str) -> Reply:
    repo = impact_repo(ctx)
    p = await repo.pulse(int(state)) if state.isdigit() else None
    if p is None:
        raise NotFound(_("That pulse is not part of this coalition."))
    if p.closed_at is not None:
        raise UserError(_("This pulse closed before your answer arrived; it was not counted."))
    if await repo.has_answered(p, ctx.me.id or 0):
        raise UserError(_("You have answered this pulse already; each member answers once."))
    await repo.record_answer(p, ctx.me.id or 0, int(args.score), " ".join((args.comment or "").split()))
    return Reply.private(_("Thank you. Your answer is counted anonymously."))


async def close(ctx: Ctx) -> Reply:
    repo = impact_repo(ctx)
    current = await repo.open_pulse()
    if current is None:
        raise UserError(_("No pulse is open. Start one with `/impact pulse start`."))
    current.closed_at = ctx.clock.now()
    await repo.save(current)
    await repo.seal(current)
    await ctx.repo.audit("impact.pulse_closed", member=ctx.me, pulse_id=current.id)
    with language(of_coalition(ctx.c)):
        post = Reply.channel(*await result_blocks(ctx, current))
    await ctx.outbox.announce(post, key=f"impact.pulse-results:{current.id}")
    return Reply.private(*await result_blocks(ctx, current))


async def results(ctx: Ctx) -> Reply:
    closed = [p for p in await impact_repo(ctx).pulses() if p.closed_at is not None]
    if not closed:
        return Reply.private(markup(_("No pulse has closed yet. Steering starts one with `/impact pulse start`.")))
    return Reply.private(*await result_blocks(ctx, closed[-1]))


def withheld(result: PulseResult) -> str:
    return ngettext(
        "{answers} answered: results are shown from {min} answers on, so {n} more is needed.",
        "{answers} answered: results are shown from {min} answers on, so {n} more are needed.",
        result.missing,
        answers=number(result.answers),
        min=number(MIN_ANSWERS),
        n=number(result.missing),
    )


async def result_blocks(ctx: Ctx, p: Pulse) -> list[Block]:
    repo = impact_repo(ctx)
    result = pulse_result((await repo.tallies()).get(p.id or 0, {}))
    blocks: list[Block] = [Header(_("Pulse #{id} results", id=p.id)), Section(rich(p.question))]
    if not result.shown:
        blocks.append(Section(rich(withheld(result))))
        return blocks
    blocks.append(
        Section(
            sentence_n(
                "{n} answer, average {mean} out of 5.",
                "{n} answers, average {mean} out of 5.",
                result.answers,
                n=Bold(number(result.answers)),
                mean=Bold(number(result.mean, digits=1)),
            )
        )
    )
    widest = max(result.counts.values()) or 1
    for score in reversed(SCORES):
        n = result.counts.get(score, 0)
        bar = "█" * round(10 * n / widest)
        blocks.append(Context(rich(f"{tr(SCORE_LABELS[score])}  {bar} {number(n)}")))
    comments = await repo.comments(p.id or 0)
    if comments:
        blocks.append(Section(rich(_("Comments, in no particular order:"))))
        blocks += [Context(rich("“" + c + "”")) for c in comments[:20]]
    trend = await pulse_trend(ctx)
    if len(trend) > 1:
        blocks.append(
            Context(
                rich(
                    _("Trend: {trend}", trend=" → ".join(f"{label} {number(mean, digits=1)}" for label, mean in trend))
                )
            )
        )
    return blocks


async def pulse_trend(ctx: Ctx) -> list[tuple[str, float]]:
    """(start date, average) of every closed pulse with enough answers, oldest first."""
    repo = impact_repo(ctx)
    tallies = await repo.tallies()
    out = []
    for p in await repo.pulses():
        result = pulse_result(tallies.get(p.id or 0, {}))
        if p.closed_at is not None and result.shown:
            out.append((date(p.started_at.date(), format="short"), result.mean))
    return out
