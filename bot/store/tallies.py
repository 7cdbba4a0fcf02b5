"""Check-ins and the totals kept beside them (issue 16): every change to check-ins goes through here,
so :class:`~bot.store.models.GoalTally` (per goal and member) and :class:`~bot.store.models.GoalDay`
(per goal and UTC day) change in the same transaction as the check-ins they sum. A part of
:class:`bot.store.repo.CoalitionRepo`.

The counts are upserts (``INSERT … ON CONFLICT DO UPDATE``, one statement on both databases), safe
when several check-ins on one goal commit at once; a command that is retried either finds its
request already claimed or was rolled back whole, check-in and counts together, so nothing counts
twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from sqlalchemy import bindparam, delete, func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Checkin, GoalDay, GoalTally, Member


class CheckinTallies:
    """Check-in writes of :class:`~bot.store.repo.CoalitionRepo`, filtered on its coalition."""

    session: AsyncSession
    coalition_id: int

    async def add_checkin(self, entry: Checkin) -> Checkin:
        """Record a check-in and count it in the totals."""
        await self.add_checkins([entry])
        return entry

    async def add_checkins(self, entries: Iterable[Checkin]) -> None:
        rows = list(entries)
        for entry in rows:
            if entry.coalition_id != self.coalition_id:
                raise ValueError("row belongs to another coalition")
        self.session.add_all(rows)
        await self.session.flush()  # a taken request key fails here, before anything is counted
        for entry in rows:
            await self._count(entry)

    async def merge_checkins(self, from_id: int, into_id: int) -> None:
        """``/coalition connect``: member ``from_id``'s check-ins and totals become ``into_id``'s.
        On PostgreSQL the member's row is locked first: a check-in of theirs committing meanwhile
        either lands before (and is moved with the rest) or waits and is retried as ``into_id``'s."""
        await self.session.exec(  # type: ignore[call-overload]
            select(Member.id)
            .where(col(Member.coalition_id) == self.coalition_id, col(Member.id) == from_id)
            .with_for_update()
        )
        mine = (col(Checkin.coalition_id) == self.coalition_id, col(Checkin.member_id) == from_id)
        await self.session.exec(update(Checkin).where(*mine).values(member_id=into_id))  # type: ignore[call-overload]
        theirs = (col(GoalTally.coalition_id) == self.coalition_id, col(GoalTally.member_id) == from_id)
        for row in (await self.session.exec(select(GoalTally).where(*theirs).order_by(col(GoalTally.goal_id)))).all():
            await self._upsert_tally(row.goal_id, into_id, row.amount, row.checkins, row.first_at, row.last_at)
        await self.session.exec(delete(GoalTally).where(*theirs))  # type: ignore[call-overload]

    async def unattribute_checkins(self, member_id: int, placeholder: str) -> None:
        """Forget-me: the member's check-ins lose their author and their notes and blockers become
        ``placeholder``; the amounts stay in every total, as a former member's."""
        mine = (col(Checkin.coalition_id) == self.coalition_id, col(Checkin.member_id) == member_id)
        await self.session.exec(  # type: ignore[call-overload]
            update(Checkin).where(*mine, col(Checkin.note) != "").values(note=placeholder)
        )
        await self.session.exec(  # type: ignore[call-overload]
            update(Checkin).where(*mine, col(Checkin.blockers) != "").values(blockers=placeholder)
        )
        await self.session.exec(update(Checkin).where(*mine).values(member_id=None))  # type: ignore[call-overload]
        await self.session.exec(  # type: ignore[call-overload]
            update(GoalTally)
            .where(col(GoalTally.coalition_id) == self.coalition_id, col(GoalTally.member_id) == member_id)
            .values(member_id=None)
        )

    async def recount(self) -> None:
        """Rebuild this coalition's totals from its check-ins (after bulk loads; the migration that
        introduced the totals does the same for every coalition)."""
        for model in (GoalTally, GoalDay):
            await self.session.exec(delete(model).where(col(model.coalition_id) == self.coalition_id))  # type: ignore[call-overload]
        for statement in backfill_sql(self.session.get_bind().dialect.name, where="WHERE coalition_id = :c"):
            await self.session.exec(text(statement), params={"c": self.coalition_id})  # type: ignore[call-overload]

    # the counting ------------------------------------------------------------------------------

    async def _count(self, entry: Checkin) -> None:
        at = entry.created_at
        day = {
            "coalition_id": self.coalition_id,
            "goal_id": entry.goal_id,
            "day": at.astimezone(UTC).date(),
            "amount": entry.amount,
            "checkins": 1,
            "last_at": at,
        }
        await self.session.exec(upsert(self._dialect(), "day"), params=day)  # type: ignore[call-overload]
        await self._upsert_tally(entry.goal_id, entry.member_id, entry.amount, 1, at, at)

    async def _upsert_tally(
        self, goal_id: int, member_id: int | None, amount: float, checkins: int, first_at: Any, last_at: Any
    ) -> None:
        values = {
            "coalition_id": self.coalition_id,
            "goal_id": goal_id,
            "member_id": member_id,
            "amount": amount,
            "checkins": checkins,
            "first_at": first_at,
            "last_at": last_at,
        }
        # member None (a former member's) is never equal to another row's NULL: a row of its own,
        # summed on reading
        kind = "tally" if member_id is not None else "former"
        await self.session.exec(upsert(self._dialect(), kind), params=values)  # type: ignore[call-overload]

    def _dialect(self) -> str:
        return str(self.session.get_bind().dialect.name)


