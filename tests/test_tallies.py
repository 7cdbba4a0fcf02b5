"""The totals kept beside the check-ins (``GoalTally``, ``GoalDay``; issue 16): filled by migration 0015
from the check-ins already there, kept in the check-in's own transaction (a retried or failed
command counts nothing twice), and right when several check-ins on one goal commit at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.store.db import Database
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Checkin, Coalition, Goal, GoalDay, GoalTally, Member
from bot.store.repo import CoalitionRepo
from tests.support import Chat
from tests.test_scheduling_runtime import setup

START = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)


async def downgrade(db: Database, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def tallies(db: Database) -> list[tuple[int, int | None, float, int, datetime, datetime]]:
    async with db.session() as session:
        rows = (await session.exec(select(GoalTally))).all()
    return sorted(
        ((t.goal_id, t.member_id, t.amount, t.checkins, t.first_at, t.last_at) for t in rows),
        key=lambda t: (t[0], t[1] or 0),
    )


async def days(db: Database) -> list[tuple[int, date, float, int, datetime]]:
    async with db.session() as session:
        rows = (await session.exec(select(GoalDay))).all()
    return sorted((d.goal_id, d.day, d.amount, d.checkins, d.last_at) for d in rows)


async def test_the_migration_sums_the_checkins_already_there(db: Database) -> None:
    await downgrade(db, "0014")
    try:
        async with db.unit_of_work() as session:
            coalition = Coalition(name="Before", slug="before")
            session.add(coalition)
            await session.flush()
            c = coalition.id or 0
            goal = Goal(coalition_id=c, title="Calls", target=100)
            ana, bob = Member(coalition_id=c, display_name="Ana"), Member(coalition_id=c, display_name="Bob")
            session.add_all([goal, ana, bob])
            await session.flush()
            g = goal.id or 0
            for hours, member, amount in (
                (0, ana, 5.0),
                (1, ana, 2.5),
                (3, bob, 4.0),
                (26, None, 1.0),
                (27, None, 2.0),
            ):
                session.add(
                    Checkin(
                        coalition_id=c,
                        goal_id=g,
                        member_id=member.id if member else None,
                        amount=amount,
                        created_at=START + timedelta(hours=hours),
                    )
                )
    finally:
        await upgrade(db)
    at = [START + timedelta(hours=h) for h in (0, 1, 3, 26, 27)]
    expected = [(g, None, 3.0, 2, at[3], at[4]), (g, ana.id, 7.5, 2, at[0], at[1]), (g, bob.id, 4.0, 1, at[2], at[2])]
    assert await tallies(db) == sorted(expected, key=lambda t: (t[0], t[1] or 0))
    # 22:00 and 23:00 UTC on 1 March, then 01:00, 00:00 and 01:00 (UTC days, whatever the coalition's zone)
    assert await days(db) == [
        (g, date(2026, 3, 1), 7.5, 2, at[1]),
        (g, date(2026, 3, 2), 4.0, 1, at[2]),
        (g, date(2026, 3, 3), 3.0, 2, at[4]),
    ]
    async with db.session() as session:
        assert await CoalitionRepo(session, c).progress([g]) == {g: pytest.approx(14.5)}


async def test_a_retried_or_failed_checkin_counts_nothing_twice(chat: Chat, db: Database, clock: ManualClock) -> None:
    await setup(chat, clock)
    first = await chat.say("bob", "/checkin 7 goal=1", request_id="trigger-1")
    again = await chat.say("bob", "/checkin 7 goal=1", request_id="trigger-1")  # the platform's retry
    assert not first.is_error
    assert not again.is_error
    [(goal_id, member_id, amount, count, _, _)] = await tallies(db)
    assert (goal_id, amount, count) == (1, 7.0, 1)
    assert [(d[2], d[3]) for d in await days(db)] == [(7.0, 1)]

    # a command that fails after the check-in is written leaves neither the check-in nor its count
    async def fails_after_the_checkin() -> None:
        async with db.unit_of_work() as session:
            repo = CoalitionRepo(session, 1)
            await repo.add_checkin(Checkin(coalition_id=1, goal_id=1, member_id=member_id, amount=50.0))
            raise RuntimeError("the reply could not be built")

    with pytest.raises(RuntimeError):
        await fails_after_the_checkin()
    assert [(t[2], t[3]) for t in await tallies(db)] == [(7.0, 1)]
    assert [(d[2], d[3]) for d in await days(db)] == [(7.0, 1)]
    assert "7 / 100 calls" in (await chat.say("bob", "/goal show 1")).plain()


async def test_checkins_committed_at_once_on_one_goal_all_count(db: Database) -> None:
    """Every check-in lands on the same two total rows (one member, one goal, one day) from its own
    transaction at the same time: the upserts add up, none is lost, none fails."""
    async with db.unit_of_work() as session:
        coalition = Coalition(name="Busy", slug="busy")
        session.add(coalition)
        await session.flush()
        c = coalition.id or 0
        goal, member = Goal(coalition_id=c, title="Calls", target=100), Member(coalition_id=c, display_name="Ana")
        session.add_all([goal, member])
    n = 8

    async def one(i: int) -> None:
        async with db.unit_of_work() as session:
            entry = Checkin(
                coalition_id=c,
                goal_id=goal.id or 0,
                member_id=member.id,
                amount=float(i + 1),
                request_key=f"req-{i}",
                created_at=START + timedelta(minutes=i),
            )
            await CoalitionRepo(session, c).add_checkin(entry)

    await asyncio.gather(*(one(i) for i in range(n)))
    total = n * (n + 1) / 2
    assert [(t[2], t[3], t[5]) for t in await tallies(db)] == [(total, n, START + timedelta(minutes=n - 1))]
    assert [(d[2], d[3]) for d in await days(db)] == [(total, n)]
    async with db.session() as session:
        stored = (await session.exec(select(Checkin.amount).where(col(Checkin.coalition_id) == c))).all()
    assert sum(stored) == total
