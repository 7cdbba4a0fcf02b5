"""Requests acknowledged to a platform and not answered yet (:mod:`bot.core.intake`): one small row
written before the acknowledgement and deleted once the answer went out, so a process that dies in
between leaves the request to be run and answered when the bot starts again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class IntakeRequest(SQLModel, table=True):
    __tablename__ = "intake_request"
    __table_args__ = (UniqueConstraint("platform", "request_key", name="uq_intake_request"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    kind: str = Field(max_length=16, description="command / action / form")
    request_key: str = Field(max_length=200, description="the platform's id of this request")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = Field(default=None, description="a process is answering it until then")
    attempts: int = 0
