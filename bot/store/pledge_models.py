"""Resource pledges and needs: what organisations offer and ask for, how offers meet needs, and
what each organisation says of itself (its profile).

Offers and needs share one table (``side``) so that one id names either in ``show``, ``fulfill``
and ``withdraw``. A match ties an offer to a need for an amount (``None`` when neither side is
counted); ``delivered`` grows as the resource is handed over. Every change is kept as an event, so
an item's history survives later edits. Quantities are floats in the unit the poster typed.

Each item keeps its matches summed up (``promised``, ``delivered``, ``match_count``,
``waiting_count``), written in the same transaction as any change to its matches
(:func:`bot.commands.pledge.service.recompute`), so listings, the status section and the map read
an item's quantities from its own row instead of summing every match (issue 23).

Idempotency: an active item has a ``fingerprint`` (its organisation, side, kind, description,
amount, unit and, for an "I can help" offer, the need) that is unique while ``active`` is True, so a
double click or a retried form creates nothing twice; ``active`` becomes NULL once an item is
fulfilled or withdrawn, which frees the fingerprint. One match per offer and need.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class Side(StrEnum):
    OFFER = "offer"
    NEED = "need"


class ResourceKind(StrEnum):
    FUNDING = "funding"
    VOLUNTEERS = "volunteers"
    SPACE = "space"
    EXPERTISE = "expertise"
    DATA = "data"
    NETWORK = "network"
    OTHER = "other"


class ItemState(StrEnum):
    OFFERED = "offered"  # an offer nobody has matched yet
    OPEN = "open"  # a need nobody has matched yet
    MATCHED = "matched"  # partly or fully promised; not all delivered
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"


class MatchState(StrEnum):
    MATCHED = "matched"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"


class PledgeItem(SQLModel, table=True):
    """An offer or a need, always on behalf of an organisation."""

    __table_args__ = (
        UniqueConstraint("coalition_id", "fingerprint", "active", name="uq_pledge_item_active"),
        Index("ix_pledgeitem_listing", "coalition_id", "side", "state", "id"),
        Index("ix_pledgeitem_coalition_state", "coalition_id", "state", "organisation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    side: str = Field(max_length=8)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    kind: str = Field(max_length=16)
    description: str = Field(max_length=1000)
    amount: float | None = None
    unit: str = Field(default="", max_length=40)
    state: str = Field(max_length=16, index=True)
    fingerprint: str = Field(max_length=64)
    active: bool | None = Field(default=True, description="True while open or matched; NULL once closed")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    promised: float = Field(default=0.0, description="kept: the amounts of its matches not withdrawn")
    delivered: float = Field(default=0.0, description="kept: what its matches handed over")
    match_count: int = Field(default=0, description="kept: its matches not withdrawn")
    waiting_count: int = Field(default=0, description="kept: its matches not handed over yet")


class PledgeMatch(SQLModel, table=True):
    """An offer promised to a need, for an amount, and how much of it has been handed over."""

    __table_args__ = (UniqueConstraint("offer_id", "need_id", name="uq_pledge_match_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    offer_id: int = Field(foreign_key="pledgeitem.id", index=True, ondelete="CASCADE")
    need_id: int = Field(foreign_key="pledgeitem.id", index=True, ondelete="CASCADE")
    amount: float | None = None
    delivered: float = 0.0
    state: str = Field(default=MatchState.MATCHED.value, max_length=16)
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    fulfilled_at: datetime | None = None
    withdrawn_at: datetime | None = None


class PledgeEvent(SQLModel, table=True):
    """One step in an item's history: posted, matched, delivered, withdrawn."""

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="pledgeitem.id", index=True, ondelete="CASCADE")
    match_id: int | None = Field(default=None, foreign_key="pledgematch.id", ondelete="SET NULL")
    action: str = Field(max_length=16)
    amount: float | None = None
    other_id: int | None = Field(default=None, description="the item on the other side of a match")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow)


class NeedDigest(SQLModel, table=True):
    """A weekly stalled-needs digest that was queued, so each week gets one."""

    __table_args__ = (UniqueConstraint("coalition_id", "week", name="uq_need_digest_week"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    week: str = Field(max_length=10, description="ISO year and week in the coalition's zone, 2026-W02")
    needs: int = 0
    sent_at: datetime = Field(default_factory=utcnow)


class OrgProfile(SQLModel, table=True):
    """Who an organisation is, what it brings and its limits (SPEC §2)."""

    __table_args__ = (UniqueConstraint("coalition_id", "organisation_id", name="uq_org_profile"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    about: str = Field(default="", sa_column=Column(Text, nullable=False), description="who we are, whom we represent")
    kinds: str = Field(default="", max_length=200, description="resource kinds we bring, comma-separated values")
    brings: str = Field(default="", sa_column=Column(Text, nullable=False))
    cannot: str = Field(default="", sa_column=Column(Text, nullable=False), description="what we cannot contribute")
    sensitive: str = Field(
        default="", sa_column=Column(Text, nullable=False), description="issues we are sensitive about"
    )
    can_decide: bool | None = Field(default=None, description="our representative can decide for us")
    updated_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow)
