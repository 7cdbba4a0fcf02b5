"""Decision data of one coalition. Every query filters on the coalition, so a decision id of another
coalition finds nothing; counts are aggregated in SQL and lists paged in SQL. The functions at the
bottom answer the scheduler's cross-coalition questions (what is due?) and the public page's."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.decision_models import (
    Decision,
    DecisionDelegate,
    DecisionElector,
    DecisionLogEntry,
    DecisionParticipant,
    DecisionStatus,
    DecisionVote,
    SecretBallot,
)
from bot.store.models import Identity, Member
from bot.store.outbox_models import OutboxMessage
from bot.store.scoped import Scoped

Row = Decision | DecisionElector | DecisionVote | DecisionDelegate | DecisionLogEntry


class DecisionRepo(Scoped[Row]):
    async def members(self, ids: Sequence[int] | None = None) -> Sequence[Member]:
        query = select(Member).where(Member.coalition_id == self.coalition_id)
        if ids is not None:
            query = query.where(col(Member.id).in_(list(ids)))
        return (await self.session.exec(query.order_by(col(Member.id)))).all()

    # decisions ---------------------------------------------------------------------------------

    async def decision(self, decision_id: int) -> Decision | None:
        row = await self.session.get(Decision, decision_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def decision_by_request(self, request_key: str) -> Decision | None:
        query = select(Decision).where(Decision.coalition_id == self.coalition_id, Decision.request_key == request_key)
        return (await self.session.exec(query)).first()

    async def decisions(self, status: str, *, limit: int = 25) -> Sequence[Decision]:
        """Newest first."""
        query = (
            select(Decision)
            .where(Decision.coalition_id == self.coalition_id, Decision.status == status)
            .order_by(col(Decision.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(query)).all()

    async def count(self, status: str) -> int:
        query = select(func.count()).where(Decision.coalition_id == self.coalition_id, Decision.status == status)
        return int((await self.session.exec(query)).one())

    # the electorate ----------------------------------------------------------------------------

    async def freeze(
        self, decision: Decision, *, members: Sequence[int] = (), organisations: Sequence[int] = ()
    ) -> int:
        rows = [
            DecisionElector(coalition_id=self.coalition_id, decision_id=decision.id or 0, member_id=m) for m in members
        ] + [
            DecisionElector(coalition_id=self.coalition_id, decision_id=decision.id or 0, organisation_id=o)
            for o in organisations
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return len(rows)

    async def is_elector(self, decision_id: int, *, member_id: int | None = None, org_id: int | None = None) -> bool:
        query = select(DecisionElector.id).where(
            DecisionElector.coalition_id == self.coalition_id, DecisionElector.decision_id == decision_id
        )
        if member_id is not None:
            query = query.where(DecisionElector.member_id == member_id)
        else:
            query = query.where(DecisionElector.organisation_id == org_id)
        return (await self.session.exec(query.limit(1))).first() is not None

    async def electors(self, decision_id: int) -> tuple[list[int], list[int]]:
        """(member ids, organisation ids) who may vote, as frozen at proposal."""
        query = select(DecisionElector.member_id, DecisionElector.organisation_id).where(
            DecisionElector.coalition_id == self.coalition_id, DecisionElector.decision_id == decision_id
        )
        rows = (await self.session.exec(query)).all()
        return [m for m, _o in rows if m is not None], [o for _m, o in rows if o is not None]

    # open ballots ------------------------------------------------------------------------------

    async def votes(self, decision_id: int) -> Sequence[DecisionVote]:
        query = select(DecisionVote).where(
            DecisionVote.coalition_id == self.coalition_id, DecisionVote.decision_id == decision_id
        )
        return (await self.session.exec(query.order_by(col(DecisionVote.id)))).all()

    async def vote_of(self, decision_id: int, member_id: int) -> DecisionVote | None:
        query = select(DecisionVote).where(
            DecisionVote.coalition_id == self.coalition_id,
            DecisionVote.decision_id == decision_id,
            DecisionVote.member_id == member_id,
        )
        return (await self.session.exec(query)).first()

    async def record_vote(
        self,
        decision: Decision,
        member_id: int,
        org_id: int | None,
        choice: dict[str, Any],
        reason: str,
        now: datetime,
    ) -> bool:
        """The member's open ballot, changed in place; whether anything changed (a repeated click or a
        retried request changes nothing)."""
        existing = await self.vote_of(decision.id or 0, member_id)
        if existing is not None:
            if existing.choice == choice and existing.reason == reason:
                return False
            existing.choice, existing.reason, existing.updated_at = choice, reason, now
            existing.organisation_id = org_id
            await self.save(existing)
            return True
        await self.add(
            DecisionVote(
                coalition_id=self.coalition_id,
                decision_id=decision.id or 0,
                member_id=member_id,
                organisation_id=org_id,
                choice=choice,
                reason=reason,
                updated_at=now,
            )
        )
        return True

    # secret ballots ----------------------------------------------------------------------------

    async def took_part(self, decision_id: int, member_id: int) -> bool:
        return await self.session.get(DecisionParticipant, (decision_id, member_id)) is not None

    async def org_took_part(self, decision_id: int, org_id: int) -> bool:
        query = select(DecisionParticipant.member_id).where(
            DecisionParticipant.coalition_id == self.coalition_id,
            DecisionParticipant.decision_id == decision_id,
            DecisionParticipant.org_ballot == org_id,
        )
        return (await self.session.exec(query)).first() is not None

    async def cast_secret(self, decision: Decision, member_id: int, org_id: int | None, choice: dict[str, Any]) -> None:
        """That the member took part, and — apart from it, under a random id, with no time — the
        ballot. The uniqueness of participation (per member, and per organisation with ``by=org``)
        makes a concurrent second ballot fail, and the whole unit of work with it."""
        self.session.add(
            DecisionParticipant(
                coalition_id=self.coalition_id, decision_id=decision.id or 0, member_id=member_id, org_ballot=org_id
            )
        )
        await self.session.flush()
        self.session.add(SecretBallot(coalition_id=self.coalition_id, decision_id=decision.id or 0, choice=choice))
        await self.session.flush()

    async def secret_ballots(self, decision_id: int) -> list[dict[str, Any]]:
        """The ballots' choices, in an order that says nothing (sorted by their content)."""
        query = select(SecretBallot.choice).where(
            SecretBallot.coalition_id == self.coalition_id, SecretBallot.decision_id == decision_id
        )
        return sorted(
            (dict(c) for c in (await self.session.exec(query)).all()), key=lambda c: json.dumps(c, sort_keys=True)
        )

    async def participants(self, decision_id: int) -> set[int]:
        query = select(DecisionParticipant.member_id).where(
            DecisionParticipant.coalition_id == self.coalition_id, DecisionParticipant.decision_id == decision_id
        )
        return set((await self.session.exec(query)).all())

    async def seal(self, decision: Decision) -> None:
        """At close, rewrite the decision's secret ballots under new random ids, in content order, in
        this one transaction: neither their place in the table nor PostgreSQL's row versions still
        line up with the participation rows."""
        choices = await self.secret_ballots(decision.id or 0)
        await self.session.exec(
            delete(SecretBallot).where(  # type: ignore[call-overload]
                col(SecretBallot.coalition_id) == self.coalition_id, col(SecretBallot.decision_id) == decision.id
            )
        )
        await self.session.flush()
        for choice in choices:
            self.session.add(SecretBallot(coalition_id=self.coalition_id, decision_id=decision.id or 0, choice=choice))
        await self.session.flush()

    # counts, in SQL ----------------------------------------------------------------------------

    async def ballot_counts(self, decision_ids: Sequence[int]) -> dict[int, int]:
        """How many ballots each decision has (open votes or secret ballots): {id: n}."""
        if not decision_ids:
            return {}
        ids = list(decision_ids)
        out: dict[int, int] = {}
        for model in (DecisionVote, SecretBallot):
            query = (
                select(model.decision_id, func.count())
                .where(model.coalition_id == self.coalition_id, col(model.decision_id).in_(ids))
                .group_by(col(model.decision_id))
            )
            for decision_id, n in (await self.session.exec(query)).all():
                out[decision_id] = out.get(decision_id, 0) + int(n)
        return out

    async def awaiting(self, member: Member) -> Sequence[Decision]:
        """Open decisions this member may vote on (in person, or for their organisation) and has not.
        Each condition is a lookup per open decision (``EXISTS`` on the decision's own indexes), so
        the cost follows the open decisions, not the member's history of ballots."""
        elector = select(DecisionElector.id).where(
            col(DecisionElector.decision_id) == col(Decision.id),
            (col(DecisionElector.member_id) == member.id)
            | (col(DecisionElector.organisation_id) == (member.organisation_id or -1)),
        )
        voted = select(DecisionVote.id).where(
            col(DecisionVote.decision_id) == col(Decision.id), DecisionVote.member_id == member.id
        )
        took = select(DecisionParticipant.member_id).where(
            col(DecisionParticipant.decision_id) == col(Decision.id), DecisionParticipant.member_id == member.id
        )
        query = (
            select(Decision)
            .where(
                Decision.coalition_id == self.coalition_id,
                Decision.status == DecisionStatus.OPEN.value,
                elector.exists(),
                ~voted.exists(),
                ~took.exists(),
            )
            .order_by(col(Decision.id).desc())
            .limit(50)
        )
        return (await self.session.exec(query)).all()

    # delegates ---------------------------------------------------------------------------------

    async def delegate_of(self, org_id: int) -> DecisionDelegate | None:
        query = select(DecisionDelegate).where(
            DecisionDelegate.coalition_id == self.coalition_id, DecisionDelegate.organisation_id == org_id
        )
        return (await self.session.exec(query)).first()

    async def delegate_names(self, org_id: int) -> tuple[str | None, str | None]:
        """The display names of an organisation's delegate and alternate (None where unnamed)."""
        row = await self.delegate_of(org_id)
        if row is None:
            return None, None
        names = {
            m.id: m.display_name for m in await self.members([i for i in (row.delegate_id, row.alternate_id) if i])
        }
        return names.get(row.delegate_id), names.get(row.alternate_id)

    async def delegates(self) -> Sequence[DecisionDelegate]:
        query = select(DecisionDelegate).where(DecisionDelegate.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(DecisionDelegate.organisation_id)))).all()

    # the log -----------------------------------------------------------------------------------

    async def append_log(self, entry: DecisionLogEntry) -> None:
        """The log is append-only: this is the only way a line gets into it."""
        await self.add(entry)

    async def log_page(self, *, offset: int, limit: int) -> tuple[Sequence[DecisionLogEntry], bool]:
        """One page of the log, newest first, and whether older lines follow (one more row is read,
        never a count of the whole log)."""
        query = (
            select(DecisionLogEntry)
            .where(DecisionLogEntry.coalition_id == self.coalition_id)
            .order_by(col(DecisionLogEntry.id).desc())
            .offset(offset)
            .limit(limit + 1)
        )
        rows = (await self.session.exec(query)).all()
        return rows[:limit], len(rows) > limit

    async def log_of(self, decision_id: int) -> DecisionLogEntry | None:
        query = select(DecisionLogEntry).where(
            DecisionLogEntry.coalition_id == self.coalition_id, DecisionLogEntry.decision_id == decision_id
        )
        return (await self.session.exec(query.order_by(col(DecisionLogEntry.id).desc()))).first()

    async def public_log(self, *, limit: int = 100) -> Sequence[tuple[DecisionLogEntry, Decision]]:
        query = (
            select(DecisionLogEntry, Decision)
            .join(Decision, col(Decision.id) == col(DecisionLogEntry.decision_id))
            .where(DecisionLogEntry.coalition_id == self.coalition_id, col(Decision.public).is_(True))
            .order_by(col(DecisionLogEntry.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(query)).all()

    # export, forget ----------------------------------------------------------------------------

    async def all_rows(self, model: type[Any]) -> Sequence[Any]:
        query = select(model).where(model.coalition_id == self.coalition_id)
        return (await self.session.exec(query)).all()

    async def forget(self, member_id: int, placeholder: str) -> None:
        """Erase a member from the decisions: their reasons become the placeholder and their ballots
        lose their name (the counts stay), their participation, electorate places and delegations go."""
        c = self.coalition_id
        await self.session.exec(
            update(DecisionVote)  # type: ignore[call-overload]
            .where(col(DecisionVote.coalition_id) == c, col(DecisionVote.member_id) == member_id)
            .where(col(DecisionVote.reason) != "")
            .values(reason=placeholder)
        )
        await self.session.exec(
            update(DecisionVote)  # type: ignore[call-overload]
            .where(col(DecisionVote.coalition_id) == c, col(DecisionVote.member_id) == member_id)
            .values(member_id=None)
        )
        for model in (DecisionParticipant, DecisionElector):
            await self.session.exec(
                delete(model).where(col(model.coalition_id) == c, col(model.member_id) == member_id)  # type: ignore[call-overload]
            )
        for column in ("delegate_id", "alternate_id", "set_by"):
            await self.session.exec(
                update(DecisionDelegate)  # type: ignore[call-overload]
                .where(col(DecisionDelegate.coalition_id) == c, getattr(DecisionDelegate, column) == member_id)
                .values({column: None})
            )
        for column in ("proposer_id", "closed_by"):
            await self.session.exec(
                update(Decision)  # type: ignore[call-overload]
                .where(col(Decision.coalition_id) == c, getattr(Decision, column) == member_id)
                .values({column: None})
            )

    async def reasons_of(self, member_id: int) -> list[tuple[int, str]]:
        """(decision id, reason) of every objection or block this member gave."""
        query = select(DecisionVote.decision_id, DecisionVote.reason).where(
            DecisionVote.coalition_id == self.coalition_id,
            DecisionVote.member_id == member_id,
            DecisionVote.reason != "",
        )
        return [(d, r) for d, r in (await self.session.exec(query)).all()]

    async def scrub_posts(self, topics: Sequence[str], texts: Sequence[str], placeholder: str) -> None:
        """Replace ``texts`` by ``placeholder`` in every queued or sent copy of these topics and in the
        updates sent to them (forget-me: a reason shown on a decision's copies)."""
        if not topics or not texts:
            return
        posts = (
            await self.session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.coalition_id == self.coalition_id, col(OutboxMessage.topic).in_(list(topics))
                )
            )
        ).all()
        rows = list(posts)
        if posts:
            updates = or_(*(col(OutboxMessage.key).startswith(f"update:{p.id}:") for p in posts))
            rows += (
                await self.session.exec(
                    select(OutboxMessage).where(OutboxMessage.coalition_id == self.coalition_id, updates)
                )
            ).all()
        encoded = [(json.dumps(t)[1:-1], json.dumps(placeholder)[1:-1]) for t in texts if t]
        for row in rows:
            text = json.dumps(row.payload)
            for old, new in encoded:
                text = text.replace(old, new)
            payload = json.loads(text)
            if payload != row.payload:
                row.payload = payload
                self.session.add(row)
        await self.session.flush()

    async def reachable(self, member_ids: Sequence[int]) -> Sequence[Member]:
        """Of these members, those with a platform account (who can be sent a private message)."""
        if not member_ids:
            return []
        query = select(Member).where(
            Member.coalition_id == self.coalition_id,
            col(Member.id).in_(list(member_ids)),
            col(Member.id).in_(select(Identity.member_id)),
        )
        return (await self.session.exec(query.order_by(col(Member.id)))).all()


