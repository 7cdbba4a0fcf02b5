"""The work organisations did together and the leads members took on, summed in SQL from the other
workflows' own tables (issue 23): one row per pair of organisations and kind of work, one row per
member and kind of lead, never one object per piece of work. A part of
:class:`bot.store.impact_repo.ImpactRepo`; every query filters on its coalition."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func
from sqlalchemy import select as sql_select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.flag_models import FlagEvent
from bot.store.meeting_models import Answer, Meeting, MeetingVote
from bot.store.models import Goal, GoalTally, GroupMembership, Member, WorkingGroup
from bot.store.pledge_models import MatchState, PledgeItem, PledgeMatch
from bot.store.unity_models import UnitySignature

HANDLING = ("acknowledged", "discussing", "note", "reply", "resolved", "dismissed")


@dataclass(frozen=True)
class PairCount:
    """How often two organisations (``a`` < ``b``) did one kind of work together, and how much of
    it fell in the last window and in the window before."""

    a: int
    b: int
    kind: str  # match, meeting, group, goal, statement
    total: int
    recent: int
    before: int


@dataclass(frozen=True)
class Lead:
    """Leads of one kind a member took on: how many, and since when."""

    member_id: int
    kind: str  # goal, meeting, flags, match, group, signature
    at: datetime
    count: int = 1


class ImpactWork:
    """Pair counts and leads of :class:`~bot.store.impact_repo.ImpactRepo`."""

    session: AsyncSession
    coalition_id: int

    async def pair_counts(self, start: datetime, earlier: datetime) -> list[PairCount]:
        """Per pair of organisations and kind: a pledge matched between them, a meeting both
        attended (a yes for the chosen slot), a working group with members of both, a goal both
        checked in on (or one owned it and the other checked in; dated by the moment the second
        joined in), a statement both signed. ``start`` opens the recent window, ``earlier`` the one
        before it."""
        found: list[PairCount] = []
        for kind, units in (
            ("meeting", self._attended()),
            ("group", self._grouped()),
            ("goal", self._goals()),
            ("statement", self._signed()),
        ):
            found += await self._pairs_of(kind, units, start, earlier)
        found += await self._matched(start, earlier)
        return found

    def _org(self) -> Any:
        return aliased(Member)

    def _attended(self) -> Any:
        member = self._org()
        at = func.coalesce(col(Meeting.starts_at), col(Meeting.closed_at), col(Meeting.created_at))
        return (
            sql_select(
                col(Meeting.id).label("unit"), col(member.organisation_id).label("org"), func.max(at).label("at")
            )
            .where(
                col(Meeting.coalition_id) == self.coalition_id,
                col(Meeting.cancelled_at).is_(None),
                col(MeetingVote.coalition_id) == self.coalition_id,
                col(MeetingVote.meeting_id) == Meeting.id,
                col(MeetingVote.slot_id) == Meeting.chosen_slot_id,
                col(MeetingVote.answer) == Answer.YES.value,
                col(member.id) == MeetingVote.member_id,
                col(member.organisation_id).is_not(None),
            )
            .group_by(col(Meeting.id), col(member.organisation_id))
            .subquery()
        )

    def _grouped(self) -> Any:
        member = self._org()
        return (
            sql_select(
                col(WorkingGroup.id).label("unit"),
                col(member.organisation_id).label("org"),
                func.max(col(WorkingGroup.created_at)).label("at"),
            )
            .where(
                col(WorkingGroup.coalition_id) == self.coalition_id,
                col(GroupMembership.group_id) == WorkingGroup.id,
                col(member.id) == GroupMembership.member_id,
                col(member.organisation_id).is_not(None),
            )
            .group_by(col(WorkingGroup.id), col(member.organisation_id))
            .subquery()
        )

    def _goals(self) -> Any:
        """Per goal, each organisation's first check-in (from the totals kept per goal and
        member), and the owner from the goal's creation when it did not check in itself."""
        member = self._org()
        checked: Any = (
            sql_select(
                col(GoalTally.goal_id).label("unit"),
                col(member.organisation_id).label("org"),
                func.min(col(GoalTally.first_at)).label("at"),
            )
            .where(
                col(GoalTally.coalition_id) == self.coalition_id,
                col(GoalTally.member_id) == member.id,
                col(member.organisation_id).is_not(None),
            )
            .group_by(col(GoalTally.goal_id), col(member.organisation_id))
        )
        owner_member = self._org()
        anyone = sql_select(col(GoalTally.id)).where(
            col(GoalTally.goal_id) == Goal.id, col(GoalTally.member_id).is_not(None)
        )
        owner_in = sql_select(col(GoalTally.id)).where(
            col(GoalTally.goal_id) == Goal.id,
            col(GoalTally.member_id) == owner_member.id,
            col(owner_member.organisation_id) == Goal.owner_org_id,
        )
        owners: Any = sql_select(
            col(Goal.id).label("unit"), col(Goal.owner_org_id).label("org"), col(Goal.created_at).label("at")
        ).where(
            col(Goal.coalition_id) == self.coalition_id,
            col(Goal.owner_org_id).is_not(None),
            exists(anyone),
            ~exists(owner_in),
        )
        return checked.union_all(owners).subquery()

    def _signed(self) -> Any:
        latest = (
            sql_select(
                col(UnitySignature.version_id).label("version"), func.max(col(UnitySignature.signed_at)).label("at")
            )
            .where(col(UnitySignature.coalition_id) == self.coalition_id, col(UnitySignature.active).is_(True))
            .group_by(col(UnitySignature.version_id))
            .subquery()
        )
        return (
            sql_select(
                col(UnitySignature.version_id).label("unit"),
                col(UnitySignature.organisation_id).label("org"),
                func.max(latest.c.at).label("at"),
            )
            .where(
                col(UnitySignature.coalition_id) == self.coalition_id,
                col(UnitySignature.active).is_(True),
                latest.c.version == UnitySignature.version_id,
            )
            .group_by(col(UnitySignature.version_id), col(UnitySignature.organisation_id))
            .subquery()
        )

    async def _pairs_of(self, kind: str, units: Any, start: datetime, earlier: datetime) -> list[PairCount]:
        """Pairs of organisations in the same unit (a meeting, a group, a goal, a version), each
        pair dated by the later of the two: one row per unit and organisation read (with whether
        it joined before ``start`` and before ``earlier``, compared in SQL), the pairs counted in
        :func:`shared` in a thread (never one row per pair per unit)."""
        before = (case((units.c.at < moment, 1), else_=0) for moment in (start, earlier))
        query = sql_select(units.c.unit, units.c.org, *before)
        rows = (await self.session.exec(query)).all()  # type: ignore[call-overload]
        return await asyncio.to_thread(shared, kind, rows)

    async def _matched(self, start: datetime, earlier: datetime) -> list[PairCount]:
        offer: Any = aliased(PledgeItem)
        need: Any = aliased(PledgeItem)
        low = case((offer.organisation_id < need.organisation_id, offer.organisation_id), else_=need.organisation_id)
        high = case((offer.organisation_id < need.organisation_id, need.organisation_id), else_=offer.organisation_id)
        at = col(PledgeMatch.created_at)
        query = (
            sql_select(low, high, func.count(), _counted(at >= start), _counted(and_(at >= earlier, at < start)))
            .where(
                col(PledgeMatch.coalition_id) == self.coalition_id,
                col(PledgeMatch.state) != MatchState.WITHDRAWN.value,
                col(PledgeMatch.offer_id) == offer.id,
                col(PledgeMatch.need_id) == need.id,
                offer.organisation_id != need.organisation_id,
            )
            .group_by(low, high)
        )
        rows = (await self.session.exec(query)).all()  # type: ignore[call-overload]
        return [PairCount(x, y, "match", n, int(r or 0), int(p or 0)) for x, y, n, r, p in rows]

    async def lead_counts(self) -> list[Lead]:
        """Per member and kind of lead, how many and since when: set a goal, proposed a meeting,
        handled a flag, matched a need, started a working group (its first member), signed for
        their organisation."""
        c = self.coalition_id
        joined: Any = aliased(GroupMembership)
        first_join = (
            sql_select(func.min(joined.id))
            .where(joined.group_id == WorkingGroup.id)
            .correlate(WorkingGroup)
            .scalar_subquery()
        )
        sources: tuple[tuple[str, Any, Any, Any], ...] = (
            ("goal", col(Goal.created_by), col(Goal.created_at), col(Goal.coalition_id) == c),
            ("meeting", col(Meeting.proposer_id), col(Meeting.created_at), col(Meeting.coalition_id) == c),
            (
                "flags",
                col(FlagEvent.actor_id),
                col(FlagEvent.at),
                and_(
                    col(FlagEvent.coalition_id) == c,
                    col(FlagEvent.by_reporter).is_(False),
                    col(FlagEvent.kind).in_(HANDLING),
                ),
            ),
            ("match", col(PledgeMatch.member_id), col(PledgeMatch.created_at), col(PledgeMatch.coalition_id) == c),
            (
                "group",
                col(GroupMembership.member_id),
                col(WorkingGroup.created_at),
                and_(
                    col(WorkingGroup.coalition_id) == c,
                    col(GroupMembership.group_id) == WorkingGroup.id,
                    col(GroupMembership.id) == first_join,
                ),
            ),
            (
                "signature",
                col(UnitySignature.member_id),
                col(UnitySignature.signed_at),
                col(UnitySignature.coalition_id) == c,
            ),
        )
        found: list[Lead] = []
        for kind, who, at, where in sources:
            query = sql_select(who, func.count(), func.min(at)).where(where, who.is_not(None)).group_by(who)
            for member_id, n, since in (await self.session.exec(query)).all():  # type: ignore[call-overload]
                found.append(Lead(member_id, kind, since, n))
        return found


