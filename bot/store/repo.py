"""Data access. :class:`Directory` answers the few questions asked before a coalition is known
(which coalition is this channel bound to?); :class:`CoalitionRepo` answers everything else and
filters every query on its coalition, so an id from another coalition simply finds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Float, Integer, and_, delete, func, or_, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import (
    AuditEntry,
    ChannelBinding,
    Checkin,
    Coalition,
    Goal,
    GoalStatus,
    GroupMembership,
    Identity,
    LinkCode,
    Member,
    Organisation,
    ProcessedRequest,
    Role,
    WorkingGroup,
)
from bot.store.outbox_models import OutboxMessage, OutboxStatus

T = TypeVar("T", bound=SQLModel)

SERIES_POINTS = 200  # at most about this many points per chart line, however long the history


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class Directory:
    """Lookups across coalitions: bindings, slugs, link codes, processed requests."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def binding(self, platform: str, workspace: str, channel: str) -> ChannelBinding | None:
        query = select(ChannelBinding).where(
            ChannelBinding.platform == platform,
            ChannelBinding.workspace == workspace,
            ChannelBinding.channel == channel,
        )
        return (await self.session.exec(query)).first()

    async def coalition(self, coalition_id: int) -> Coalition | None:
        return await self.session.get(Coalition, coalition_id)

    async def coalition_by_slug(self, slug: str) -> Coalition | None:
        return (await self.session.exec(select(Coalition).where(Coalition.slug == slug))).first()

    async def slug_taken(self, slug: str) -> bool:
        return await self.coalition_by_slug(slug) is not None

    async def create_coalition(self, *, name: str, slug: str, tz: str, language: str = "en") -> Coalition:
        coalition = Coalition(name=name, slug=slug, tz=tz, language=language)
        self.session.add(coalition)
        await self.session.flush()
        return coalition

    async def link_code(self, code: str) -> LinkCode | None:
        query = select(LinkCode).where(LinkCode.code_hash == hash_code(code))
        return (await self.session.exec(query)).first()

    async def use_link_code(self, code: str, now: datetime) -> int | None:
        """Spend a link code: the coalition it links to, or None if it is unknown, used or expired."""
        found = await self.link_code(code)
        if found is None or found.used_at is not None or found.expires_at <= now:
            return None
        found.used_at = now
        self.session.add(found)
        return found.coalition_id

    async def memberships(self, platform: str, workspace: str, user_id: str) -> Sequence[tuple[Member, Coalition]]:
        query = (
            select(Member, Coalition)
            .join(Identity, col(Identity.member_id) == col(Member.id))
            .join(Coalition, col(Coalition.id) == col(Member.coalition_id))
            .where(Identity.platform == platform, Identity.workspace == workspace, Identity.user_id == user_id)
        )
        return (await self.session.exec(query)).all()

    async def claim_request(self, key: str) -> bool:
        """Record a platform request id; False if it was handled before (a retry or double click)."""
        if await self.session.get(ProcessedRequest, key) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(ProcessedRequest(key=key))
                await self.session.flush()
        except IntegrityError:
            return False
        return True


