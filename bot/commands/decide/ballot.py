"""Ballots: given privately (buttons, or a form for ranked, score, dots and secret ballots) from any
platform, one per member, or one per organisation with ``by=org`` (its delegate's, else its
alternate's). Open ballots change in place until close; a secret ballot is cast once, with no reason,
and stored apart from the fact that its voter took part. Objections and blocks carry a reason."""

from __future__ import annotations

from typing import Any

from bot.commands.decide import post
from bot.commands.decide.delegate import VOLUNTEER_ACTION
from bot.commands.decide.repo import decide_repo
from bot.commands.decide.shared import (
    ANSWER_LABELS,
    DECISION_ID,
    MAX_OPTIONS,
    REASON,
    VOTERS,
    decide,
    open_decision,
    option_labels,
    rules_line,
    topic_of,
)
from bot.commands.decide.state import DecisionState, load
from bot.core.context import Ctx
from bot.core.errors import BadArgument, PermissionDenied, UserError
from bot.core.i18n import N_, _, language, ngettext, number, of_coalition, tr
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import (
    Actions,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Form,
    FormField,
    Option,
    Reply,
    Section,
    markup,
    rich,
)
from bot.store.decision_models import Decision, Method

CHOOSE_ACTION = "decide.choose"
BALLOT_FORM = "decide.ballot"
REASON_FORM = "decide.reason"
INDEXES = tuple(str(i) for i in range(MAX_OPTIONS))
SCORES = tuple(str(i) for i in range(6))
FORM_PARAMS = (
    Param("choice", Kind.CHOICE, choices=INDEXES),
    *(Param(f"rank{n}", Kind.CHOICE, choices=INDEXES) for n in range(1, MAX_OPTIONS + 1)),
    *(Param(f"score{n}", Kind.CHOICE, choices=SCORES) for n in range(1, MAX_OPTIONS + 1)),
    *(Param(f"dots{n}", Kind.INT, minimum=0) for n in range(1, MAX_OPTIONS + 1)),
)
ANSWERS = {Method.CONSENT.value: ("consent", "object"), Method.CONSENSUS.value: ("agree", "aside", "block")}
NEEDS_REASON = ("object", "block")


@decide.sub(
    "vote",
    summary=N_("Your private ballot on a decision"),
    roles=CONTRIBUTORS,
    usage=N_("/decide vote <id>"),
    params=(DECISION_ID,),
)
async def vote(ctx: Ctx, args: Args) -> Reply:
    return await ballot_for(ctx, await open_decision(ctx, args.id))


@decide.action(post.BALLOT_ACTION, roles=CONTRIBUTORS)
async def ballot_clicked(ctx: Ctx, value: str) -> Reply:
    if not value.isdigit():
        raise UserError(_("That button is no longer active. `/decide list` shows the open decisions."))
    return await ballot_for(ctx, await open_decision(ctx, int(value)))


@decide.sub(
    "object",
    summary=N_("Object to a consent proposal, with your reason"),
    roles=CONTRIBUTORS,
    usage=N_('/decide object <id> "<reason>"'),
    params=(DECISION_ID, REASON),
)
async def object_(ctx: Ctx, args: Args) -> Reply:
    return await with_reason(ctx, args.id, "object", args.reason)


@decide.sub(
    "block",
    summary=N_("Block a consensus proposal, with your reason"),
    roles=CONTRIBUTORS,
    usage=N_('/decide block <id> "<reason>"'),
    params=(DECISION_ID, REASON),
)
async def block(ctx: Ctx, args: Args) -> Reply:
    return await with_reason(ctx, args.id, "block", args.reason)


async def with_reason(ctx: Ctx, decision_id: int, answer: str, reason: str | None) -> Reply:
    decision = await open_decision(ctx, decision_id)
    if answer not in ANSWERS.get(decision.method, ()):
        if answer == "object":
            raise BadArgument(
                _("Decision #{id} is not decided by consent; only consent proposals take objections.", id=decision.id)
            )
        raise BadArgument(
            _("Decision #{id} is not decided by consensus; only consensus proposals can be blocked.", id=decision.id)
        )
    return await record(ctx, decision, {"answer": answer}, reason or "")


