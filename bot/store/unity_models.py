"""Unity statements: numbered versions (drafts until published), comments, and one signature per
organisation per version. Withdrawn signatures stay as history (``active`` is NULL once withdrawn,
so the unique constraint only binds the active one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class UnityVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("coalition_id", "number", name="uq_unity_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    author_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    published_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    deadline: datetime | None = None
    reminded_at: datetime | None = None
    closed_at: datetime | None = None


class UnityComment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    version_id: int = Field(foreign_key="unityversion.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    author_name: str = Field(default="", max_length=200)
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class UnitySignature(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("version_id", "organisation_id", "active", name="uq_unity_signature_active"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    version_id: int = Field(foreign_key="unityversion.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    signer_name: str = Field(max_length=100, description="shown publicly, as the signer typed it")
    signer_title: str = Field(default="", max_length=100, description="shown publicly")
    active: bool | None = Field(default=True, description="True while in force; NULL once withdrawn")
    signed_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    withdrawn_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")


class UnitySignRequest(SQLModel, table=True):
    """An organisation outside the chat asking, on the public sign-on page, to sign a version.
    Nothing of it is public: steering approves it (which makes a signature) or declines it. The
    address it came from is not kept (the rate limit lives in memory)."""

    __table_args__ = (UniqueConstraint("coalition_id", "form_token", name="uq_unity_request_token"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    version_id: int = Field(foreign_key="unityversion.id", index=True, ondelete="CASCADE")
    organisation: str = Field(max_length=100)
    signer_name: str = Field(max_length=100)
    signer_title: str = Field(max_length=100)
    state: str = Field(default="pending", max_length=16, description="pending, approved or declined")
    requested_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    signature_id: int | None = Field(default=None, foreign_key="unitysignature.id", ondelete="SET NULL")
    form_token: str | None = Field(default=None, max_length=64, description="hash of the form's one-time token")