async def due_closes(session: AsyncSession, now: datetime) -> Sequence[int]:
    query = select(Decision.id).where(Decision.status == DecisionStatus.OPEN.value, col(Decision.deadline) <= now)
    return [int(i) for i in (await session.exec(query.order_by(col(Decision.id)))).all() if i is not None]


async def due_reminders(session: AsyncSession, now: datetime) -> Sequence[int]:
    query = select(Decision.id).where(
        Decision.status == DecisionStatus.OPEN.value,
        col(Decision.remind_at) <= now,
        col(Decision.reminded_at).is_(None),
    )
    return [int(i) for i in (await session.exec(query.order_by(col(Decision.id)))).all() if i is not None]


async def next_wake(session: AsyncSession, now: datetime) -> datetime | None:
    deadline = select(func.min(Decision.deadline)).where(Decision.status == DecisionStatus.OPEN.value)
    remind = select(func.min(Decision.remind_at)).where(
        Decision.status == DecisionStatus.OPEN.value, col(Decision.reminded_at).is_(None)
    )
    moments = [(await session.exec(deadline)).one(), (await session.exec(remind)).one()]
    return min((m for m in moments if m is not None), default=None)


async def any_decision(session: AsyncSession, decision_id: int) -> Decision | None:
    """A decision of any coalition, by id (a timed job's item); the job goes on through
    ``DecisionRepo(session, decision.coalition_id)``."""
    return await session.get(Decision, decision_id)
