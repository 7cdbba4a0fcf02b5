"""Data access. :class:`Directory` answers the few questions asked before a coalition is known
(which coalition is this channel bound to?); :class:`CoalitionRepo` answers everything else and
filters every query on its coalition, so an id from another coalition simply finds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.figures import SERIES_POINTS, GoalFigures
from bot.store.merging import MemberMerging
from bot.store.models import (
    AuditEntry,
    ChannelBinding,
    Coalition,
    GroupMembership,
    Identity,
    LinkCode,
    Member,
    Organisation,
    ProcessedRequest,
    WorkingGroup,
    utcnow,
)
from bot.store.outbox_models import OutboxMessage, OutboxStatus
from bot.store.pages import Pages
from bot.store.tallies import CheckinTallies

T = TypeVar("T", bound=SQLModel)
__all__ = ["SERIES_POINTS", "CoalitionRepo", "Directory", "get_state", "hash_code", "name_key", "put_state"]


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

    async def memberships_of_account(self, platform: str, user_id: str) -> Sequence[tuple[Member, Coalition]]:
        """A person's memberships by their platform account alone (any workspace: a Discord DM
        belongs to no guild, a Slack user id is the same in every workspace), oldest first."""
        query = (
            select(Member, Coalition)
            .join(Identity, col(Identity.member_id) == col(Member.id))
            .join(Coalition, col(Coalition.id) == col(Member.coalition_id))
            .where(Identity.platform == platform, Identity.user_id == user_id)
            .order_by(col(Member.id))
        )
        seen: dict[int | None, tuple[Member, Coalition]] = {}
        for member, coalition in (await self.session.exec(query)).all():
            seen.setdefault(coalition.id, (member, coalition))
        return list(seen.values())

    async def was_handled(self, key: str) -> bool:
        """Whether a platform request id was handled before (a retry or a double click)."""
        return await self.session.get(ProcessedRequest, key) is not None

    async def claim_request(self, key: str) -> bool:
        """Record a platform request id as handled; False if another transaction did meanwhile.

        One ``INSERT … ON CONFLICT DO NOTHING`` in the caller's transaction, made when the command's
        work is done: the claim stands or falls with that work, so a command that fails leaves its
        request unclaimed and the platform's retry runs it again (a savepoint would not do: on
        SQLite, as a transaction's first write, its release commits the claim on its own), and being
        the last write it holds SQLite's one writer lock no longer than the work's own writes. A
        concurrent claim of the same id waits for the other transaction and then finds the row."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        claim = insert(ProcessedRequest).values(key=key, created_at=utcnow()).on_conflict_do_nothing()
        result = await self.session.exec(claim)  # type: ignore[call-overload]
        return bool(result.rowcount)


class CoalitionRepo(GoalFigures, CheckinTallies, MemberMerging):
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

    def pages(self, model: type[SQLModel], **options: Any) -> Pages:
        """Every row of a table holding coalition data, oldest first, a page at a time (exports
        that stream: memory holds one page, not the table). ``options``: see :class:`Pages`."""
        return Pages(self.session, model, self.coalition_id, **options)

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

    async def member_by_account(self, platform: str, user_id: str) -> tuple[Member, str] | None:
        """The member with this platform account in any workspace (see
        :meth:`Directory.memberships_of_account`), with the workspace of that account; for places
        that belong to no workspace."""
        query = (
            select(Member, Identity.workspace)
            .join(Identity, col(Identity.member_id) == col(Member.id))
            .where(
                Identity.coalition_id == self.coalition_id,
                Identity.platform == platform,
                Identity.user_id == user_id,
            )
            .order_by(col(Identity.id).desc())
        )
        found = (await self.session.exec(query)).first()
        return None if found is None else (found[0], found[1])

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
