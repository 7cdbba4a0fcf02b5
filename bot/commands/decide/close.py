"""Closing a decision, by hand (``/decide close <id> "<outcome>"``, the proposer or steering) or at its
deadline (the scheduler): quorum checked, the result counted by the method (a secret one shown only
from 5 ballots), the outcome announced in every linked channel in the coalition's language, and one
line appended to the decision log. A closing may also make a goal (``goal="…" target=``) or, by
steering, the unity statement's next draft (``draft=yes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.commands.common import sentence
from bot.commands.decide import post, results
from bot.commands.decide.repo import decide_repo, statement_drafts
from bot.commands.decide.shared import DECISION_ID, check_closer, decide, open_decision, topic_of
from bot.commands.decide.state import DecisionState, load, result_of
from bot.core.context import Ctx
from bot.core.errors import BadArgument, PermissionDenied
from bot.core.i18n import N_, _, language, of_coalition
from bot.core.outbox import Outbox
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Bold, Context, Header, Reply, Section, markup, rich
from bot.store.decision_models import MIN_SECRET_BALLOTS, Decision, DecisionLogEntry, DecisionStatus, Method
from bot.store.decision_repo import DecisionRepo
from bot.store.models import Coalition, Goal, Role
from bot.store.unity_models import UnityVersion


async def final_result(repo: DecisionRepo, state: DecisionState) -> dict[str, Any]:
    """The result as it will be kept: withheld for a secret decision below 5 ballots, "no quorum"
    below the quorum, else the method's count; always with turnout and electorate size."""
    d = state.decision
    base = {"turnout": state.turnout, "eligible": d.eligible, "quorum_met": state.quorum_met()}
    if d.secret and state.turnout < MIN_SECRET_BALLOTS:
        return {**base, "withheld": True}
    if not base["quorum_met"]:
        return base
    return {**base, **await result_of(repo, state), "options": list(d.options)}


async def finish(
    repo: DecisionRepo,
    outbox: Outbox,
    coalition: Coalition,
    decision: Decision,
    *,
    now: datetime,
    outcome: str,
    closer_id: int | None,
) -> DecisionState:
    """Close, seal secret ballots, log, refresh every copy and announce the outcome everywhere."""
    state = await load(repo, coalition, decision)
    result = await final_result(repo, state)
    with language(of_coalition(coalition)):
        outcome = outcome or results.headline(decision, result)
    decision.status, decision.result, decision.outcome = DecisionStatus.CLOSED.value, result, outcome
    decision.closed_at, decision.closed_by = now, closer_id
    await repo.save(decision)
    if decision.secret:
        await repo.seal(decision)
    await repo.append_log(
        DecisionLogEntry(
            coalition_id=coalition.id or 0,
            decision_id=decision.id or 0,
            at=now,
            question=decision.question,
            method=decision.method,
            electorate=decision.electorate,
            secret=decision.secret,
            eligible=decision.eligible,
            turnout=state.turnout,
            quorum_met=bool(result["quorum_met"]),
            result=result,
            outcome=outcome,
        )
    )
    with language(of_coalition(coalition)):
        await outbox.refresh(topic_of(decision), post.post_reply(state))
        await outbox.announce(announcement(decision), key=f"decide:closed:{decision.id}")
    return state


def announcement(decision: Decision) -> Reply:
    details = results.lines(decision, decision.result)
    blocks: list[Any] = [
        Header(_("Decided: {question}", question=decision.question)[:150]),
        Section(rich(results.headline(decision, decision.result))),
    ]
    if details:
        blocks.append(Context(rich("\n".join(details))))
    blocks.append(Section(rich(Bold(_("Outcome:")), " ", decision.outcome)))
    blocks.append(Context(markup(_("Decision #{id} is in the decision log: `/decide log`.", id=decision.id))))
    return Reply.channel(*blocks)


