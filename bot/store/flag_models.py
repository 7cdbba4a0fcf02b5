"""Conflict flags: a confidential concern, the parties it names, its private log, and the daily
counters that cap how many flags one person raises.

An anonymous flag keeps no reporter: ``reporter_id`` stays NULL, its log entries by the reporter
have no actor, and the daily counter it bumped is keyed by a keyed hash that does not name anyone
(``FlagQuota``). The receipt that lets the reporter follow the flag is stored only as a hash.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class FlagStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_DISCUSSION = "in_discussion"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


CLOSED = frozenset({FlagStatus.RESOLVED.value, FlagStatus.DISMISSED.value})
# The others, named rather than "not closed" so a query finds them by index (coalition, status).
NOT_CLOSED = tuple(status.value for status in FlagStatus if status.value not in CLOSED)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class FlagEventKind(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    DISCUSSING = "discussing"
    NOTE = "note"  # handlers only; never shown to the reporter
    REPLY = "reply"  # from the handlers to the reporter
    ADDED = "added"  # from the reporter to the handlers
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"


class ConflictFlag(SQLModel, table=True):
    __tablename__ = "conflict_flag"
    __table_args__ = (Index("ix_conflict_flag_coalition_status", "coalition_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    topic: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    severity: str = Field(default=Severity.MEDIUM.value, max_length=8)
    status: str = Field(default=FlagStatus.OPEN.value, max_length=16)
    anonymous: bool = False
    reporter_id: int | None = Field(
        default=None, foreign_key="member.id", ondelete="SET NULL", description="NULL when anonymous or forgotten"
    )
    receipt_hash: str = Field(max_length=128, unique=True, description="scrypt of the receipt code")
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    closed_at: datetime | None = None


class FlagParty(SQLModel, table=True):
    """A member or organisation the reporter named. Handlers named here (or belonging to a named
    organisation) are recused: they never receive, list or see the flag."""

    __tablename__ = "flag_party"

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    flag_id: int = Field(foreign_key="conflict_flag.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="SET NULL")


class FlagEvent(SQLModel, table=True):
    """One line of a flag's private log: a state change, a note, a reply or the reporter's addition.
    ``actor_id`` is NULL for the anonymous reporter, for the scheduler, and once a member is forgotten."""

    __tablename__ = "flag_event"

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    flag_id: int = Field(foreign_key="conflict_flag.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    by_reporter: bool = False
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    at: datetime = Field(default_factory=utcnow)


class FlagQuota(SQLModel, table=True):
    """How many flags one person raised on one day, under a keyed hash of who they are: no flag id,
    no time finer than the day. Rows of past days are deleted."""

    __tablename__ = "flag_quota"
    __table_args__ = (UniqueConstraint("coalition_id", "day", "key", name="uq_flag_quota"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    day: date
    key: str = Field(max_length=64)
    count: int = 0


class FlagOrgTally(SQLModel, table=True):
    """How many anonymous flags were raised by members of one organisation: a counter raised by
    one ``UPDATE`` when such a flag is stored, kept apart from the flags (no flag id, no time, no
    person), so no flag can be traced to an organisation through it. Shown per organisation only
    from ``MIN_FLAGS`` on (SPEC §8); named flags are counted from the flags themselves."""

    __tablename__ = "flag_org_tally"
    __table_args__ = (UniqueConstraint("coalition_id", "organisation_id", name="uq_flag_org_tally"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    anonymous: int = 0


MIN_FLAGS = 5  # SPEC §8: an organisation's anonymous flag count is shown from this many flags on