async def voter_of(ctx: Ctx, state: DecisionState) -> tuple[int | None, Reply | None]:
    """Whether the caller may vote: (the organisation they vote for, or None with ``by=member``;
    a reply explaining why not, for someone of an organisation who does not vote for it)."""
    d = state.decision
    me = ctx.me
    if me.role not in VOTERS:
        raise PermissionDenied(_("Observers follow decisions but do not vote."))
    if not state.by_org:
        if me.id not in state.elector_members:
            raise UserError(_("You joined after decision #{id} was proposed; who may vote was fixed then.", id=d.id))
        return None, None
    org = state.organisations.get(me.organisation_id or 0)
    if org is None:
        raise UserError(_("Decision #{id} is decided by organisation, and you belong to none.", id=d.id))
    if org.id not in state.elector_orgs:
        raise UserError(
            _("{org} joined after decision #{id} was proposed; who may vote was fixed then.", org=org.name, id=d.id)
        )
    delegation = state.delegates.get(org.id or 0)
    if delegation is None or delegation.delegate_id is None:
        return None, Reply.private(
            _("{org} has no delegate to vote for it on decision #{id}.", org=org.name, id=d.id),
            Actions(
                (
                    Button(
                        _("I will vote for {org}", org=org.name)[:75],
                        VOLUNTEER_ACTION,
                        str(org.id),
                        ButtonStyle.PRIMARY,
                    ),
                )
            ),
        )
    if me.id in (delegation.delegate_id, delegation.alternate_id):
        return org.id, None
    names = state.members
    delegate = names[delegation.delegate_id].display_name if delegation.delegate_id in names else "—"
    if delegation.alternate_id in names:
        text = _(
            "{delegate} votes for {org} on decision #{id} (alternate: {alternate}). Talk to them to make your view heard.",
            delegate=delegate,
            org=org.name,
            id=d.id,
            alternate=names[delegation.alternate_id or 0].display_name,
        )
    else:
        text = _(
            "{delegate} votes for {org} on decision #{id}. Talk to them to make your view heard.",
            delegate=delegate,
            org=org.name,
            id=d.id,
        )
    return None, Reply.private(text)


async def ballot_for(ctx: Ctx, decision: Decision) -> Reply:
    repo = decide_repo(ctx)
    state = await load(repo, ctx.c, decision)
    org_id, refusal = await voter_of(ctx, state)
    if refusal is not None:
        return refusal
    if decision.secret:
        if await repo.took_part(decision.id or 0, ctx.me.id or 0) or (
            org_id is not None and await repo.org_took_part(decision.id or 0, org_id)
        ):
            return Reply.private(
                _(
                    "A ballot was already cast here for decision #{id}; a secret ballot cannot be changed.",
                    id=decision.id,
                )
            )
        return Reply.open_form(ballot_form(ctx, decision))
    mine = await repo.vote_of(decision.id or 0, ctx.me.id or 0)
    if decision.method in (Method.RANKED.value, Method.SCORE.value, Method.DOTS.value):
        return Reply.open_form(ballot_form(ctx, decision, mine.choice if mine else None))
    blocks: list[Any] = [
        Section(rich(Bold(f"#{decision.id} {decision.question}"))),
        Context(rich(rules_line(decision, ctx.tz))),
    ]
    if mine is not None:
        blocks.append(Context(rich(_("Your ballot now: {choice}.", choice=choice_text(decision, mine.choice)))))
    if decision.method == Method.MAJORITY.value:
        buttons = [
            Button(label[:75], CHOOSE_ACTION, f"{decision.id}:opt:{i}")
            for i, label in enumerate(option_labels(decision))
        ]
    else:
        buttons = [
            Button(
                tr(ANSWER_LABELS[a]) + ("…" if a in NEEDS_REASON else ""),
                CHOOSE_ACTION,
                f"{decision.id}:{a}",
                ButtonStyle.PRIMARY if i == 0 else ButtonStyle.DEFAULT,
            )
            for i, a in enumerate(ANSWERS[decision.method])
        ]
    blocks.append(Actions(tuple(buttons)))
    return Reply.private(*blocks)


def choice_text(decision: Decision, choice: dict[str, Any]) -> str:
    labels = option_labels(decision)
    if "answer" in choice:
        return tr(ANSWER_LABELS.get(choice["answer"], choice["answer"]))
    if "option" in choice:
        return labels[choice["option"]]
    if "ranking" in choice:
        return " > ".join(labels[i] for i in choice["ranking"])
    key = "scores" if "scores" in choice else "dots"
    return ", ".join(f"{label} {number(n)}" for label, n in zip(labels, choice.get(key, []), strict=False))


