"""Every figure the answers show is summed in SQL (SPEC §6: cost grows with the answer, not with
history). A property-based test draws random check-ins and checks each aggregate of
``CoalitionRepo`` against the plain sum of those check-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store.db import Database
from bot.store.models import Checkin, Goal, Member, Role
from bot.store.repo import SERIES_POINTS, CoalitionRepo, Directory

START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = 365 * 24 * 3600
NAMES = ("Ana", "bob", "Émile", "Zoë", "carl")
slugs = count()

checkins = st.lists(
    st.tuples(
        st.integers(0, 2),  # goal
        st.one_of(st.none(), st.integers(0, len(NAMES) - 1)),  # member (None: a former member)
        st.integers(-50, 400).map(lambda n: n / 4),  # amount, quarters (corrections are negative)
        st.integers(0, YEAR),  # seconds after START
        st.booleans(),  # blockers
    ),
    max_size=60,
)
windows = st.tuples(st.integers(0, YEAR), st.integers(1, YEAR))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=checkins, window=windows, observer=st.integers(0, len(NAMES) - 1))
async def test_every_figure_is_the_plain_sum_of_the_checkins(
    db: Database, drawn: list[tuple[int, int | None, float, int, bool]], window: tuple[int, int], observer: int
) -> None:
    async with db.unit_of_work() as session:
        coalition = await Directory(session).create_coalition(name="Figures", slug=f"figures-{next(slugs)}", tz="UTC")
        repo = CoalitionRepo(session, coalition.id or 0)
        goals = [await repo.add(Goal(coalition_id=repo.coalition_id, title=f"G{i}", target=100)) for i in range(3)]
        roles = [Role.OBSERVER.value if i == observer else Role.MEMBER.value for i in range(len(NAMES))]
        people = [
            await repo.add(Member(coalition_id=repo.coalition_id, display_name=name, role=role))
            for name, role in zip(NAMES, roles, strict=True)
        ]
        rows = [
            Checkin(
                coalition_id=repo.coalition_id,
                goal_id=goals[g].id or 0,
                member_id=None if m is None else people[m].id,
                amount=amount,
                blockers=f"blocker {i}" if blocked else "",
                created_at=START + timedelta(seconds=at),
            )
            for i, (g, m, amount, at, blocked) in enumerate(drawn)
        ]
        session.add_all(rows)
        await session.flush()
        ids = [g.id or 0 for g in goals]
        names = {p.id: p.display_name for p in people}
        since = START + timedelta(seconds=window[0])
        until = since + timedelta(seconds=window[1])
        period = [c for c in rows if since <= c.created_at < until]
        now = START + timedelta(seconds=YEAR + 1)

        # totals, all time and in a period
        totals = await repo.progress(ids)
        for goal_id in ids:
            plain = sum(c.amount for c in rows if c.goal_id == goal_id)
            assert totals.get(goal_id, 0.0) == pytest.approx(plain)
        in_period = await repo.progress(ids, since=since, until=until)
        for goal_id in ids:
            plain = sum(c.amount for c in period if c.goal_id == goal_id)
            assert in_period.get(goal_id, 0.0) == pytest.approx(plain)

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
            latest = sorted((c for c in rows if c.goal_id == goal_id), key=lambda c: (c.created_at, c.id or 0))[-5:]
            recent = await repo.recent_checkins(goal_id, 5)
            assert [c.id for c, _ in recent] == [c.id for c in reversed(latest)]
            assert [who for _, who in recent] == [names.get(c.member_id) for c in reversed(latest)]

        # who reported, who did not, the blockers of a period
        reporters = await repo.reporters(since, until)
        assert sorted(reporters, key=lambda n: n or "") == sorted(
            {names.get(c.member_id) for c in period}, key=lambda n: n or ""
        )
        reported = {c.member_id for c in period}
        silent = sorted(p.display_name for p in people if p.id not in reported and p.role != Role.OBSERVER.value)
        assert await repo.silent_members(since, until, 2) == (len(silent), silent[:2])
        assert [m.id for m in await repo.members_without_checkin(since, until)] == [
            p.id for p in people if p.id not in reported
        ]
        blocked = sorted((c for c in period if c.blockers), key=lambda c: (c.created_at, c.id or 0))[:3]
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
                upto = sum(
                    c.amount for c in rows if c.goal_id == goal_id and c.created_at <= at + timedelta(seconds=0.5)
                )
                assert running == pytest.approx(upto)

        # another coalition sees none of it
        other = await Directory(session).create_coalition(name="Other", slug=f"other-{next(slugs)}", tz="UTC")
        elsewhere = CoalitionRepo(session, other.id or 0)
        assert await elsewhere.progress(ids) == {}
        assert await elsewhere.series(ids, now=now) == {goal_id: [] for goal_id in ids}
        assert await elsewhere.reporters(since, until) == []


async def test_a_long_history_is_charted_in_a_few_hundred_points(db: Database) -> None:
    async with db.unit_of_work() as session:
        coalition = await Directory(session).create_coalition(name="Long", slug="long-history", tz="UTC")
        repo = CoalitionRepo(session, coalition.id or 0)
        goal = await repo.add(Goal(coalition_id=repo.coalition_id, title="Calls", target=10_000))
        for hour in range(0, 24 * 365, 3):  # every three hours for a year: 2,920 check-ins
            session.add(
                Checkin(
                    coalition_id=repo.coalition_id,
                    goal_id=goal.id or 0,
                    amount=1.0,
                    created_at=START + timedelta(hours=hour),
                )
            )
        await session.flush()
        points = (await repo.series([goal.id or 0], now=START + timedelta(days=366)))[goal.id or 0]
        assert 100 <= len(points) <= SERIES_POINTS + 1
        assert sum(a for _, a in points) == 2920
        assert points == sorted(points)
