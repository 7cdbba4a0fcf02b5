"""Tables. Every row that belongs to a coalition carries ``coalition_id``; repositories filter on it.

Datetimes are timezone-aware UTC (SQLModel's ``UTCDateTime`` rejects naive values at flush).
Schema changes go through Alembic (``bot/store/migrations``); a test checks the two agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    STEERING = "steering"
    FACILITATOR = "facilitator"
    MEMBER = "member"
    OBSERVER = "observer"


class GoalStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Coalition(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=80, unique=True, index=True)
    tz: str = Field(default="UTC", max_length=64)
    language: str = Field(default="en", max_length=8, description="channel posts: prompts, digests, polls")
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ChannelBinding(SQLModel, table=True):
    """A chat channel bound to a coalition: (platform, workspace/guild, channel) is unique."""

    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", name="uq_binding_place"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Organisation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("coalition_id", "key", name="uq_org_name"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    key: str = Field(max_length=200, description="case-folded name, for uniqueness")
    created_at: datetime = Field(default_factory=utcnow)


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="SET NULL")
    display_name: str = Field(max_length=200)
    role: str = Field(default=Role.MEMBER.value, max_length=16)
    tz: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8, description="chosen with /coalition language")
    locale: str | None = Field(default=None, max_length=16, description="the platform's, e.g. Slack es-ES")
    created_at: datetime = Field(default_factory=utcnow)


class Identity(SQLModel, table=True):
    """A platform account of a member: platform + workspace/guild + user id."""

    __table_args__ = (UniqueConstraint("coalition_id", "platform", "workspace", "user_id", name="uq_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=64)


class WorkingGroup(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("coalition_id", "key", name="uq_group_name"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class GroupMembership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "member_id", name="uq_group_member"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="workinggroup.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")


class Goal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    target: float
    unit: str = Field(default="", max_length=40)
    due: date | None = None
    owner_org_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="SET NULL")
    owner_group_id: int | None = Field(default=None, foreign_key="workinggroup.id", ondelete="SET NULL")
    status: str = Field(default=GoalStatus.OPEN.value, max_length=16)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Checkin(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("coalition_id", "request_key", name="uq_checkin_request"),
        Index("ix_checkin_goal_time", "goal_id", "created_at"),
        # totals and chart series per goal read from the index alone; a period (report, digest, reminders) by time
        Index("ix_checkin_coalition_goal_time_amount", "coalition_id", "goal_id", "created_at", "amount"),
        Index("ix_checkin_coalition_time", "coalition_id", "created_at"),
        Index("ix_checkin_member_time", "member_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    amount: float
    note: str = Field(default="", max_length=2000)
    blockers: str = Field(default="", max_length=2000)
    request_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class GoalTally(SQLModel, table=True):
    """One member's check-ins on one goal, summed: kept in the transaction of every change to check-ins
    (``bot/store/tallies.py``), so totals per member are read without reading check-ins. ``member_id``
    None: former members (forget-me), as on their check-ins; several such rows may exist per goal."""

    __table_args__ = (UniqueConstraint("coalition_id", "goal_id", "member_id", name="uq_goaltally_member"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", ondelete="CASCADE")
    goal_id: int = Field(foreign_key="goal.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="SET NULL")
    amount: float = 0.0
    checkins: int = 0
    first_at: datetime
    last_at: datetime


class GoalDay(SQLModel, table=True):
    """One goal's check-ins of one UTC day, summed, kept like :class:`GoalTally`: goal totals, the
    totals of a period and chart series read one row a day, however many check-ins it had."""

    coalition_id: int = Field(foreign_key="coalition.id", primary_key=True, ondelete="CASCADE")
    goal_id: int = Field(foreign_key="goal.id", primary_key=True, index=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    amount: float = 0.0
    checkins: int = 0
    last_at: datetime = Field(description="the day's latest check-in")


class LinkCode(SQLModel, table=True):
    """A one-time code that binds another channel to a coalition; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    expires_at: datetime
    used_at: datetime | None = None


class ProcessedRequest(SQLModel, table=True):
    """Platform request ids already handled: a retried request is acknowledged and ignored."""

    key: str = Field(primary_key=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    subject: str = Field(default="", max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class BotState(SQLModel, table=True):
    """Small process-wide facts kept across restarts (e.g. the hash of the last synced command set)."""

    key: str = Field(primary_key=True, max_length=200)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
