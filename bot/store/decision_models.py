"""Decisions: a question settled by a stated method, its frozen electorate, its ballots, the
organisations' delegates, and the append-only decision log.

Open ballots are ``DecisionVote`` rows (one per member, changeable until close). Secret ballots keep
their contents apart from the people who cast them: ``SecretBallot`` holds a choice under a random
id, with no voter and no time; ``DecisionParticipant`` only *that* a member took part (so they vote
once and non-voters are reminded), with no choice and no time. Closing a secret decision rewrites
its ballots under new random ids in one transaction (``DecisionRepo.seal``), so neither their place
in the table nor PostgreSQL's row versions still line up with the participation rows. The electorate
(``DecisionElector``) is frozen at proposal, so a member who joins later cannot be used to work a
ballot out by subtraction.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow

MIN_SECRET_BALLOTS = 5  # SPEC §8: results drawn from anonymous answers need at least this many


def random_id() -> int:
    """A positive 31-bit id: fits PostgreSQL's INTEGER; carries no order of insertion."""
    return secrets.randbelow(2**31 - 2) + 1


class Method(StrEnum):
    CONSENT = "consent"
    CONSENSUS = "consensus"
    MAJORITY = "majority"
    RANKED = "ranked"
    SCORE = "score"
    DOTS = "dots"


class Electorate(StrEnum):
    MEMBER = "member"
    ORG = "org"


class DecisionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Decision(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("coalition_id", "request_key", name="uq_decision_request"),
        Index("ix_decision_open", "status", "deadline"),
        Index("ix_decision_page", "coalition_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    question: str = Field(max_length=300)
    method: str = Field(default=Method.CONSENT.value, max_length=12)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    electorate: str = Field(default=Electorate.MEMBER.value, max_length=8)
    quorum_kind: str = Field(default="", max_length=8, description="'', 'percent' or 'orgs'")
    quorum: int = 0
    threshold: str = Field(default="1/2", max_length=8, description="majority: the share the winner needs")
    dots: int = 0
    secret: bool = False
    eligible: int = Field(default=0, description="members or organisations who may vote, frozen at proposal")
    status: str = Field(default=DecisionStatus.OPEN.value, max_length=10)
    deadline: datetime | None = None
    remind_at: datetime | None = Field(default=None, description="non-voters' one reminder, 24 h before")
    reminded_at: datetime | None = None
    proposer_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    outcome: str = Field(default="", max_length=1000)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    closed_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    closed_at: datetime | None = None
    public: bool = False
    request_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class DecisionElector(SQLModel, table=True):
    """One member (``by=member``) or organisation (``by=org``) who may vote, as at proposal."""

    __table_args__ = (
        Index("ix_decisionelector_decision", "decision_id", "member_id", "organisation_id"),
        Index("ix_decisionelector_member", "member_id", "decision_id"),
        Index("ix_decisionelector_org", "organisation_id", "decision_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    decision_id: int = Field(foreign_key="decision.id", ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="CASCADE")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="CASCADE")


class DecisionVote(SQLModel, table=True):
    """An open ballot: who, for which organisation (``by=org``), what, and why (objections, blocks)."""

    __table_args__ = (
        UniqueConstraint("decision_id", "member_id", name="uq_decision_vote"),
        Index("ix_decisionvote_member", "member_id", "decision_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    decision_id: int = Field(foreign_key="decision.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="SET NULL")
    choice: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow)


class SecretBallot(SQLModel, table=True):
    """A secret ballot's choice: no voter, no time, a random id."""

    id: int = Field(default_factory=random_id, primary_key=True, sa_column_kwargs={"autoincrement": False})
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    decision_id: int = Field(foreign_key="decision.id", index=True, ondelete="CASCADE")
    choice: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DecisionParticipant(SQLModel, table=True):
    """That a member took part in a secret decision (for ``by=org``: for which organisation, so it
    votes once); nothing of how, and no time."""

    __table_args__ = (
        UniqueConstraint("decision_id", "org_ballot", name="uq_decision_org_ballot"),
        Index("ix_decisionparticipant_member", "member_id", "decision_id"),
    )

    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    decision_id: int = Field(foreign_key="decision.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    org_ballot: int | None = Field(default=None, description="by=org: the organisation this ballot was cast for")


class DecisionDelegate(SQLModel, table=True):
    """Who votes for an organisation when a decision is taken ``by=org``, and its alternate."""

    __table_args__ = (UniqueConstraint("coalition_id", "organisation_id", name="uq_decision_delegate"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    delegate_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    alternate_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    set_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    set_at: datetime = Field(default_factory=utcnow)


class DecisionLogEntry(SQLModel, table=True):
    """One line of the coalition's decision log, written once at close and never changed."""

    __table_args__ = (Index("ix_decisionlogentry_page", "coalition_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    decision_id: int = Field(foreign_key="decision.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    question: str = Field(max_length=300)
    method: str = Field(max_length=12)
    electorate: str = Field(max_length=8)
    secret: bool = False
    eligible: int = 0
    turnout: int = 0
    quorum_met: bool = True
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(default="", max_length=1000)
