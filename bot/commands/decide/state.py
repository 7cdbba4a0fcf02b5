"""A decision as it stands: who may vote, whose ballot counts (with ``by=org``: the delegate's, else
the alternate's), turnout for the quorum, and the result by the decision's method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.commands.decide import count
from bot.commands.decide.shared import option_labels, threshold_of
from bot.store.decision_models import Decision, DecisionDelegate, DecisionVote, Electorate
from bot.store.decision_repo import DecisionRepo
from bot.store.models import Coalition, Member, Organisation


@dataclass
class DecisionState:
    coalition: Coalition
    decision: Decision
    members: dict[int, Member]
    organisations: dict[int, Organisation]
    elector_members: list[int]
    elector_orgs: list[int]
    delegates: dict[int, DecisionDelegate]
    votes: Sequence[DecisionVote] = ()
    secret_count: int = 0
    participants: set[int] = field(default_factory=set)

    @property
    def by_org(self) -> bool:
        return self.decision.electorate == Electorate.ORG.value

    def counted_votes(self) -> list[DecisionVote]:
        """The open ballots that count: every elector's, or per organisation the delegate's, else the
        alternate's."""
        if not self.by_org:
            electors = set(self.elector_members)
            return [v for v in self.votes if v.member_id in electors or v.member_id is None]
        counted = []
        for org_id in self.elector_orgs:
            chosen = self.org_vote(org_id)
            if chosen is not None:
                counted.append(chosen)
        return counted

    def org_vote(self, org_id: int) -> DecisionVote | None:
        mine = {v.member_id: v for v in self.votes if v.organisation_id == org_id}
        d = self.delegates.get(org_id)
        if d is None:
            return None
        if d.delegate_id in mine:
            return mine[d.delegate_id]
        if d.alternate_id in mine:
            return mine[d.alternate_id]
        return None

    @property
    def eligible(self) -> int:
        return self.decision.eligible

    @property
    def turnout(self) -> int:
        if self.decision.secret:
            return self.secret_count
        return len(self.counted_votes())

    def organisations_voting(self) -> int:
        if self.by_org:
            if self.decision.secret:
                return self.secret_count
            return len(self.counted_votes())
        if self.decision.secret:
            orgs = {self.members[m].organisation_id for m in self.participants if m in self.members}
        else:
            orgs = {v.organisation_id for v in self.counted_votes()}
        return len({o for o in orgs if o is not None})

    def quorum_met(self) -> bool:
        d = self.decision
        return count.quorum_met(
            d.quorum_kind,
            d.quorum,
            turnout=self.turnout,
            eligible=d.eligible,
            organisations=self.organisations_voting(),
        )

    def voter_names(self) -> list[str]:
        """Who has voted, for open ballots: members, or organisations (with who voted for them)."""
        if self.by_org:
            names = []
            for org_id in self.elector_orgs:
                vote = self.org_vote(org_id)
                if vote is not None and org_id in self.organisations:
                    names.append(self.organisations[org_id].name)
            return names
        return [self.members[v.member_id].display_name for v in self.counted_votes() if v.member_id in self.members]

    def not_voted(self) -> list[int]:
        """Member ids still to vote (``by=member``), or organisation ids (``by=org``)."""
        if self.by_org:
            if self.decision.secret:
                voted_orgs = {self.members[m].organisation_id for m in self.participants if m in self.members}
                return [o for o in self.elector_orgs if o not in voted_orgs]
            return [o for o in self.elector_orgs if self.org_vote(o) is None]
        if self.decision.secret:
            return [m for m in self.elector_members if m not in self.participants]
        voted = {v.member_id for v in self.votes}
        return [m for m in self.elector_members if m not in voted]

    def standing(self, answer: str) -> list[DecisionVote]:
        """Counted open ballots with this answer (objections, blocks), with their reasons."""
        return [v for v in self.counted_votes() if v.choice.get("answer") == answer]

    def who(self, vote: DecisionVote) -> str:
        if self.by_org and vote.organisation_id in self.organisations:
            return self.organisations[vote.organisation_id or 0].name
        member = self.members.get(vote.member_id or 0)
        return member.display_name if member is not None else "—"


async def load(repo: DecisionRepo, coalition: Coalition, decision: Decision) -> DecisionState:
    elector_members, elector_orgs = await repo.electors(decision.id or 0)
    members = {m.id or 0: m for m in await repo.members()}
    orgs = {o.id or 0: o for o in await repo.all_rows(Organisation)}
    state = DecisionState(
        coalition=coalition,
        decision=decision,
        members=members,
        organisations=orgs,
        elector_members=elector_members,
        elector_orgs=elector_orgs,
        delegates={d.organisation_id: d for d in await repo.delegates()},
    )
    if decision.secret:
        state.secret_count = (await repo.ballot_counts([decision.id or 0])).get(decision.id or 0, 0)
        state.participants = await repo.participants(decision.id or 0)
    else:
        state.votes = await repo.votes(decision.id or 0)
    return state


async def result_of(repo: DecisionRepo, state: DecisionState) -> dict[str, Any]:
    """The result by the decision's method, from the ballots that count."""
    d = state.decision
    if d.secret:
        ballots: list[Any] = await repo.secret_ballots(d.id or 0)
    else:
        ballots = [v.choice for v in state.counted_votes()]
    return count.tally(d.method, ballots, len(option_labels(d)), threshold=threshold_of(d), allowed=d.dots)