def ballot_form(ctx: Ctx, decision: Decision, mine: dict[str, Any] | None = None) -> Form:
    """The ballot as a form; an open ballot already cast comes back filled in, to be changed."""
    mine = mine or {}
    ranking, scores_given, dots_given = mine.get("ranking", []), mine.get("scores", []), mine.get("dots", [])
    labels = option_labels(decision)
    options = tuple(Option(label[:75], str(i)) for i, label in enumerate(labels))
    hint = decision.question[:150]
    if decision.method == Method.RANKED.value:
        fields = tuple(
            FormField(
                f"rank{n}",
                _("Choice {number}", number=number(n)),
                "select",
                options=options,
                required=n == 1,
                initial=str(ranking[n - 1]) if n <= len(ranking) else "",
                hint=hint if n == 1 else "",
            )
            for n in range(1, len(labels) + 1)
        )
    elif decision.method == Method.SCORE.value:
        scores = tuple(Option(s, s) for s in SCORES)
        fields = tuple(
            FormField(
                f"score{n}",
                _("{option}: 0 to 5", option=label)[:45],
                "select",
                options=scores,
                initial=str(scores_given[n - 1]) if n <= len(scores_given) else "",
                hint=hint if n == 1 else "",
            )
            for n, label in enumerate(labels, start=1)
        )
    elif decision.method == Method.DOTS.value:
        fields = tuple(
            FormField(
                f"dots{n}",
                _("Dots for {option}", option=label)[:45],
                "number",
                required=False,
                initial=str(dots_given[n - 1]) if n <= len(dots_given) else "0",
                hint=ngettext("{n} dot in all", "{n} dots in all", decision.dots) if n == 1 else "",
            )
            for n, label in enumerate(labels, start=1)
        )
    else:
        fields = (FormField("choice", _("Your choice"), "select", options=options, hint=hint),)
    title = _("Secret ballot") if decision.secret else _("Your ballot")
    return Form(BALLOT_FORM, title, fields, submit_label=_("Cast my ballot"), state=str(decision.id))


@decide.form(BALLOT_FORM, params=FORM_PARAMS, roles=CONTRIBUTORS)
async def ballot_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    if not state.isdigit():
        raise UserError(_("That form is no longer active. Run `/decide vote <id>` again."))
    decision = await open_decision(ctx, int(state))
    return await record(ctx, decision, choice_from(decision, args), "")


def choice_from(decision: Decision, args: Args) -> dict[str, Any]:
    count = len(option_labels(decision))
    if decision.method == Method.RANKED.value:
        ranking = [int(args.get(f"rank{n}")) for n in range(1, count + 1) if args.get(f"rank{n}") is not None]
        if not ranking:
            raise BadArgument(_("Choose at least your first choice."))
        if len(set(ranking)) != len(ranking) or max(ranking) >= count:
            raise BadArgument(_("Rank each option at most once."))
        return {"ranking": ranking}
    if decision.method == Method.SCORE.value:
        scores = [args.get(f"score{n}") for n in range(1, count + 1)]
        if any(s is None for s in scores):
            raise BadArgument(_("Give every option a score from 0 to 5."))
        return {"scores": [int(s) for s in scores]}
    if decision.method == Method.DOTS.value:
        dots = [int(args.get(f"dots{n}", 0)) for n in range(1, count + 1)]
        if sum(dots) == 0 or sum(dots) > decision.dots:
            raise BadArgument(
                ngettext(
                    "Spread from 1 to {n} dot in all (you gave {given}).",
                    "Spread from 1 to {n} dots in all (you gave {given}).",
                    decision.dots,
                    given=number(sum(dots)),
                )
            )
        return {"dots": dots}
    if args.get("choice") is None or int(args.choice) >= count:
        raise BadArgument(_("Choose one option."))
    return {"option": int(args.choice)}


@decide.action(CHOOSE_ACTION, roles=CONTRIBUTORS)
async def chosen(ctx: Ctx, value: str) -> Reply:
    decision_id, _sep, answer = value.partition(":")
    if not decision_id.isdigit():
        raise UserError(_("That button is no longer active. `/decide list` shows the open decisions."))
    decision = await open_decision(ctx, int(decision_id))
    if (
        answer.startswith("opt:")
        and answer[4:].isdigit()
        and decision.method == Method.MAJORITY.value
        and not decision.secret
    ):
        index = int(answer[4:])
        if index >= len(option_labels(decision)):
            raise UserError(_("That option is not part of decision #{id}.", id=decision.id))
        return await record(ctx, decision, {"option": index}, "")
    if answer not in ANSWERS.get(decision.method, ()):
        raise UserError(_("That button is no longer active. `/decide list` shows the open decisions."))
    if answer in NEEDS_REASON:
        return Reply.open_form(reason_form(decision, answer))
    return await record(ctx, decision, {"answer": answer}, "")


