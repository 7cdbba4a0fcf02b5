"""The durable outbox: every proactive message (prompt, reminder, digest, announcement, in-place
update) is a row written in the same transaction as the state change that causes it. The delivery
dispatcher sends pending rows and records the result; nothing is sent from inside a handler."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow

UPDATE_DEADLINE = timedelta(hours=24)  # an in-place update not made by then is not made


class OutboxKind(StrEnum):
    POST = "post"  # a new message in a channel
    UPDATE = "update"  # replace the content of a message posted earlier (``message_id``)
    DIRECT = "direct"  # a private message to one person (``target`` is their user id)
    EVENT = "event"  # a scheduled event in a server (``workspace``); ``message_id`` becomes the event id
    EVENT_CANCEL = "event_del"  # delete that event (``message_id``, or the event row named in the payload)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher; ``not_before`` is its lease expiry
    SENT = "sent"
    PARKED = "parked"  # refused for good by the platform; shown to steering in /coalition status
    EXPIRED = "expired"  # its deadline passed before the platform took it (a prompt after its window)
    CANCELLED = "cancelled"  # superseded before it was sent (e.g. an update replaced by a newer one)


class OutboxMessage(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("coalition_id", "key", name="uq_outbox_key"),
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_topic", "coalition_id", "topic"),
        Index("ix_outbox_lane", "platform", "workspace", "target", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=200, description="idempotency key, unique per coalition")
    kind: str = Field(max_length=10)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    target: str = Field(max_length=64, description="channel id (post/update) or user id (direct)")
    topic: str | None = Field(default=None, max_length=200, description="posted copies updated together")
    message_id: str | None = Field(default=None, max_length=64, description="posted id / id to update")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=10)
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, description="not sent after this (a prompt's window)")

    def update_for(self, payload: dict[str, Any], *, key: str, now: datetime) -> OutboxMessage:
        """A new row that brings this posted copy's message up to ``payload`` in place."""
        return OutboxMessage(
            coalition_id=self.coalition_id,
            key=key,
            kind=OutboxKind.UPDATE.value,
            platform=self.platform,
            workspace=self.workspace,
            target=self.target,
            message_id=self.message_id,
            payload=payload,
            not_before=now,
            expires_at=now + UPDATE_DEADLINE,
        )
