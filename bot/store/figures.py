"""Goals and check-ins of one coalition, as figures sized by the answer (issue 16): goal totals and
chart series from the daily totals (:class:`GoalDay`), contributors from the totals per member
(:class:`GoalTally`), both kept beside the check-ins by ``tallies.py``; who reported, the silent and
the blockers of a period from that period's check-ins on the time indexes. A part of
:class:`bot.store.repo.CoalitionRepo`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Float, Integer, func
from sqlalchemy import cast as sa_cast
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import (
    Checkin,
    Goal,
    GoalDay,
    GoalStatus,
    GoalTally,
    Member,
    Role,
)

T = TypeVar("T", bound=SQLModel)

SERIES_POINTS = 200  # at most about this many points per chart line, however long the history


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _midnight(moment: datetime, *, up: bool) -> datetime:
    """The UTC midnight at or before ``moment`` (at or after it with ``up``)."""
    moment = _aware(moment).astimezone(UTC)
    day = datetime.combine(moment.date(), time(), UTC)
    return day + timedelta(days=1) if up and day < moment else day


class GoalFigures:
    """Goal and check-in queries of :class:`~bot.store.repo.CoalitionRepo`, filtered on its coalition."""

    session: AsyncSession
    coalition_id: int

    # goals and check-ins -----------------------------------------------------------------------

    async def goal(self, goal_id: int) -> Goal | None:
        query = select(Goal).where(Goal.coalition_id == self.coalition_id, Goal.id == goal_id)
        return (await self.session.exec(query)).first()

    async def goals(self, *, include_closed: bool = False) -> Sequence[Goal]:
        query = select(Goal).where(Goal.coalition_id == self.coalition_id)
        if not include_closed:
            query = query.where(Goal.status == GoalStatus.OPEN.value)
        return (await self.session.exec(query.order_by(col(Goal.id)))).all()

    async def progress(
        self,
        goal_ids: Sequence[int] | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[int, float]:
        """Each goal's total (of the check-ins in [since, until) when given): the whole UTC days from
        the daily totals (:class:`GoalDay`), the ragged ends of the period from the check-ins."""
        first_day = _midnight(since, up=True) if since is not None else None
        last_day = _midnight(until, up=False) if until is not None else None
        if first_day is not None and last_day is not None and first_day >= last_day:
            return await self._checkin_sums(goal_ids, [(since, until)])  # within a day or two
        days = select(GoalDay.goal_id, func.sum(GoalDay.amount)).where(GoalDay.coalition_id == self.coalition_id)
        if goal_ids is not None:
            days = days.where(col(GoalDay.goal_id).in_(list(goal_ids)))
        if first_day is not None:
            days = days.where(GoalDay.day >= first_day.date())
        if last_day is not None:
            days = days.where(GoalDay.day < last_day.date())
        totals = {
            goal_id: float(total)
            for goal_id, total in (await self.session.exec(days.group_by(col(GoalDay.goal_id)))).all()
        }
        ends: list[tuple[datetime | None, datetime | None]] = []
        if since is not None:
            ends.append((since, first_day))
        if until is not None:
            ends.append((last_day, until))
        for goal_id, total in (await self._checkin_sums(goal_ids, ends)).items() if ends else ():
            totals[goal_id] = totals.get(goal_id, 0.0) + total
        return totals

    async def _checkin_sums(
        self, goal_ids: Sequence[int] | None, spans: Sequence[tuple[datetime | None, datetime | None]]
    ) -> dict[int, float]:
        """Each goal's sum of the check-ins in the [since, until) spans, one range of the time index
        each (an OR of ranges would make SQLite read every check-in of the goals)."""
        totals: dict[int, float] = {}
        for since, until in spans:
            if since is not None and until is not None and since >= until:
                continue
            query = (
                select(Checkin.goal_id, func.coalesce(func.sum(Checkin.amount), 0.0))
                .where(Checkin.coalition_id == self.coalition_id)
                .group_by(col(Checkin.goal_id))
            )
            if goal_ids is not None:
                query = query.where(col(Checkin.goal_id).in_(list(goal_ids)))
            for goal_id, total in (await self.session.exec(self._period(query, since, until))).all():
                totals[goal_id] = totals.get(goal_id, 0.0) + float(total)
        return totals

    async def checkins(self, goal_id: int | None = None, *, since: datetime | None = None) -> Sequence[Checkin]:
        """Every check-in (of a goal, since a moment): for exports only, since it grows with history;
        answers use the aggregates below."""
        query = select(Checkin).where(Checkin.coalition_id == self.coalition_id)
        if goal_id is not None:
            query = query.where(Checkin.goal_id == goal_id)
        if since is not None:
            query = query.where(Checkin.created_at >= since)
        return (await self.session.exec(query.order_by(col(Checkin.created_at), col(Checkin.id)))).all()

    async def count(self, model: type[SQLModel]) -> int:
        """How many rows of a coalition table (a ``coalition_id`` column) this coalition has."""
        column = getattr(model, "coalition_id")  # noqa: B009  (not every model has it)
        query = select(func.count()).select_from(model).where(column == self.coalition_id)
        return int((await self.session.exec(query)).one())

    async def contributors(self, goal_id: int, limit: int) -> list[tuple[str | None, float]]:
        """The biggest contributors to a goal, largest first: (name, or None for former members, total),
        from the totals per member (:class:`GoalTally`, one row per member; former members' summed)."""
        total = func.sum(GoalTally.amount)
        query = (
            select(GoalTally.member_id, total)
            .where(GoalTally.coalition_id == self.coalition_id, GoalTally.goal_id == goal_id)
            .group_by(col(GoalTally.member_id))
            .order_by(total.desc(), col(GoalTally.member_id))
            .limit(limit)
        )
        rows = (await self.session.exec(query)).all()
        names = await self._names([member_id for member_id, _ in rows if member_id is not None])
        return [(names.get(member_id) if member_id else None, float(amount)) for member_id, amount in rows]

    async def recent_checkins(self, goal_id: int, limit: int) -> list[tuple[Checkin, str | None]]:
        """A goal's latest check-ins, newest first, each with its author's name (None: a former member)."""
        query = (
            select(Checkin)
            .where(Checkin.coalition_id == self.coalition_id, Checkin.goal_id == goal_id)
            .order_by(col(Checkin.created_at).desc(), col(Checkin.id).desc())
            .limit(limit)
        )
        rows = (await self.session.exec(query)).all()
        names = await self._names([c.member_id for c in rows if c.member_id is not None])
        return [(c, names.get(c.member_id) if c.member_id else None) for c in rows]

    async def reporters(self, since: datetime, until: datetime, limit: int) -> tuple[int, list[str | None]]:
        """How many took part in [since, until) — each member who checked in, plus one for former
        members if any of theirs fall in it — and the first ``limit`` names in code-point order
        (None, last: a former member). One probe of the member-time index per member, rather than
        reading the period's check-ins; the answer's size is ``limit``, whatever the membership."""
        reported = (Member.coalition_id == self.coalition_id, self._reported(since, until))
        count = int((await self.session.exec(select(func.count()).select_from(Member).where(*reported))).one())
        named = select(Member.display_name).where(*reported).order_by(self._binary(col(Member.display_name)))
        names: list[str | None] = list((await self.session.exec(named.limit(limit))).all())
        former = self._period(
            select(Checkin.id).where(Checkin.coalition_id == self.coalition_id, col(Checkin.member_id).is_(None)),
            since,
            until,
        )
        if (await self.session.exec(former.limit(1))).first() is not None:
            count += 1
            if len(names) < limit:
                names.append(None)
        return count, names

    async def silent_members(self, since: datetime, until: datetime, limit: int) -> tuple[int, list[str]]:
        """How many members (observers aside) did not check in during [since, until), and the first
        ``limit`` of their names in code-point order."""
        quiet = (
            col(Member.coalition_id) == self.coalition_id,
            col(Member.role) != Role.OBSERVER.value,
            ~self._reported(since, until),
        )
        count = int((await self.session.exec(select(func.count()).select_from(Member).where(*quiet))).one())
        query = select(Member.display_name).where(*quiet).order_by(self._binary(col(Member.display_name))).limit(limit)
        return count, list((await self.session.exec(query)).all())

    async def members_without_checkin(self, since: datetime, until: datetime) -> Sequence[Member]:
        """Members who did not check in during [since, until), in id order."""
        query = (
            select(Member)
            .where(Member.coalition_id == self.coalition_id, ~self._reported(since, until))
            .order_by(col(Member.id))
        )
        return (await self.session.exec(query)).all()

    async def blockers(self, since: datetime, until: datetime, limit: int) -> list[tuple[str | None, str]]:
        """The first blockers reported during [since, until): (name, or None for a former member; blockers)."""
        query = self._period(
            select(Checkin.member_id, Checkin.blockers).where(
                Checkin.coalition_id == self.coalition_id, Checkin.blockers != ""
            ),
            since,
            until,
        ).order_by(col(Checkin.created_at), col(Checkin.id))
        rows = (await self.session.exec(query.limit(limit))).all()
        names = await self._names([member_id for member_id, _ in rows if member_id is not None])
        return [(names.get(member_id) if member_id else None, text) for member_id, text in rows]

    async def series(
        self, goal_ids: Sequence[int], *, now: datetime, points: int = SERIES_POINTS
    ) -> dict[int, list[tuple[datetime, float]]]:
        """Each goal's check-ins as at most about ``points`` (when, amount) pairs for a chart, summed
        in SQL from the daily totals (:class:`GoalDay`) over equal spans of time from the first day to
        ``now``: each pair is a span's total at the moment of its last check-in, so the running total
        is exact at every point."""
        out: dict[int, list[tuple[datetime, float]]] = {goal_id: [] for goal_id in goal_ids}
        if not goal_ids:
            return out
        scope = (GoalDay.coalition_id == self.coalition_id, col(GoalDay.goal_id).in_(list(goal_ids)))
        moments = select(func.min(GoalDay.last_at), func.max(GoalDay.last_at)).where(*scope)
        first, last = (await self.session.exec(moments)).one()
        if first is None or last is None:
            return out
        first, last = _aware(first), _aware(last)
        start = first.timestamp() - 1.0  # a second early, so rounding never puts one before the start
        width = (max(last, now).timestamp() - start) / points
        at = self._epoch(col(GoalDay.last_at))
        bucket = sa_cast((at - start) / width, Integer)
        query = select(GoalDay.goal_id, func.max(at), func.sum(GoalDay.amount)).where(*scope)
        query = query.group_by(col(GoalDay.goal_id), bucket).order_by(col(GoalDay.goal_id), func.max(at))
        for goal_id, moment, amount in (await self.session.exec(query)).all():
            out[goal_id].append((datetime.fromtimestamp(float(moment), UTC), float(amount)))
        return out

    # helpers of the aggregates

    async def _names(self, member_ids: Sequence[int]) -> dict[int, str]:
        if not member_ids:
            return {}
        query = select(Member.id, Member.display_name).where(
            Member.coalition_id == self.coalition_id, col(Member.id).in_(sorted(set(member_ids)))
        )
        return {member_id: name for member_id, name in (await self.session.exec(query)).all() if member_id}

    def _period(self, query: Any, since: datetime | None, until: datetime | None) -> Any:
        if since is not None:
            query = query.where(Checkin.created_at >= since)
        if until is not None:
            query = query.where(Checkin.created_at < until)
        return query

    def _reported(self, since: datetime, until: datetime) -> Any:
        """Whether a member has a check-in in [since, until) (a correlated EXISTS on the time index)."""
        inner = self._period(
            select(Checkin.id).where(Checkin.coalition_id == self.coalition_id, Checkin.member_id == Member.id),
            since,
            until,
        )
        return inner.exists()

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _epoch(self, column: Any) -> Any:
        """Seconds since 1970 of a stored moment, in SQL."""
        if self._dialect() == "postgresql":
            return sa_cast(func.extract("epoch", column), Float)
        return (func.julianday(column) - 2440587.5) * 86400.0

    def _binary(self, column: Any) -> Any:
        """Order by code point, as Python sorts, on both databases."""
        return column.collate("C") if self._dialect() == "postgresql" else column

    async def checkin_by_request(self, request_key: str) -> Checkin | None:
        query = select(Checkin).where(Checkin.coalition_id == self.coalition_id, Checkin.request_key == request_key)
        return (await self.session.exec(query)).first()
