"""Timed work of decisions, run by the scheduler's leader: one private reminder to whoever has not
voted 24 hours before the deadline (with ``by=org``: the delegate and alternate of each organisation
that has not, or its members while it has no delegate), and closing at the deadline. A consensus
decision a block holds stays open past its deadline (its copies say so once) until the block is
withdrawn or steering closes it. Every message has an idempotency key: a doubled tick sends nothing
twice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.decide import close, post
from bot.commands.decide.shared import topic_of
from bot.commands.decide.state import DecisionState, load
from bot.core.i18n import _, datetime_, language, of_coalition, of_member
from bot.core.outbox import Outbox
from bot.core.ui import Actions, Bold, Button, ButtonStyle, Reply, Section, markup, rich
from bot.core.workflow import JobEnv, TimedJob
from bot.store.decision_models import DecisionStatus, Method
from bot.store.decision_repo import DecisionRepo, any_decision, due_closes, due_reminders, next_wake


def recipients(state: DecisionState) -> list[int]:
    """Who is reminded: members still to vote, or for each organisation still to vote its delegate
    and alternate (its members while it has none)."""
    missing = state.not_voted()
    if not state.by_org:
        return missing
    people: list[int] = []
    for org_id in missing:
        delegation = state.delegates.get(org_id)
        named = [m for m in (delegation.delegate_id, delegation.alternate_id) if m] if delegation else []
        people += named or [m.id or 0 for m in state.members.values() if m.organisation_id == org_id]
    return people


async def remind_non_voters(repo: DecisionRepo, outbox: Outbox, state: DecisionState, *, tag: str) -> int:
    sent = 0
    d = state.decision
    for member_id in recipients(state):
        member = state.members.get(member_id)
        if member is None:
            continue
        with language(of_member(member, state.coalition)):
            notice = reminder(state, member.tz or state.coalition.tz)
        sent += len(await outbox.direct(member_id, notice, key=f"decide:remind:{d.id}:{member_id}:{tag}"))
    return sent


def reminder(state: DecisionState, tz: str) -> Reply:
    d = state.decision
    if d.deadline is not None:
        text = _(
            "{coalition} is deciding, and your ballot is missing. Voting closes {deadline}.",
            coalition=state.coalition.name,
            deadline=datetime_(d.deadline, tz, format="short"),
        )
    else:
        text = _("{coalition} is deciding, and your ballot is missing.", coalition=state.coalition.name)
    return Reply.private(
        Section(rich(text)),
        Section(rich(Bold(f"#{d.id} {d.question}"))),
        markup(_("Vote privately with the button or `/decide vote {id}`.", id=d.id)),
        Actions((Button(_("Vote"), post.BALLOT_ACTION, str(d.id), ButtonStyle.PRIMARY),)),
    )


async def run_reminder(session: AsyncSession, decision_id: int, now: datetime, env: JobEnv) -> int:
    decision = await any_decision(session, decision_id)
    if decision is None or decision.status != DecisionStatus.OPEN.value or decision.reminded_at is not None:
        return 0
    repo = DecisionRepo(session, decision.coalition_id)
    coalition = await repo.coalition()
    if coalition is None:
        return 0
    decision.reminded_at = now
    await repo.save(decision)
    state = await load(repo, coalition, decision)
    return await remind_non_voters(repo, Outbox(session, decision.coalition_id, now=now), state, tag="deadline")


async def run_close(session: AsyncSession, decision_id: int, now: datetime, env: JobEnv) -> int:
    decision = await any_decision(session, decision_id)
    if decision is None or decision.status != DecisionStatus.OPEN.value:
        return 0
    repo = DecisionRepo(session, decision.coalition_id)
    coalition = await repo.coalition()
    if coalition is None:
        return 0
    outbox = Outbox(session, decision.coalition_id, now=now)
    state = await load(repo, coalition, decision)
    if decision.method == Method.CONSENSUS.value and state.standing("block"):
        with language(of_coalition(coalition)):
            held = Reply.channel(
                markup(
                    _(
                        "Decision #{id} reached its deadline, but a block stands: it stays open until the block is "
                        "withdrawn or steering closes it as not agreed.",
                        id=decision.id,
                    )
                )
            )
        return len(await outbox.announce(held, key=f"decide:held:{decision.id}"))
    await close.finish(repo, outbox, coalition, decision, now=now, outcome="", closer_id=None)
    return 1


CLOSE_JOB = TimedJob("decide.close", due=due_closes, run=run_close, next_wake=next_wake)
REMIND_JOB = TimedJob("decide.remind", due=due_reminders, run=run_reminder, next_wake=next_wake)

__all__ = ["CLOSE_JOB", "REMIND_JOB", "remind_non_voters", "topic_of"]