def shared(kind: str, rows: Iterable[tuple[Any, int, int, int]]) -> list[PairCount]:
    """Per pair of organisations, how many units both took part in (issue 23), from one row per
    unit and organisation that says whether it joined before the recent window and before the
    window before it. Each organisation's units are the bits of an integer, so a pair's count is
    one ``&`` and a bit count: the work follows organisations × units, not the pairs × units a
    self-join in SQL sums (495,000 rows at 100 organisations on 100 goals). A pair is dated by the
    later of the two: recent unless both joined before the window, and of the window before when
    both joined before the recent one but not both before the earlier one."""
    bits: dict[Any, int] = {}
    every: dict[int, int] = {}
    old: dict[int, int] = {}
    older: dict[int, int] = {}
    for unit, org, is_old, is_older in rows:
        bit = 1 << bits.setdefault(unit, len(bits))
        every[org] = every.get(org, 0) | bit
        if is_old:
            old[org] = old.get(org, 0) | bit
        if is_older:
            older[org] = older.get(org, 0) | bit
    orgs = sorted(every)
    found: list[PairCount] = []
    for i, a in enumerate(orgs):
        mine, mine_old, mine_older = every[a], old.get(a, 0), older.get(a, 0)
        for b in orgs[i + 1 :]:
            n = (mine & every[b]).bit_count()
            if n:
                both_old = (mine_old & old.get(b, 0)).bit_count()
                both_older = (mine_older & older.get(b, 0)).bit_count()
                found.append(PairCount(a, b, kind, n, n - both_old, both_old - both_older))
    return found


def _counted(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))