def reason_form(decision: Decision, answer: str) -> Form:
    title = _("Your objection") if answer == "object" else _("Your block")
    return Form(
        REASON_FORM,
        title,
        (
            FormField(
                "reason",
                _("Why?"),
                "long_text",
                max_length=1000,
                hint=_("Shown with your name on every copy of the decision."),
            ),
        ),
        submit_label=_("Object") if answer == "object" else _("Block"),
        state=f"{decision.id}:{answer}",
    )


@decide.form(REASON_FORM, params=(Param("reason", required=True, max_length=1000),), roles=CONTRIBUTORS)
async def reason_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    decision_id, _sep, answer = state.partition(":")
    if not decision_id.isdigit():
        raise UserError(_("That form is no longer active. Run `/decide vote <id>` again."))
    return await with_reason(ctx, int(decision_id), answer, args.reason)


async def record(ctx: Ctx, decision: Decision, choice: dict[str, Any], reason: str) -> Reply:
    repo = decide_repo(ctx)
    state = await load(repo, ctx.c, decision)
    org_id, refusal = await voter_of(ctx, state)
    if refusal is not None:
        return refusal
    reason = " ".join(reason.split())
    answer = choice.get("answer")
    if answer in NEEDS_REASON and not reason:
        raise BadArgument(_("An objection or a block needs a reason: say why, so the proposal can be improved."))
    if answer not in NEEDS_REASON:
        reason = ""
    if decision.secret:
        return await cast_secret(ctx, state, org_id, choice)
    changed = await repo.record_vote(decision, ctx.me.id or 0, org_id, choice, reason, ctx.clock.now())
    if changed:
        await refresh(ctx, state)
        await ctx.repo.audit("decision.voted", member=ctx.me, subject=decision.question[:200], decision_id=decision.id)
    text = _("Your ballot on decision #{id}: {choice}.", id=decision.id, choice=choice_text(decision, choice))
    if answer == "object":
        text += " " + _("To withdraw your objection, vote Consent with `/decide vote {id}`.", id=decision.id)
    elif answer == "block":
        text += " " + _("To withdraw your block, vote again with `/decide vote {id}`.", id=decision.id)
    else:
        text += " " + _("You can change it until the decision closes.")
    delegation = state.delegates.get(org_id) if org_id is not None else None
    if delegation is not None and delegation.alternate_id == ctx.me.id and delegation.delegate_id != ctx.me.id:
        text += " " + _("As the alternate, your ballot counts only if the delegate does not vote.")
    return Reply.private(markup(text))


async def cast_secret(ctx: Ctx, state: DecisionState, org_id: int | None, choice: dict[str, Any]) -> Reply:
    """Cast once; no audit entry and no log line names the voter with the ballot."""
    repo = decide_repo(ctx)
    decision = state.decision
    if await repo.took_part(decision.id or 0, ctx.me.id or 0) or (
        org_id is not None and await repo.org_took_part(decision.id or 0, org_id)
    ):
        raise UserError(
            _("A ballot was already cast here for decision #{id}; a secret ballot cannot be changed.", id=decision.id)
        )
    await repo.cast_secret(decision, ctx.me.id or 0, org_id, choice)
    await refresh(ctx, state)
    return Reply.private(_("Your secret ballot on decision #{id} is counted. It cannot be changed.", id=decision.id))


async def refresh(ctx: Ctx, state: DecisionState) -> None:
    """Every posted copy brought up to date with the ballots as they now stand (the rest of the state
    — electorate, members, delegates — did not change with one ballot)."""
    repo, d = decide_repo(ctx), state.decision
    if d.secret:
        state.secret_count = (await repo.ballot_counts([d.id or 0])).get(d.id or 0, 0)
    else:
        state.votes = await repo.votes(d.id or 0)
    with language(of_coalition(ctx.c)):
        await ctx.outbox.refresh(topic_of(d), post.post_reply(state))
