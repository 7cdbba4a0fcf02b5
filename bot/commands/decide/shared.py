"""What the decision command's modules share: the command object, finding a decision, who may close
it, the methods' names and the one-line rules every copy shows."""

from __future__ import annotations

from fractions import Fraction

from bot.commands.decide.count import parse_threshold
from bot.commands.decide.repo import decide_repo
from bot.core.context import Ctx
from bot.core.errors import NotFound, PermissionDenied, UserError
from bot.core.i18n import N_, _, datetime_, ngettext, number, tr
from bot.core.params import Kind, Param
from bot.core.registry import Command
from bot.store.decision_models import Decision, DecisionStatus, Electorate, Method
from bot.store.models import Role

decide = Command("decide", N_("Decide together: consent, consensus, votes by member or by organisation"))

DECISION_ID = Param(
    "id", Kind.ID, required=True, positional=True, autocomplete="decision", description=N_("The decision")
)
REASON = Param("reason", positional=True, max_length=1000, description=N_("Why (shown with your objection or block)"))
VOTERS = (Role.STEERING.value, Role.FACILITATOR.value, Role.MEMBER.value)
MIN_OPTIONS, MAX_OPTIONS = 2, 5
MAX_QUESTION = 300
WITH_OPTIONS = (Method.MAJORITY.value, Method.RANKED.value, Method.SCORE.value, Method.DOTS.value)
WITH_REASONS = (Method.CONSENT.value, Method.CONSENSUS.value)

METHOD_NAMES = {
    Method.CONSENT.value: N_("consent (passes unless an objection stands)"),
    Method.CONSENSUS.value: N_("consensus (agreed unless a block stands)"),
    Method.MAJORITY.value: N_("majority vote"),
    Method.RANKED.value: N_("ranked choice (instant runoff)"),
    Method.SCORE.value: N_("score voting (0 to 5 per option)"),
    Method.DOTS.value: N_("dot voting"),
}
ANSWER_LABELS = {
    "consent": N_("Consent"),
    "object": N_("Object"),
    "agree": N_("Agree"),
    "aside": N_("Stand aside"),
    "block": N_("Block"),
}


def topic_of(decision: Decision) -> str:
    return f"decide:{decision.id}"


def threshold_of(decision: Decision) -> Fraction:
    return parse_threshold(decision.threshold) or Fraction(1, 2)


def option_labels(decision: Decision) -> list[str]:
    """The options a ballot chooses among (a majority vote without options is Yes / No)."""
    if decision.options:
        return list(decision.options)
    if decision.method == Method.MAJORITY.value:
        return [_("Yes"), _("No")]
    return []


def method_name(decision: Decision) -> str:
    return tr(METHOD_NAMES[decision.method])


def electorate_text(decision: Decision) -> str:
    if decision.electorate == Electorate.ORG.value:
        return _("one vote per organisation, cast by its delegate (else its alternate)")
    return _("one vote per member")


def quorum_text(decision: Decision) -> str:
    if decision.quorum_kind == "percent":
        if decision.electorate == Electorate.ORG.value:
            return _("{percent}% of the organisations", percent=number(decision.quorum))
        return _("{percent}% of the members", percent=number(decision.quorum))
    if decision.quorum_kind == "orgs":
        return ngettext("{n} organisation", "{n} organisations", decision.quorum)
    return _("none")


def rules_line(decision: Decision, tz: str) -> str:
    """The rules in one line, in the current language."""
    method = method_name(decision)
    if decision.method == Method.MAJORITY.value and decision.threshold != "1/2":
        method = _("{method}, at least {threshold} to win", method=method, threshold=decision.threshold)
    if decision.method == Method.DOTS.value:
        method = ngettext("{method}, {n} dot each", "{method}, {n} dots each", decision.dots, method=method)
    ballot = _("secret") if decision.secret else _("open (names shown, changeable until close)")
    deadline = datetime_(decision.deadline, tz, format="short") if decision.deadline else _("when closed by hand")
    return _(
        "Method: {method}. Who votes: {electorate}. Quorum: {quorum}. Ballot: {ballot}. Closes: {deadline}.",
        method=method,
        electorate=electorate_text(decision),
        quorum=quorum_text(decision),
        ballot=ballot,
        deadline=deadline,
    )


async def find_decision(ctx: Ctx, decision_id: int) -> Decision:
    decision = await decide_repo(ctx).decision(decision_id)
    if decision is None:
        raise NotFound(
            _(
                "There is no decision #{id} in {coalition}. `/decide list` shows the decisions and their ids.",
                id=decision_id,
                coalition=ctx.c.name,
            )
        )
    return decision


async def open_decision(ctx: Ctx, decision_id: int) -> Decision:
    decision = await find_decision(ctx, decision_id)
    if decision.status != DecisionStatus.OPEN.value:
        raise UserError(_("Decision #{id} is closed. `/decide show {id}` shows how it ended.", id=decision.id))
    return decision


def check_closer(ctx: Ctx, decision: Decision) -> None:
    """Closing and reminding belong to whoever proposed the decision, and to steering."""
    if ctx.me.id == decision.proposer_id or ctx.me.role == Role.STEERING.value:
        return
    raise PermissionDenied(
        _(
            "Only the person who proposed decision #{id} or a steering committee member can do that.",
            id=decision.id,
        )
    )
