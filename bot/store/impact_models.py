"""Impact: the wins a coalition logs and its anonymous pulses.

A pulse keeps its answers apart from the people who gave them: ``PulseTally`` holds one counter per
score (no row per answer, so no order or time of answering is kept), ``PulseComment`` the optional
comments under random ids (their order says nothing about who wrote them), and ``PulseResponder``
only *that* a member answered (so they answer once and are reminded once), with no score, comment
or time. Closing a pulse rewrites its comments and counters (``ImpactRepo.seal``), so
PostgreSQL's row versions no longer line up with the responders; while a pulse is open, someone with
direct access to the database's system columns or write-ahead log could still line them up.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow

MIN_ANSWERS = 5  # SPEC §8: results drawn from anonymous answers need at least this many


def random_id() -> int:
    """A positive 31-bit id: fits PostgreSQL's INTEGER; carries no order of insertion."""
    return secrets.randbelow(2**31 - 2) + 1


class Win(SQLModel, table=True):
    __table_args__ = (Index("ix_win_coalition_won", "coalition_id", "won_on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    won_on: date
    goal_id: int | None = Field(default=None, foreign_key="goal.id", ondelete="SET NULL")
    climate: bool = Field(default=False, description="it shifted the political climate")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class Pulse(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    question: str = Field(max_length=300)
    started_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    started_at: datetime = Field(default_factory=utcnow)
    remind_at: datetime | None = Field(default=None, index=True, description="non-responders' one reminder")
    reminded_at: datetime | None = None
    closed_at: datetime | None = None


class PulseTally(SQLModel, table=True):
    """How many answered a pulse with one score (1–5)."""

    __table_args__ = (UniqueConstraint("pulse_id", "score", name="uq_pulse_tally"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    pulse_id: int = Field(foreign_key="pulse.id", index=True, ondelete="CASCADE")
    score: int
    count: int = 0


class PulseComment(SQLModel, table=True):
    id: int = Field(default_factory=random_id, primary_key=True, sa_column_kwargs={"autoincrement": False})
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    pulse_id: int = Field(foreign_key="pulse.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=1000)


class PulseResponder(SQLModel, table=True):
    """That a member answered a pulse; nothing of what they answered."""

    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    pulse_id: int = Field(foreign_key="pulse.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
