"""Meetings: a poll of candidate slots, one availability vote per member per slot, the chosen slot,
agenda items, and each coalition's secret calendar-feed token.

A meeting moves ``open`` (the poll) → ``closed`` (a slot chosen; reminders and calendar entries
follow) or ``cancelled``. ``sequence`` is the iCalendar SEQUENCE of its calendar entry, raised on
every change after it was first published, so calendar apps replace the entry they already hold.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class MeetingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"  # "if need be"
    NO = "no"


class Repeat(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class Meeting(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("coalition_id", "request_key", name="uq_meeting_request"),
        Index("ix_meeting_status", "status"),
        Index("ix_meeting_coalition_status", "coalition_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    duration: int = Field(description="minutes")
    tz: str = Field(max_length=64, description="the zone the slots were typed in; the .ics uses it")
    status: str = Field(default=MeetingStatus.OPEN.value, max_length=10)
    proposer_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    uid: str = Field(max_length=120, description="the iCalendar UID, stable for the meeting's life")
    sequence: int = 0
    deadline: datetime | None = None
    nudge_at: datetime | None = Field(default=None, description="when non-responders get their one reminder")
    nudged_at: datetime | None = None
    deadline_asked_at: datetime | None = None
    all_answered_at: datetime | None = None
    chosen_slot_id: int | None = Field(default=None, description="a meetingslot id once closed")
    starts_at: datetime | None = Field(default=None, description="the chosen slot's start (first occurrence)")
    repeat: str | None = Field(default=None, max_length=10)
    next_reminder_at: datetime | None = Field(default=None, index=True)
    request_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None


class MeetingSlot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "start", name="uq_meeting_slot_start"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    position: int = Field(description="1, 2, 3 … as shown in the poll")
    start: datetime


class MeetingVote(SQLModel, table=True):
    """One member's answer for one slot; a changed vote updates the row, never adds one."""

    __table_args__ = (UniqueConstraint("slot_id", "member_id", name="uq_meeting_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    slot_id: int = Field(foreign_key="meetingslot.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    answer: str = Field(max_length=8)
    updated_at: datetime = Field(default_factory=utcnow)


class MeetingAgendaItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    author_name: str = Field(default="", max_length=200)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class MeetingFeed(SQLModel, table=True):
    """The secret part of a coalition's calendar-feed address; steering can renew it."""

    __table_args__ = (UniqueConstraint("coalition_id", name="uq_meeting_feed_coalition"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