@decide.sub(
    "close",
    summary=N_("Close a decision with an outcome statement (the proposer or steering)"),
    roles=CONTRIBUTORS,
    usage=N_('/decide close <id> "<outcome>" [goal="<title>" target=<n> unit=] [draft=yes]'),
    params=(
        DECISION_ID,
        Param("outcome", positional=True, required=True, max_length=1000, description=N_("What was decided")),
        Param("goal", max_length=150, description=N_("Make a goal of it: its title")),
        Param("target", Kind.NUMBER, minimum=0.000001, description=N_("The goal's target")),
        Param("unit", max_length=30, description=N_("What is counted, like calls")),
        Param(
            "draft",
            Kind.CHOICE,
            choices=("yes", "no"),
            description=N_("Steering: make the outcome the unity statement's next draft"),
        ),
    ),
)
async def close(ctx: Ctx, args: Args) -> Reply:
    decision = await open_decision(ctx, args.id)
    check_closer(ctx, decision)
    outcome = " ".join((args.outcome or "").split())
    if not outcome:
        raise BadArgument(_('Say what was decided: `/decide close {id} "<outcome>"`.', id=decision.id))
    if bool(args.goal) != (args.target is not None):
        raise BadArgument(_('To make a goal of it, give both `goal="<title>"` and `target=<n>`.'))
    if args.draft == "yes" and ctx.me.role != Role.STEERING.value:
        raise PermissionDenied(_("Only steering drafts the unity statement: close it without `draft=yes`."))
    repo = decide_repo(ctx)
    state = await load(repo, ctx.c, decision)
    if decision.method == Method.CONSENSUS.value and state.standing("block") and ctx.me.role != Role.STEERING.value:
        raise PermissionDenied(
            _(
                "A block holds decision #{id} open: it closes when the block is withdrawn, or steering closes it as not agreed.",
                id=decision.id,
            )
        )
    await finish(repo, ctx.outbox, ctx.c, decision, now=ctx.clock.now(), outcome=outcome, closer_id=ctx.me.id)
    await ctx.repo.audit("decision.closed", member=ctx.me, subject=decision.question[:200], decision_id=decision.id)
    blocks: list[Any] = [
        Section(rich(_("Decision #{id} is closed.", id=decision.id), " ", results.headline(decision, decision.result)))
    ]
    if args.goal:
        goal = Goal(
            coalition_id=ctx.c.id or 0,
            title=" ".join(args.goal.split()),
            target=args.target,
            unit=(args.unit or "").strip(),
            created_by=ctx.me.id,
            created_at=ctx.clock.now(),
        )
        await ctx.repo.add(goal)
        await ctx.repo.audit("goal.added", member=ctx.me, subject=goal.title, goal_id=goal.id, decision_id=decision.id)
        blocks.append(
            Section(sentence(N_("Goal {goal} added from this decision."), goal=Bold(f"#{goal.id} {goal.title}")))
        )
    if args.draft == "yes":
        blocks.append(await new_draft(ctx, decision, outcome))
    return Reply.private(*blocks)


async def new_draft(ctx: Ctx, decision: Decision, outcome: str) -> Section:
    """The outcome as the unity statement's next draft version (members comment on it, steering
    publishes it, as any draft)."""
    drafts = statement_drafts(ctx)
    latest = await drafts.latest()
    version = UnityVersion(
        coalition_id=ctx.c.id or 0,
        number=(latest.number + 1) if latest else 1,
        text=outcome,
        author_id=ctx.me.id,
        author_name=ctx.me.display_name,
        created_at=ctx.clock.now(),
    )
    await drafts.add(version)
    await ctx.repo.audit(
        "unity.drafted", member=ctx.me, subject=f"v{version.number}", version=version.number, decision_id=decision.id
    )
    return Section(
        markup(
            _(
                "Draft v{version} of the unity statement now says what was decided. "
                '`/unity show {version}` shows it; `/unity comment "…"` and `/unity publish` as for any draft.',
                version=version.number,
            )
        )
    )
