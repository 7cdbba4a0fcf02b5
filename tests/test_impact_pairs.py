"""The pairs of organisations that worked together (issue 23), counted from one row per unit and
organisation (:func:`bot.store.impact_work.shared`), against the plain SQL self-join over every
pair per unit that they replace: random check-ins, goals owned, working groups joined and left,
meetings attended and cancelled, members moving between organisations, over two windows of time,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, case, func, or_, text
from sqlalchemy import select as sql_select
from sqlalchemy.orm import aliased
from sqlmodel import delete, select

from bot.core.clock import ManualClock
from bot.store.db import Database
from bot.store.impact_repo import ImpactRepo
from bot.store.impact_work import PairCount, shared
from bot.store.meeting_models import Meeting, MeetingSlot, MeetingVote
from bot.store.models import Checkin, Goal, GroupMembership, Member, Organisation, WorkingGroup
from bot.store.repo import CoalitionRepo
from tests.support import Chat, make_core

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
START, EARLIER = NOW - timedelta(days=90), NOW - timedelta(days=180)
ORGS, MEMBERS, UNITS = 4, 8, 3
workspaces = count()

day = st.integers(0, 300)
checkin = st.tuples(st.just("checkin"), st.integers(0, UNITS - 1), st.integers(0, MEMBERS - 1), day)
owner = st.tuples(st.just("owner"), st.integers(0, UNITS - 1), st.integers(0, ORGS))
join = st.tuples(st.just("join"), st.integers(0, UNITS - 1), st.integers(0, MEMBERS - 1))
leave = st.tuples(st.just("leave"), st.integers(0, UNITS - 1), st.integers(0, MEMBERS - 1))
attend = st.tuples(st.just("attend"), st.integers(0, UNITS - 1), st.integers(0, MEMBERS - 1), day)
cancel = st.tuples(st.just("cancel"), st.integers(0, UNITS - 1))
move = st.tuples(st.just("move"), st.integers(0, MEMBERS - 1), st.integers(0, ORGS))
events = st.lists(
    st.one_of(checkin, checkin, checkin, owner, join, join, leave, attend, attend, cancel, move), max_size=30
)


async def plain_pairs(repo: ImpactRepo) -> set[PairCount]:
    """What the store summed before: a self-join of the units over every pair, in SQL."""
    found: set[PairCount] = set()
    for kind, units in (("meeting", repo._attended()), ("group", repo._grouped()), ("goal", repo._goals())):
        a, b = aliased(units), aliased(units)
        recent = or_(a.c.at >= START, b.c.at >= START)
        before = and_(or_(a.c.at >= EARLIER, b.c.at >= EARLIER), a.c.at < START, b.c.at < START)
        query = (
            sql_select(
                a.c.org,
                b.c.org,
                func.count(),
                func.sum(case((recent, 1), else_=0)),
                func.sum(case((before, 1), else_=0)),
            )
            .where(a.c.unit == b.c.unit, a.c.org < b.c.org)
            .group_by(a.c.org, b.c.org)
        )
        for x, y, n, r, p in (await repo.session.exec(query)).all():  # type: ignore[call-overload]
            found.add(PairCount(x, y, kind, n, int(r or 0), int(p or 0)))
    return found


async def world(db: Database, chat: Chat) -> tuple[int, list[int], list[int], list[int], list[int], list[int]]:
    assert not (await chat.say("ana", '/coalition create "Pairs"')).is_error
    async with db.unit_of_work() as session:
        c = int((await session.exec(text("SELECT max(id) FROM coalition"))).scalar_one())  # type: ignore[call-overload]
        orgs = [Organisation(coalition_id=c, name=f"Org {n}", key=f"org {n}") for n in range(ORGS)]
        session.add_all(orgs)
        await session.flush()
        members = [
            Member(coalition_id=c, display_name=f"P{n}", organisation_id=orgs[n % ORGS].id) for n in range(MEMBERS)
        ]
        goals = [
            Goal(coalition_id=c, title=f"G{n}", target=10, created_at=NOW - timedelta(days=400)) for n in range(UNITS)
        ]
        groups = [
            WorkingGroup(coalition_id=c, name=f"W{n}", key=f"w{n}", created_at=NOW - timedelta(days=100 * n))
            for n in range(UNITS)
        ]
        meetings = [
            Meeting(coalition_id=c, title=f"M{n}", duration=60, tz="UTC", status="closed", uid=f"m{n}")
            for n in range(UNITS)
        ]
        session.add_all([*members, *goals, *groups, *meetings])
        await session.flush()
        slots = [MeetingSlot(coalition_id=c, meeting_id=m.id or 0, position=1, start=NOW) for m in meetings]
        session.add_all(slots)
        await session.flush()
        for m, s in zip(meetings, slots, strict=True):
            m.chosen_slot_id = s.id
        ids = [[row.id or 0 for row in rows] for rows in (orgs, members, goals, groups, meetings)]
    return c, *ids  # type: ignore[return-value]


async def play(db: Database, c: int, ids: tuple[list[int], ...], event: tuple[Any, ...]) -> None:
    orgs, members, goals, groups, meetings = ids
    async with db.unit_of_work() as session:
        what = event[0]
        if what == "checkin":
            at = NOW - timedelta(days=event[3])
            entry = Checkin(
                coalition_id=c, goal_id=goals[event[1]], member_id=members[event[2]], amount=1, created_at=at
            )
            await CoalitionRepo(session, c).add_checkin(entry)
        elif what == "owner":
            goal = await session.get(Goal, goals[event[1]])
            assert goal is not None
            goal.owner_org_id = orgs[event[2]] if event[2] < ORGS else None
            session.add(goal)
        elif what in ("join", "leave"):
            group, member = groups[event[1]], members[event[2]]
            found = (
                await session.exec(
                    select(GroupMembership).where(
                        GroupMembership.group_id == group, GroupMembership.member_id == member
                    )
                )
            ).first()
            if what == "join" and found is None:
                session.add(GroupMembership(coalition_id=c, group_id=group, member_id=member))
            elif what == "leave":
                mine = (GroupMembership.group_id == group, GroupMembership.member_id == member)
                await session.exec(delete(GroupMembership).where(*mine))  # type: ignore[call-overload]
        elif what == "attend":
            meeting = await session.get(Meeting, meetings[event[1]])
            assert meeting is not None
            meeting.starts_at = NOW - timedelta(days=event[3])
            session.add(meeting)
            voted = MeetingVote.slot_id == meeting.chosen_slot_id, MeetingVote.member_id == members[event[2]]
            if (await session.exec(select(MeetingVote).where(*voted))).first() is None:
                slot = meeting.chosen_slot_id or 0
                session.add(
                    MeetingVote(
                        coalition_id=c,
                        meeting_id=meeting.id or 0,
                        slot_id=slot,
                        member_id=members[event[2]],
                        answer="yes",
                    )
                )
        elif what == "cancel":
            meeting = await session.get(Meeting, meetings[event[1]])
            assert meeting is not None
            meeting.cancelled_at = NOW
            session.add(meeting)
        else:
            member = await session.get(Member, members[event[1]])
            assert member is not None
            member.organisation_id = orgs[event[2]] if event[2] < ORGS else None
            session.add(member)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(happened=events)
async def test_pairs_from_bits_are_the_plain_self_join(db: Database, happened: list[tuple[Any, ...]]) -> None:
    chat = Chat(make_core(db, ManualClock()), workspace=f"pairs{next(workspaces)}")
    c, *ids = await world(db, chat)
    for event in happened:
        await play(db, c, tuple(ids), event)
    async with db.session() as session:
        repo = ImpactRepo(session, c)
        expected = await plain_pairs(repo)
        found = {p for p in await repo.pair_counts(START, EARLIER) if p.kind != "match"}
    assert found == expected


def test_a_pair_is_dated_by_the_later_of_the_two() -> None:
    rows = [  # unit, organisation, joined before the recent window, joined before the one before
        ("g1", 1, 1, 1),
        ("g1", 2, 1, 0),
        ("g2", 1, 0, 0),
        ("g2", 2, 1, 1),
        ("g3", 1, 1, 1),
        ("g3", 2, 1, 1),
        ("g3", 3, 0, 0),
        ("g4", 1, 1, 1),
        ("g4", 2, 1, 1),
    ]
    assert set(shared("goal", rows)) == {
        PairCount(1, 2, "goal", 4, 1, 1),
        PairCount(1, 3, "goal", 1, 1, 0),
        PairCount(2, 3, "goal", 1, 1, 0),
    }
