"""Where the rest of the bot reaches into decisions: the ``/coalition status`` section, the
coalition's export (open ballots with voters, secret ones only as totals), forget-me and connect."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from bot.commands.common import removed, row_dict
from bot.commands.decide.repo import decide_repo
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext, number
from bot.core.ui import Block, Bold, Section, markup, rich
from bot.store.decision_models import (
    Decision,
    DecisionDelegate,
    DecisionElector,
    DecisionLogEntry,
    DecisionParticipant,
    DecisionStatus,
    DecisionVote,
    Electorate,
)

EXPORTED = (
    "decision",
    "decisionelector",
    "decisionvote",
    "secretballot",
    "decisionparticipant",
    "decisiondelegate",
    "decisionlogentry",
)
MERGES = ("decision", "decisionelector", "decisionvote", "decisionparticipant", "decisiondelegate")


async def waiting_for(ctx: Ctx) -> list[Decision]:
    """Open decisions waiting for this person's ballot: in person, or for their organisation when
    they vote for it (its delegate or alternate) or it has nobody who does."""
    if ctx.member is None:
        return []
    repo, me = decide_repo(ctx), ctx.me
    delegation = await repo.delegate_of(me.organisation_id) if me.organisation_id else None
    waiting = []
    for d in await repo.awaiting(me):
        delegated = d.electorate == Electorate.ORG.value and delegation is not None and delegation.delegate_id
        if delegated and delegation and me.id not in (delegation.delegate_id, delegation.alternate_id):
            continue
        waiting.append(d)
    return waiting


async def status_section(ctx: Ctx) -> list[Block]:
    """Open decisions, and those waiting for your ballot (``by=org``: when you vote for your
    organisation, or it has nobody who does)."""
    repo = decide_repo(ctx)
    open_total = await repo.count(DecisionStatus.OPEN.value)
    if not open_total:
        return []
    waiting = await waiting_for(ctx)
    blocks: list[Block] = [
        Section(rich(ngettext("{n} decision is open.", "{n} decisions are open.", open_total, n=number(open_total))))
    ]
    if waiting:
        blocks.append(
            Section(
                rich(
                    Bold(
                        ngettext(
                            "{n} decision awaits your vote:",
                            "{n} decisions await your vote:",
                            len(waiting),
                            n=number(len(waiting)),
                        )
                    ),
                    " ",
                    ", ".join(f"#{d.id} {d.question}" for d in waiting[:5]),
                )
            )
        )
        blocks.append(Section(markup(_("Vote with `/decide vote <id>`."))))
    return blocks


async def export(ctx: Ctx) -> dict[str, list[dict[str, Any]]]:
    repo = decide_repo(ctx)
    decisions = await repo.all_rows(Decision)
    counts = await repo.ballot_counts([d.id or 0 for d in decisions if d.secret])
    taking_part: dict[int, int] = {}
    for row in await repo.all_rows(DecisionParticipant):
        taking_part[row.decision_id] = taking_part.get(row.decision_id, 0) + 1
    return {
        "decision": [row_dict(d) for d in sorted(decisions, key=lambda d: d.id or 0)],
        "decisionelector": [row_dict(r) for r in await repo.all_rows(DecisionElector)],
        "decisionvote": [row_dict(v) for v in await repo.all_rows(DecisionVote)],
        "secretballot": [{"decision_id": i, "ballots": n} for i, n in sorted(counts.items())],
        "decisionparticipant": [{"decision_id": i, "took_part": n} for i, n in sorted(taking_part.items())],
        "decisiondelegate": [row_dict(r) for r in await repo.all_rows(DecisionDelegate)],
        "decisionlogentry": [
            row_dict(r) for r in sorted(await repo.all_rows(DecisionLogEntry), key=lambda r: r.id or 0)
        ],
    }


async def forget(ctx: Ctx, member_id: int) -> None:
    """Ballots lose the name (totals stay), reasons become the placeholder, participation goes;
    questions and outcomes stay the coalition's."""
    repo = decide_repo(ctx)
    reasons = await repo.reasons_of(member_id)
    placeholder = removed(ctx)
    await repo.forget(member_id, placeholder)
    topics = sorted({f"decide:{decision_id}" for decision_id, _reason in reasons})
    await repo.scrub_posts(topics, [reason for _id, reason in reasons], placeholder)


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: one person's two accounts vote once."""
    await ctx.repo.repoint(
        from_id,
        into_id,
        col(Decision.proposer_id),
        col(Decision.closed_by),
        col(DecisionDelegate.delegate_id),
        col(DecisionDelegate.alternate_id),
        col(DecisionDelegate.set_by),
    )
    await ctx.repo.repoint_once(
        from_id, into_id, col(DecisionVote.member_id), col(DecisionVote.decision_id), newer=col(DecisionVote.updated_at)
    )
    await ctx.repo.repoint_once(
        from_id, into_id, col(DecisionParticipant.member_id), col(DecisionParticipant.decision_id)
    )
    await ctx.repo.repoint_once(from_id, into_id, col(DecisionElector.member_id), col(DecisionElector.decision_id))
