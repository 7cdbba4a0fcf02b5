"""Membership on approval: a person's request to join a coalition whose join policy is ``approval``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class JoinRequest(SQLModel, table=True):
    """Someone in a linked channel asked to join; steering approves or declines. One request per
    account: asking again while pending changes nothing. The name and account are erased (the row
    goes) once decided, so a declined person may ask again later: an approved person lives on as a member, a declined one is forgotten."""

    __tablename__ = "join_request"
    __table_args__ = (
        UniqueConstraint("coalition_id", "platform", "workspace", "user_id", name="uq_join_request_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    organisation: str = Field(default="", max_length=200, description="the organisation they named, if any")
    created_at: datetime = Field(default_factory=utcnow)


class ConnectCode(SQLModel, table=True):
    """A one-time code from ``/coalition connect``: typed by another account of the same person, it
    merges that account's member into this one. Only its hash is stored; valid 15 minutes."""

    __tablename__ = "connect_code"

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: datetime | None = None
