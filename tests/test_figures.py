"""Every figure the answers show is summed in SQL (SPEC §6: cost grows with the answer, not with
history). A property-based test draws random check-ins, member merges and forget-me, and checks each
aggregate of ``CoalitionRepo``, and the totals kept beside the check-ins (``GoalTally``, ``GoalDay``),
against the plain sum of those check-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import Database
from bot.store.models import Checkin, Goal, GoalDay, GoalTally, Member, Role
from bot.store.repo import SERIES_POINTS, CoalitionRepo, Directory

START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = 365 * 24 * 3600
NAMES = ("Ana", "bob", "Émile", "Zoë", "carl")
slugs = count()

checkin_op = st.tuples(
    st.just("checkin"),
    st.integers(0, 2),  # goal
    st.one_of(st.none(), st.integers(0, len(NAMES) - 1)),  # member (None: a former member)
    st.integers(-50, 400).map(lambda n: n / 4),  # amount, quarters (corrections are negative)
    st.integers(0, YEAR),  # seconds after START
    st.booleans(),  # blockers
)
merge_op = st.tuples(st.just("merge"), st.integers(0, len(NAMES) - 1), st.integers(0, len(NAMES) - 1))  # from, into
forget_op = st.tuples(st.just("forget"), st.integers(0, len(NAMES) - 1))
operations = st.lists(st.one_of(checkin_op, checkin_op, checkin_op, merge_op, forget_op), max_size=60)
windows = st.tuples(st.integers(0, YEAR), st.integers(1, YEAR))
REMOVED = "(removed)"


@dataclass
class Plain:
    """One check-in as the test keeps it, beside the database: the plain truth to sum."""

    row: Checkin
    goal_id: int
    member_id: int | None
    amount: float
    at: datetime
    blockers: str


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, window=windows, observer=st.integers(0, len(NAMES) - 1))
async def test_every_figure_is_the_plain_sum_of_the_checkins(
    db: Database, ops: list[tuple[Any, ...]], window: tuple[int, int], observer: int
) -> None:
    """Random check-ins, merges of two members (``/coalition connect``) and forget-me, in any order:
    every figure, and every row of the totals kept beside the check-ins, equals the plain sum."""
    async with db.unit_of_work() as session:
        coalition = await Directory(session).create_coalition(name="Figures", slug=f"figures-{next(slugs)}", tz="UTC")
        repo = CoalitionRepo(session, coalition.id or 0)
        goals = [await repo.add(Goal(coalition_id=repo.coalition_id, title=f"G{i}", target=100)) for i in range(3)]
        roles = [Role.OBSERVER.value if i == observer else Role.MEMBER.value for i in range(len(NAMES))]
        people = [
            await repo.add(Member(coalition_id=repo.coalition_id, display_name=name, role=role))
            for name, role in zip(NAMES, roles, strict=True)
        ]
        living = {p.id: p for p in people}
        rows: list[Plain] = []
        for i, op in enumerate(ops):
            if op[0] == "checkin":
                _, g, m, amount, at, blocked = op
                member_id = None if m is None else people[m].id
                if member_id is not None and member_id not in living:
                    continue  # gone: merged or forgotten
                row = Checkin(
                    coalition_id=repo.coalition_id,
                    goal_id=goals[g].id or 0,
                    member_id=member_id,
                    amount=amount,
                    blockers=f"blocker {i}" if blocked else "",
                    created_at=START + timedelta(seconds=at),
                )
                await repo.add_checkin(row)
                rows.append(Plain(row, row.goal_id, member_id, amount, row.created_at, row.blockers))
            elif op[0] == "merge":
                source, into = people[op[1]].id, people[op[2]].id
                if source == into or source not in living or into not in living:
                    continue
                await repo.merge_checkins(source or 0, into or 0)
                await repo.forget_member(living.pop(source))  # as /coalition connect does after the hooks
                for plain in rows:
                    plain.member_id = into if plain.member_id == source else plain.member_id
            else:
                gone = people[op[1]].id
                if gone not in living:
                    continue
                await repo.unattribute_checkins(gone or 0, REMOVED)
                await repo.forget_member(living.pop(gone))
                for plain in rows:
                    if plain.member_id == gone:
                        plain.member_id = None
                        plain.blockers = REMOVED if plain.blockers else ""
        await session.flush()
        ids = [g.id or 0 for g in goals]
        names = {p.id: p.display_name for p in living.values()}
        since = START + timedelta(seconds=window[0])
        until = since + timedelta(seconds=window[1])
        period = [c for c in rows if since <= c.at < until]
        now = START + timedelta(seconds=YEAR + 1)

        # the totals kept beside the check-ins, row by row
        await check_totals(session, repo.coalition_id, rows)

        # totals, all time and in a period
        totals = await repo.progress(ids)
        for goal_id in ids:
            plain = sum(c.amount for c in rows if c.goal_id == goal_id)
            assert totals.get(goal_id, 0.0) == pytest.approx(plain)
        in_period = await repo.progress(ids, since=since, until=until)
        for goal_id in ids:
            plain = sum(c.amount for c in period if c.goal_id == goal_id)
            assert in_period.get(goal_id, 0.0) == pytest.approx(plain)
        for start, end in ((None, until), (since, None)):  # open-ended periods
            some = await repo.progress(ids, since=start, until=end)
            for goal_id in ids:
                plain = sum(
                    c.amount
                    for c in rows
                    if c.goal_id == goal_id and (start is None or c.at >= start) and (end is None or c.at < end)
                )
                assert some.get(goal_id, 0.0) == pytest.approx(plain)

        # contributors of a goal, largest first
        for goal_id in ids:
            by_member: dict[int | None, float] = {}
            for c in rows:
                if c.goal_id == goal_id:
                    by_member[c.member_id] = by_member.get(c.member_id, 0.0) + c.amount
            top = await repo.contributors(goal_id, 10)
            assert sorted(amount for _, amount in top) == pytest.approx(sorted(by_member.values()))
            assert [amount for _, amount in top] == sorted((amount for _, amount in top), reverse=True)
            assert dict(top) == pytest.approx({(names.get(m) if m else None): a for m, a in by_member.items()})

            # the latest five, newest first
            latest = sorted((c for c in rows if c.goal_id == goal_id), key=lambda c: (c.at, c.row.id or 0))[-5:]
            recent = await repo.recent_checkins(goal_id, 5)
            assert [c.id for c, _ in recent] == [c.row.id for c in reversed(latest)]
            assert [who for _, who in recent] == [names.get(c.member_id) for c in reversed(latest)]

        # who reported, who did not, the blockers of a period
        took_part = {c.member_id for c in period}  # None: former members, counted once
        by_name = sorted((names[m] for m in took_part if m is not None), key=lambda n: n.encode())
        everyone = by_name + ([None] if None in took_part else [])
        assert await repo.reporters(since, until, 10_000) == (len(took_part), everyone)
        assert await repo.reporters(since, until, 2) == (len(took_part), everyone[:2])
        reported = {c.member_id for c in period}
        alive = [p for p in people if p.id in living]
        silent = sorted(p.display_name for p in alive if p.id not in reported and p.role != Role.OBSERVER.value)
        assert await repo.silent_members(since, until, 2) == (len(silent), silent[:2])
        assert [m.id for m in await repo.members_without_checkin(since, until)] == [
            p.id for p in alive if p.id not in reported
        ]
        blocked = sorted((c for c in period if c.blockers), key=lambda c: (c.at, c.row.id or 0))[:3]
        assert await repo.blockers(since, until, 3) == [(names.get(c.member_id), c.blockers) for c in blocked]

        # chart series: a few hundred points at most, and the running total exact at every point
        series = await repo.series(ids, now=now)
        for goal_id in ids:
            points = series[goal_id]
            assert len(points) <= SERIES_POINTS + 1
            assert sum(a for _, a in points) == pytest.approx(sum(c.amount for c in rows if c.goal_id == goal_id))
            running = 0.0
            for at, amount in points:
                running += amount
                upto = sum(c.amount for c in rows if c.goal_id == goal_id and c.at <= at + timedelta(seconds=0.5))
                assert running == pytest.approx(upto)

        # rebuilt from the check-ins, the totals are the same
        await repo.recount()
        await check_totals(session, repo.coalition_id, rows)

        # another coalition sees none of it
        other = await Directory(session).create_coalition(name="Other", slug=f"other-{next(slugs)}", tz="UTC")
        elsewhere = CoalitionRepo(session, other.id or 0)
        assert await elsewhere.progress(ids) == {}
        assert await elsewhere.progress(ids, since=since, until=until) == {}
        assert await elsewhere.contributors(ids[0], 10) == []
        assert await elsewhere.series(ids, now=now) == {goal_id: [] for goal_id in ids}
        assert await elsewhere.reporters(since, until, 10) == (0, [])


async def check_totals(session: AsyncSession, coalition_id: int, rows: list[Plain]) -> None:
    """GoalTally (per goal and member, former members' summed) and GoalDay (per goal and UTC day)
    hold exactly the sums, counts and first and last moments of the check-ins."""
    tallies: dict[tuple[int, int | None], tuple[float, int, datetime, datetime]] = {}
    query = select(GoalTally).where(GoalTally.coalition_id == coalition_id)
    for t in (await session.exec(query)).all():
        amount, n, first, last = tallies.get((t.goal_id, t.member_id), (0.0, 0, t.first_at, t.last_at))
        tallies[(t.goal_id, t.member_id)] = (
            amount + t.amount,
            n + t.checkins,
            min(first, t.first_at),
            max(last, t.last_at),
        )
    expected: dict[tuple[int, int | None], tuple[float, int, datetime, datetime]] = {}
    for c in rows:
        amount, n, first, last = expected.get((c.goal_id, c.member_id), (0.0, 0, c.at, c.at))
        expected[(c.goal_id, c.member_id)] = (amount + c.amount, n + 1, min(first, c.at), max(last, c.at))
    assert set(tallies) == set(expected)
    for key, (amount, n, first, last) in expected.items():
        assert tallies[key] == (pytest.approx(amount), n, first, last), key

    days = {
        (d.goal_id, d.day): (d.amount, d.checkins, d.last_at)
        for d in (await session.exec(select(GoalDay).where(GoalDay.coalition_id == coalition_id))).all()
    }
    by_day: dict[tuple[int, date], tuple[float, int, datetime]] = {}
    for c in rows:
        amount, n, last = by_day.get((c.goal_id, c.at.date()), (0.0, 0, c.at))
        by_day[(c.goal_id, c.at.date())] = (amount + c.amount, n + 1, max(last, c.at))
    assert set(days) == set(by_day)
    for key, (amount, n, last) in by_day.items():
        assert days[key] == (pytest.approx(amount), n, last), key


async def test_a_long_history_is_charted_in_a_few_hundred_points(db: Database) -> None:
    async with db.unit_of_work() as session:
        coalition = await Directory(session).create_coalition(name="Long", slug="long-history", tz="UTC")
        repo = CoalitionRepo(session, coalition.id or 0)
        goal = await repo.add(Goal(coalition_id=repo.coalition_id, title="Calls", target=10_000))
        await repo.add_checkins(  # every three hours for a year: 2,920 check-ins
            Checkin(
                coalition_id=repo.coalition_id, goal_id=goal.id or 0, amount=1.0, created_at=START + timedelta(hours=h)
            )
            for h in range(0, 24 * 365, 3)
        )
        points = (await repo.series([goal.id or 0], now=START + timedelta(days=366)))[goal.id or 0]
        assert 100 <= len(points) <= SERIES_POINTS + 1
        assert sum(a for _, a in points) == 2920
        assert points == sorted(points)