_UPSERTS: dict[tuple[str, str], Any] = {}
_DAY = ("coalition_id", "goal_id", "day", "amount", "checkins", "last_at")
_TALLY = ("coalition_id", "goal_id", "member_id", "amount", "checkins", "first_at", "last_at")


def upsert(dialect: str, kind: str) -> Any:
    """The statement that adds one check-in (or a merged member's totals) to ``goalday`` ("day") or
    ``goaltally`` ("tally"; "former": a plain insert for a former member's row), built once per
    dialect with bound parameters, so each check-in reuses its compiled form."""
    key = (dialect, kind)
    statement = _UPSERTS.get(key)
    if statement is not None:
        return statement
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    greatest, least = (func.greatest, func.least) if dialect == "postgresql" else (func.max, func.min)
    # SQLite's two-argument max()/min() are its GREATEST/LEAST; both store moments comparably (UTC)
    if kind == "day":
        table = GoalDay.__table__  # type: ignore[attr-defined]
        ins = insert(GoalDay).values({name: bindparam(name) for name in _DAY})
        statement = ins.on_conflict_do_update(
            index_elements=[table.c.coalition_id, table.c.goal_id, table.c.day],
            set_={
                "amount": table.c.amount + ins.excluded.amount,
                "checkins": table.c.checkins + ins.excluded.checkins,
                "last_at": greatest(table.c.last_at, ins.excluded.last_at),
            },
        )
    else:
        table = GoalTally.__table__  # type: ignore[attr-defined]
        ins = insert(GoalTally).values({name: bindparam(name) for name in _TALLY})
        statement = ins
        if kind == "tally":
            statement = ins.on_conflict_do_update(
                index_elements=[table.c.coalition_id, table.c.goal_id, table.c.member_id],
                set_={
                    "amount": table.c.amount + ins.excluded.amount,
                    "checkins": table.c.checkins + ins.excluded.checkins,
                    "first_at": least(table.c.first_at, ins.excluded.first_at),
                    "last_at": greatest(table.c.last_at, ins.excluded.last_at),
                },
            )
    _UPSERTS[key] = statement
    return statement


def backfill_sql(dialect: str, where: str = "") -> list[str]:
    """The INSERT … SELECT … GROUP BY statements that sum check-ins into both tables (``where``
    filters the check-ins, e.g. on a coalition). Migration 0015 carries a copy of its own."""
    day = "CAST((created_at AT TIME ZONE 'UTC') AS DATE)" if dialect == "postgresql" else "date(created_at)"
    return [
        "INSERT INTO goaltally (coalition_id, goal_id, member_id, amount, checkins, first_at, last_at)"
        " SELECT coalition_id, goal_id, member_id, SUM(amount), COUNT(*), MIN(created_at), MAX(created_at)"
        f" FROM checkin {where} GROUP BY coalition_id, goal_id, member_id",
        "INSERT INTO goalday (coalition_id, goal_id, day, amount, checkins, last_at)"
        f" SELECT coalition_id, goal_id, {day}, SUM(amount), COUNT(*), MAX(created_at)"
        f" FROM checkin {where} GROUP BY coalition_id, goal_id, {day}",
    ]