class CoalitionRepo:
    """Every read and write of one coalition's data."""

    def __init__(self, session: AsyncSession, coalition_id: int) -> None:
        self.session = session
        self.coalition_id = coalition_id

    # generic helpers ---------------------------------------------------------------------------

    async def _get(self, model: type[T], item_id: int) -> T | None:
        row = await self.session.get(model, item_id)
        if row is None or getattr(row, "coalition_id", None) != self.coalition_id:
            return None
        return row

    async def add(self, row: T) -> T:
        if getattr(row, "coalition_id", self.coalition_id) != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        row.coalition_id = self.coalition_id  # type: ignore[attr-defined]
        self.session.add(row)
        await self.session.flush()
        return row

    async def save(self, row: T) -> T:
        """Keep changes to a row of this coalition (read through this repository)."""
        if getattr(row, "coalition_id", None) != self.coalition_id:
            raise ValueError("row belongs to another coalition")
        self.session.add(row)
        await self.session.flush()
        return row

    async def all(self, model: type[T]) -> Sequence[T]:
        """Every row of a table holding coalition data (a ``coalition_id`` column), oldest first."""
        column = getattr(model, "coalition_id")  # noqa: B009  (not every model has it)
        query = select(model).where(column == self.coalition_id).order_by(col(getattr(model, "id")))  # noqa: B009
        return (await self.session.exec(query)).all()

    async def rows_of(self, model: type[T], member_id: int, *columns: str) -> Sequence[T]:
        """The rows of a coalition table where any of ``columns`` names this member, oldest first
        (``/coalition export mine``)."""
        matches = [getattr(model, name) == member_id for name in columns]
        column = getattr(model, "coalition_id")  # noqa: B009  (not every model has it)
        query = select(model).where(column == self.coalition_id, or_(*matches))
        return (await self.session.exec(query.order_by(*model.__table__.primary_key.columns))).all()  # type: ignore[attr-defined]

    async def audit_entries(self, *, offset: int, limit: int, skip_prefix: str) -> tuple[int, Sequence[AuditEntry]]:
        """One page of the audit log, newest first, without the actions starting with ``skip_prefix``,
        and how many entries there are in all."""
        where = (
            col(AuditEntry.coalition_id) == self.coalition_id,
            col(AuditEntry.action).not_like(f"{skip_prefix}%"),
        )
        total = (await self.session.exec(select(func.count()).select_from(AuditEntry).where(*where))).one()
        query = (
            select(AuditEntry)
            .where(*where)
            .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
            .offset(offset)
            .limit(limit)
        )
        return int(total), (await self.session.exec(query)).all()

    async def audit(self, action: str, *, member: Member | None, subject: str = "", **detail: Any) -> None:
        self.session.add(
            AuditEntry(
                coalition_id=self.coalition_id,
                member_id=member.id if member else None,
                action=action,
                subject=subject,
                detail=detail,
            )
        )

    async def coalition(self) -> Coalition:
        coalition = await self.session.get(Coalition, self.coalition_id)
        assert coalition is not None
        return coalition

    # channels ----------------------------------------------------------------------------------

    async def bindings(self) -> Sequence[ChannelBinding]:
        query = (
            select(ChannelBinding)
            .where(ChannelBinding.coalition_id == self.coalition_id)
            .order_by(col(ChannelBinding.id))
        )
        return (await self.session.exec(query)).all()

    async def bind(self, platform: str, workspace: str, channel: str, name: str = "") -> ChannelBinding:
        return await self.add(
            ChannelBinding(
                coalition_id=self.coalition_id, platform=platform, workspace=workspace, channel=channel, name=name
            )
        )

    async def unbind(self, binding: ChannelBinding) -> None:
        if binding.coalition_id == self.coalition_id:
            await self.session.delete(binding)

    async def add_link_code(self, code: str, *, member: Member, expires_at: datetime) -> LinkCode:
        return await self.add(
            LinkCode(
                coalition_id=self.coalition_id, code_hash=hash_code(code), created_by=member.id, expires_at=expires_at
            )
        )

    # organisations, members, groups ------------------------------------------------------------

    async def organisations(self) -> Sequence[Organisation]:
        query = (
            select(Organisation).where(Organisation.coalition_id == self.coalition_id).order_by(col(Organisation.key))
        )
        return (await self.session.exec(query)).all()

    async def organisation(self, org_id: int) -> Organisation | None:
        return await self._get(Organisation, org_id)

    async def organisation_named(self, name: str) -> Organisation | None:
        query = select(Organisation).where(
            Organisation.coalition_id == self.coalition_id, Organisation.key == name_key(name)
        )
        return (await self.session.exec(query)).first()

    async def add_organisation(self, name: str) -> Organisation:
        return await self.add(Organisation(coalition_id=self.coalition_id, name=name, key=name_key(name)))

    async def member(self, member_id: int) -> Member | None:
        return await self._get(Member, member_id)

    async def members(self) -> Sequence[Member]:
        query = select(Member).where(Member.coalition_id == self.coalition_id).order_by(col(Member.id))
        return (await self.session.exec(query)).all()

    async def member_by_identity(self, platform: str, workspace: str, user_id: str) -> Member | None:
        query = (
            select(Member)
            .join(Identity, col(Identity.member_id) == col(Member.id))
            .where(
                Identity.coalition_id == self.coalition_id,
                Identity.platform == platform,
                Identity.workspace == workspace,
                Identity.user_id == user_id,
            )
        )
        return (await self.session.exec(query)).first()

    async def member_named(self, name: str) -> Member | None:
        query = select(Member).where(
            Member.coalition_id == self.coalition_id, func.lower(Member.display_name) == name.casefold()
        )
        return (await self.session.exec(query)).first()

    async def add_member(
        self, *, display_name: str, role: str, platform: str, workspace: str, user_id: str, tz: str | None = None
    ) -> Member:
        member = await self.add(Member(coalition_id=self.coalition_id, display_name=display_name, role=role, tz=tz))
        assert member.id is not None
        await self.add(
            Identity(
                coalition_id=self.coalition_id,
                member_id=member.id,
                platform=platform,
                workspace=workspace,
                user_id=user_id,
            )
        )
        return member

    async def count_role(self, role: str) -> int:
        query = (
            select(func.count())
            .select_from(Member)
            .where(Member.coalition_id == self.coalition_id, Member.role == role)
        )
        return int((await self.session.exec(query)).one())

    async def groups(self) -> Sequence[WorkingGroup]:
        query = (
            select(WorkingGroup).where(WorkingGroup.coalition_id == self.coalition_id).order_by(col(WorkingGroup.key))
        )
        return (await self.session.exec(query)).all()

    async def group_named(self, name: str) -> WorkingGroup | None:
        query = select(WorkingGroup).where(
            WorkingGroup.coalition_id == self.coalition_id, WorkingGroup.key == name_key(name)
        )
        return (await self.session.exec(query)).first()

    async def add_group(self, name: str) -> WorkingGroup:
        return await self.add(WorkingGroup(coalition_id=self.coalition_id, name=name, key=name_key(name)))

    async def group_members(self, group: WorkingGroup) -> Sequence[Member]:
        query = (
            select(Member)
            .join(GroupMembership, col(GroupMembership.member_id) == col(Member.id))
            .where(GroupMembership.coalition_id == self.coalition_id, GroupMembership.group_id == group.id)
            .order_by(col(Member.display_name))
        )
        return (await self.session.exec(query)).all()

    async def join_group(self, group: WorkingGroup, member: Member) -> bool:
        query = select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.member_id == member.id
        )
        if (await self.session.exec(query)).first() is not None:
            return False
        assert group.id is not None
        assert member.id is not None
        await self.add(GroupMembership(coalition_id=self.coalition_id, group_id=group.id, member_id=member.id))
        return True

    async def forget_member(self, member: Member) -> None:
        """Erase a member's personal data: identities and name go; contributions stay, unattributed.
        (What workflows hold of them is erased first, by each workflow's ``forget`` hook.)"""
        if member.coalition_id != self.coalition_id:
            raise ValueError("member of another coalition")
        await self.session.exec(delete(Identity).where(col(Identity.member_id) == member.id))  # type: ignore[call-overload]
        await self.session.exec(delete(GroupMembership).where(col(GroupMembership.member_id) == member.id))  # type: ignore[call-overload]
        await self.session.delete(member)

    # one person, two members (``/coalition connect``) -------------------------------------------

    async def repoint(self, from_id: int, into_id: int, *columns: Any) -> None:
        """Rows of this coalition naming member ``from_id`` in one of ``columns`` (``col(Model.field)``)
        name ``into_id`` instead."""
        for column in columns:
            table = column.expression.table
            await self.session.exec(  # type: ignore[call-overload]
                update(table)
                .where(table.c.coalition_id == self.coalition_id, column.expression == from_id)
                .values({column.key: into_id})
            )

    async def repoint_once(self, from_id: int, into_id: int, column: Any, *keys: Any, newer: Any | None = None) -> None:
        """Like :meth:`repoint`, for a table holding one row per member and ``keys`` (one vote per slot,
        one membership per group): where both members have a row, the newer one by ``newer`` is kept
        (``into_id``'s on a tie or without ``newer``), the other deleted; then the rest is re-pointed."""
        table = column.expression.table
        member = column.expression
        key_columns = [k.expression for k in keys]
        primary = list(table.primary_key.columns)
        picked = [member, *key_columns, *primary, *([newer.expression] if newer is not None else [])]
        rows = (
            await self.session.exec(  # type: ignore[call-overload]
                select(*picked).where(table.c.coalition_id == self.coalition_id, member.in_((from_id, into_id)))
            )
        ).all()
        seen: dict[tuple[Any, ...], dict[int, Any]] = {}
        for row in rows:
            seen.setdefault(tuple(row[1 : 1 + len(key_columns)]), {})[row[0]] = row
        doomed: list[tuple[Any, ...]] = []
        for both in seen.values():
            if from_id not in both or into_id not in both:
                continue
            mine, theirs = both[from_id], both[into_id]
            keep_from = newer is not None and mine[-1] is not None and (theirs[-1] is None or mine[-1] > theirs[-1])
            loser = theirs if keep_from else mine
            doomed.append(tuple(loser[1 + len(key_columns) : 1 + len(key_columns) + len(primary)]))
        if doomed:
            matches = [and_(*(c == v for c, v in zip(primary, values, strict=True))) for values in doomed]
            await self.session.exec(delete(table).where(or_(*matches)))  # type: ignore[call-overload]
        await self.repoint(from_id, into_id, column)

    async def references(self, member_id: int) -> dict[str, int]:
        """How many rows of any table still name this member (``table.column``: count), zeros left out:
        what a merge must have moved before the member's row goes."""
        found: dict[str, int] = {}
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not any(fk.column.table.name == "member" for fk in column.foreign_keys):
                    continue
                query = select(func.count()).select_from(table).where(column == member_id)
                count = (await self.session.exec(query)).one()  # type: ignore[call-overload]
                if count:
                    found[f"{table.name}.{column.name}"] = count
        return found

    # goals and check-ins -----------------------------------------------------------------------

    async def goal(self, goal_id: int) -> Goal | None:
        return await self._get(Goal, goal_id)

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
        """Each goal's total (of the check-ins in [since, until) when given), summed in SQL."""
        query = (
            select(Checkin.goal_id, func.coalesce(func.sum(Checkin.amount), 0.0))
            .where(Checkin.coalition_id == self.coalition_id)
            .group_by(col(Checkin.goal_id))
        )
        if goal_ids is not None:
            query = query.where(col(Checkin.goal_id).in_(list(goal_ids)))
        query = self._period(query, since, until)
        return {goal_id: float(total) for goal_id, total in (await self.session.exec(query)).all()}

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
        """The biggest contributors to a goal, largest first: (name, or None for former members, total)."""
        total = func.sum(Checkin.amount)
        query = (
            select(Checkin.member_id, total)
            .where(Checkin.coalition_id == self.coalition_id, Checkin.goal_id == goal_id)
            .group_by(col(Checkin.member_id))
            .order_by(total.desc(), col(Checkin.member_id))
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

    async def reporters(self, since: datetime, until: datetime) -> list[str | None]:
        """The distinct names of those who checked in during [since, until) (None: a former member)."""
        query = self._period(
            select(Checkin.member_id).where(Checkin.coalition_id == self.coalition_id).distinct(), since, until
        )
        ids = list((await self.session.exec(query)).all())
        names = await self._names([member_id for member_id in ids if member_id is not None])
        return list({names.get(member_id) if member_id else None for member_id in ids})

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
        in SQL over equal spans of time from the first check-in to ``now``: each pair is a span's
        total at the moment of its last check-in, so the running total is exact at every point."""
        out: dict[int, list[tuple[datetime, float]]] = {goal_id: [] for goal_id in goal_ids}
        if not goal_ids:
            return out
        scope = (Checkin.coalition_id == self.coalition_id, col(Checkin.goal_id).in_(list(goal_ids)))
        moments = select(func.min(Checkin.created_at), func.max(Checkin.created_at)).where(*scope)
        first, last = (await self.session.exec(moments)).one()
        if first is None or last is None:
            return out
        start = first.timestamp() - 1.0  # a second early, so rounding never puts one before the start
        width = (max(last, now).timestamp() - start) / points
        at = self._epoch(col(Checkin.created_at))
        bucket = sa_cast((at - start) / width, Integer)
        query = select(Checkin.goal_id, func.max(at), func.sum(Checkin.amount)).where(*scope)
        query = query.group_by(col(Checkin.goal_id), bucket).order_by(col(Checkin.goal_id), func.max(at))
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

    # delivery ----------------------------------------------------------------------------------

    async def outbox_counts(self) -> dict[str, int]:
        """Proactive messages of this coalition by delivery status."""
        query = (
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.coalition_id == self.coalition_id)
            .group_by(col(OutboxMessage.status))
        )
        return {status: int(count) for status, count in (await self.session.exec(query)).all()}

    async def parked_messages(self, limit: int) -> Sequence[OutboxMessage]:
        """The newest messages that could not be delivered."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.coalition_id == self.coalition_id, OutboxMessage.status == OutboxStatus.PARKED.value)
            .order_by(col(OutboxMessage.id).desc())
            .limit(limit)
        )
        return (await self.session.exec(query)).all()


async def get_state(session: AsyncSession, key: str) -> dict[str, Any] | None:
    from bot.store.models import BotState

    row = await session.get(BotState, key)
    return None if row is None else dict(row.value)


async def put_state(session: AsyncSession, key: str, value: dict[str, Any]) -> None:
    from bot.store.models import BotState, utcnow

    row = await session.get(BotState, key)
    if row is None:
        session.add(BotState(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
        session.add(row)
