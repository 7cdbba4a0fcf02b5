"""Impact data of one coalition: wins, pulses, and the work organisations did together and the leads
members took, read from the other workflows' tables. Every query filters on the coalition."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from sqlalchemy import delete, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.flag_models import FlagEvent
from bot.store.impact_models import Pulse, PulseComment, PulseResponder, PulseTally, Win
from bot.store.meeting_models import Answer, Meeting, MeetingVote
from bot.store.models import AuditEntry, Coalition, Goal, GoalTally, GroupMembership, Identity, Member, WorkingGroup
from bot.store.pledge_models import MatchState, PledgeItem, PledgeMatch
from bot.store.unity_models import UnitySignature

SCORES = (1, 2, 3, 4, 5)
HANDLING = ("acknowledged", "discussing", "note", "reply", "resolved", "dismissed")


@dataclass(frozen=True)
class JointWork:
    """One piece of work two organisations did together (``a`` < ``b``)."""

    a: int
    b: int
    kind: str  # match, meeting, group, goal, statement
    at: datetime


@dataclass(frozen=True)
class Lead:
    """One lead a member took on."""

    member_id: int
    kind: str  # goal, meeting, flags, match, group, signature
    at: datetime


def _pairs(orgs: set[int], kind: str, at: datetime) -> list[JointWork]:
    return [JointWork(a, b, kind, at) for a, b in combinations(sorted(orgs), 2)]


class ImpactRepo:
    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    # wins --------------------------------------------------------------------------------------

    async def add(self, row: Win | Pulse | PulseComment | PulseResponder) -> None:
        row.coalition_id = self.coalition_id
        self.session.add(row)
        await self.session.flush()

    async def wins(self) -> Sequence[Win]:
        query = select(Win).where(Win.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(Win.won_on).desc(), col(Win.id).desc()))).all()

    async def goal(self, goal_id: int) -> Goal | None:
        found = await self.session.get(Goal, goal_id)
        return found if found is not None and found.coalition_id == self.coalition_id else None

    # pulses ------------------------------------------------------------------------------------

    async def pulses(self) -> Sequence[Pulse]:
        query = select(Pulse).where(Pulse.coalition_id == self.coalition_id).order_by(col(Pulse.id))
        return (await self.session.exec(query)).all()

    async def pulse(self, pulse_id: int) -> Pulse | None:
        found = await self.session.get(Pulse, pulse_id)
        return found if found is not None and found.coalition_id == self.coalition_id else None

    async def open_pulse(self) -> Pulse | None:
        query = select(Pulse).where(Pulse.coalition_id == self.coalition_id, col(Pulse.closed_at).is_(None))
        return (await self.session.exec(query.order_by(col(Pulse.id).desc()))).first()

    async def start_pulse(self, pulse: Pulse) -> Pulse:
        await self.add(pulse)
        for score in SCORES:
            self.session.add(PulseTally(coalition_id=self.coalition_id, pulse_id=pulse.id or 0, score=score))
        await self.session.flush()
        return pulse

    async def has_answered(self, pulse: Pulse, member_id: int) -> bool:
        return await self.session.get(PulseResponder, (pulse.id, member_id)) is not None

    async def record_answer(self, pulse: Pulse, member_id: int, score: int, comment: str) -> None:
        """That the member answered, and — apart from it — one more count for the score and the
        comment. Counting is one UPDATE, so answers given at the same moment all count."""
        self.session.add(PulseResponder(coalition_id=self.coalition_id, pulse_id=pulse.id or 0, member_id=member_id))
        await self.session.exec(
            update(PulseTally)  # type: ignore[call-overload]
            .where(
                col(PulseTally.coalition_id) == self.coalition_id,
                col(PulseTally.pulse_id) == pulse.id,
                col(PulseTally.score) == score,
            )
            .values(count=PulseTally.count + 1)
        )
        if comment:
            self.session.add(PulseComment(coalition_id=self.coalition_id, pulse_id=pulse.id or 0, text=comment))
        await self.session.flush()

    async def seal(self, pulse: Pulse) -> None:
        """At close, rewrite the pulse's comments (in alphabetical order, under new random ids) and
        its counters in this one transaction, so neither their place in the table nor PostgreSQL's
        row versions (``xmin``, ``ctid``) still line up with the rows saying who answered."""
        comments = await self.comments(pulse.id or 0)
        await self.session.exec(
            delete(PulseComment).where(  # type: ignore[call-overload]
                col(PulseComment.coalition_id) == self.coalition_id, col(PulseComment.pulse_id) == pulse.id
            )
        )
        await self.session.flush()
        for text in comments:
            self.session.add(PulseComment(coalition_id=self.coalition_id, pulse_id=pulse.id or 0, text=text))
            await self.session.flush()
        await self.session.exec(
            update(PulseTally)  # type: ignore[call-overload]
            .where(col(PulseTally.coalition_id) == self.coalition_id, col(PulseTally.pulse_id) == pulse.id)
            .values(count=PulseTally.count)
        )

    async def tallies(self) -> dict[int, dict[int, int]]:
        """Every pulse's counts per score: {pulse id: {score: count}}."""
        query = select(PulseTally).where(PulseTally.coalition_id == self.coalition_id)
        out: dict[int, dict[int, int]] = defaultdict(lambda: dict.fromkeys(SCORES, 0))
        for t in (await self.session.exec(query)).all():
            out[t.pulse_id][t.score] = t.count
        return dict(out)

    async def comments(self, pulse_id: int) -> list[str]:
        query = select(PulseComment).where(
            PulseComment.coalition_id == self.coalition_id, PulseComment.pulse_id == pulse_id
        )
        return sorted(c.text for c in (await self.session.exec(query)).all())

    async def answered_counts(self) -> dict[int, int]:
        """How many members answered each pulse (never who: the export's view of the responders)."""
        from sqlalchemy import func

        query = (
            select(PulseResponder.pulse_id, func.count())
            .where(PulseResponder.coalition_id == self.coalition_id)
            .group_by(col(PulseResponder.pulse_id))
        )
        return dict((await self.session.exec(query)).all())

    async def all_comments(self) -> Sequence[PulseComment]:
        query = select(PulseComment).where(PulseComment.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(PulseComment.pulse_id), col(PulseComment.text)))).all()

    async def responders(self, pulse_id: int) -> set[int]:
        query = select(PulseResponder.member_id).where(
            PulseResponder.coalition_id == self.coalition_id, PulseResponder.pulse_id == pulse_id
        )
        return set((await self.session.exec(query)).all())

    async def coalition(self) -> Coalition | None:
        return await self.session.get(Coalition, self.coalition_id)

    async def save(self, row: Pulse) -> None:
        self.session.add(row)
        await self.session.flush()

    async def to_remind(self, pulse: Pulse) -> Sequence[Member]:
        """Members with a platform account who have not answered the pulse."""
        answered = await self.responders(pulse.id or 0)
        query = (
            select(Member)
            .where(Member.coalition_id == self.coalition_id, col(Member.id).in_(select(Identity.member_id)))
            .order_by(col(Member.id))
        )
        return [m for m in (await self.session.exec(query)).all() if m.id not in answered]

    # work together -----------------------------------------------------------------------------

    async def _org_of(self) -> dict[int, int]:
        query = select(Member).where(Member.coalition_id == self.coalition_id)
        return {m.id: m.organisation_id for m in (await self.session.exec(query)).all() if m.id and m.organisation_id}

    async def joint_work(self) -> list[JointWork]:
        """Every piece of work two organisations did together: a pledge matched between them, a
        meeting both attended (a yes for the chosen slot), a working group with members of both, a
        goal both checked in on (or one owned it and the other checked in), a statement both signed."""
        org_of = await self._org_of()
        c = self.coalition_id
        work: list[JointWork] = []
        offer, need = aliased(PledgeItem), aliased(PledgeItem)
        matches = select(PledgeMatch, offer.organisation_id, need.organisation_id).where(
            PledgeMatch.coalition_id == c,
            PledgeMatch.state != MatchState.WITHDRAWN.value,
            PledgeMatch.offer_id == offer.id,
            PledgeMatch.need_id == need.id,
        )
        for match, giver, taker in (await self.session.exec(matches)).all():
            if giver != taker:
                work += _pairs({giver, taker}, "match", match.created_at)
        meetings = select(Meeting, MeetingVote.member_id).where(
            Meeting.coalition_id == c,
            MeetingVote.coalition_id == c,
            MeetingVote.meeting_id == Meeting.id,
            MeetingVote.slot_id == Meeting.chosen_slot_id,
            MeetingVote.answer == Answer.YES.value,
            col(Meeting.cancelled_at).is_(None),
        )
        attended: dict[int, tuple[datetime, set[int]]] = {}
        for meeting, member_id in (await self.session.exec(meetings)).all():
            at = meeting.starts_at or meeting.closed_at or meeting.created_at
            attended.setdefault(meeting.id or 0, (at, set()))[1].add(org_of.get(member_id, 0))
        for at, orgs in attended.values():
            work += _pairs(orgs - {0}, "meeting", at)
        groups = select(WorkingGroup, GroupMembership.member_id).where(
            WorkingGroup.coalition_id == c, GroupMembership.group_id == WorkingGroup.id
        )
        in_group: dict[int, tuple[datetime, set[int]]] = {}
        for group, member_id in (await self.session.exec(groups)).all():
            in_group.setdefault(group.id or 0, (group.created_at, set()))[1].add(org_of.get(member_id, 0))
        for at, orgs in in_group.values():
            work += _pairs(orgs - {0}, "group", at)
        work += await self._shared_goals(org_of)
        signatures = select(UnitySignature).where(
            UnitySignature.coalition_id == c, col(UnitySignature.active).is_(True)
        )
        signed: dict[int, tuple[datetime, set[int]]] = {}
        for s in (await self.session.exec(signatures)).all():
            at, orgs = signed.setdefault(s.version_id, (s.signed_at, set()))
            orgs.add(s.organisation_id)
            signed[s.version_id] = (max(at, s.signed_at), orgs)
        for at, orgs in signed.values():
            work += _pairs(orgs, "statement", at)
        return work

    async def _shared_goals(self, org_of: dict[int, int]) -> list[JointWork]:
        """Per goal, the organisations that checked in on it (and its owner), dated by the moment
        the second one joined in. From the totals kept per goal and member (their first check-in)."""
        query = select(GoalTally.goal_id, GoalTally.member_id, GoalTally.first_at).where(
            GoalTally.coalition_id == self.coalition_id, col(GoalTally.member_id).is_not(None)
        )
        first: dict[int, dict[int, datetime]] = defaultdict(dict)
        for goal_id, member_id, at in (await self.session.exec(query)).all():
            org = org_of.get(member_id or 0)
            if org and (org not in first[goal_id] or at < first[goal_id][org]):
                first[goal_id][org] = at
        owners = select(Goal).where(Goal.coalition_id == self.coalition_id, col(Goal.owner_org_id).is_not(None))
        for goal in (await self.session.exec(owners)).all():
            if goal.id in first and goal.owner_org_id not in first[goal.id or 0]:
                first[goal.id or 0][goal.owner_org_id or 0] = goal.created_at
        work = []
        for orgs in first.values():
            for a, b in combinations(sorted(orgs), 2):
                work.append(JointWork(a, b, "goal", max(orgs[a], orgs[b])))
        return work

    # leads -------------------------------------------------------------------------------------

    async def leads(self) -> list[Lead]:
        """Every lead members took on: set a goal, proposed a meeting, handled a flag, matched a
        need, started a working group, signed for their organisation."""
        c = self.coalition_id
        found: list[Lead] = []
        goals = select(Goal.created_by, Goal.created_at).where(Goal.coalition_id == c)
        meetings = select(Meeting.proposer_id, Meeting.created_at).where(Meeting.coalition_id == c)
        flags = select(FlagEvent.actor_id, FlagEvent.at).where(
            FlagEvent.coalition_id == c, col(FlagEvent.by_reporter).is_(False), col(FlagEvent.kind).in_(HANDLING)
        )
        matches = select(PledgeMatch.member_id, PledgeMatch.created_at).where(PledgeMatch.coalition_id == c)
        groups = select(AuditEntry.member_id, AuditEntry.at).where(
            AuditEntry.coalition_id == c, AuditEntry.action == "group.created"
        )
        signatures = select(UnitySignature.member_id, UnitySignature.signed_at).where(UnitySignature.coalition_id == c)
        for kind, query in (
            ("goal", goals),
            ("meeting", meetings),
            ("flags", flags),
            ("match", matches),
            ("group", groups),
            ("signature", signatures),
        ):
            for member_id, at in (await self.session.exec(query)).all():  # type: ignore[call-overload]
                if member_id is not None:
                    found.append(Lead(member_id, kind, at))
        return found

    # forget-me ---------------------------------------------------------------------------------

    async def forget(self, member_id: int) -> None:
        """Wins a member logged stay (they are the coalition's); who logged them goes."""
        query = select(Win).where(Win.coalition_id == self.coalition_id, Win.member_id == member_id)
        for win in (await self.session.exec(query)).all():
            win.member_id = None
            self.session.add(win)
        await self.session.flush()


async def reminders_due(session: AsyncSession, now: datetime) -> list[int]:
    """Open pulses (of every coalition) whose one reminder is due."""
    query = select(Pulse.id).where(
        col(Pulse.closed_at).is_(None), col(Pulse.reminded_at).is_(None), col(Pulse.remind_at) <= now
    )
    return [i for i in (await session.exec(query)).all() if i is not None]


async def any_pulse(session: AsyncSession, pulse_id: int) -> Pulse | None:
    """A pulse by id, for timed work (which then works inside its coalition)."""
    return await session.get(Pulse, pulse_id)
