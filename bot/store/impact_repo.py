"""Impact data of one coalition: wins, pulses, and the work organisations did together and the leads
members took, read from the other workflows' tables. Every query filters on the coalition."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, delete, func, update
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.impact_models import Pulse, PulseComment, PulseResponder, PulseTally, Win
from bot.store.impact_work import ImpactWork, Lead, PairCount
from bot.store.models import Coalition, Goal, Identity, Member

SCORES = (1, 2, 3, 4, 5)

__all__ = ["ImpactRepo", "Lead", "PairCount", "any_pulse", "reminders_due"]


class ImpactRepo(ImpactWork):
    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    # wins --------------------------------------------------------------------------------------

    async def add(self, row: Win | Pulse | PulseComment | PulseResponder) -> None:
        row.coalition_id = self.coalition_id
        self.session.add(row)
        await self.session.flush()

    async def wins(self, *, limit: int | None = None) -> Sequence[Win]:
        """The newest wins first (all of them without ``limit``: the export)."""
        query = select(Win).where(Win.coalition_id == self.coalition_id)
        query = query.order_by(col(Win.won_on).desc(), col(Win.id).desc())
        return (await self.session.exec(query if limit is None else query.limit(limit))).all()

    async def win_counts(self) -> tuple[int, int]:
        """How many wins, and how many of them shifted the political climate."""
        query = select(func.count(), func.sum(case((col(Win.climate), 1), else_=0))).where(
            Win.coalition_id == self.coalition_id
        )
        total, climate = (await self.session.exec(query)).one()
        return int(total), int(climate or 0)

    async def wins_per_day(self, since: date) -> Sequence[tuple[date, int, int]]:
        """Wins and climate shifts per day from ``since`` on (the report's months)."""
        query = (
            sql_select(col(Win.won_on), func.count(), func.sum(case((col(Win.climate), 1), else_=0)))
            .where(col(Win.coalition_id) == self.coalition_id, col(Win.won_on) >= since)
            .group_by(col(Win.won_on))
        )
        return [(day, int(n), int(c or 0)) for day, n, c in (await self.session.exec(query)).all()]  # type: ignore[call-overload]

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
