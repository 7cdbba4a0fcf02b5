"""What the dispatcher asks of a platform's messenger beyond ``post``/``direct``/``update``
(:mod:`bot.delivery.dispatcher`): the optional capabilities — keeping a row's delivery key with the
message, finding a message by it, scheduled events — and the delivery key itself."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from typing import Any, cast

from bot.core.context import Place
from bot.core.delivery import CalendarEvent, DeliveryError, EventScheduler, MessageRef, Messenger
from bot.delivery import rows as row_store
from bot.store.db import Database
from bot.store.outbox_models import OutboxKind, OutboxMessage, OutboxStatus


def takes_key(send: Callable[..., Any]) -> bool:
    """Whether a messenger's ``post`` or ``direct`` accepts ``outbox_key`` (an optional capability)."""
    try:
        return "outbox_key" in inspect.signature(send).parameters
    except (TypeError, ValueError):
        return False


def delivery_key(row: OutboxMessage) -> str:
    """The row's identity on the platform: the same on every retry and in every process, different
    for every coalition's rows, and short enough for any platform (20 characters; a Discord nonce
    allows 25)."""
    return hashlib.blake2b(f"{row.coalition_id}/{row.key}".encode(), digest_size=10).hexdigest()


async def find(messenger: Messenger, place: Place, key: str) -> MessageRef | None:
    """The message sent earlier with this delivery key, if the messenger can look it up."""
    finder: Any = getattr(messenger, "find", None)
    if finder is None:
        return None
    try:
        found: MessageRef | None = await finder(place, key)
        return found
    except DeliveryError:
        return None


async def send_event(db: Database, messenger: Messenger, row: OutboxMessage) -> MessageRef | None:
    """Create a scheduled event (its id becomes the row's ``message_id``) or delete one."""
    if not callable(getattr(messenger, "schedule_event", None)):
        raise DeliveryError(f"{row.platform} has no scheduled events", permanent=True)
    scheduler = cast(EventScheduler, messenger)
    if row.kind == OutboxKind.EVENT.value:
        created = await scheduler.schedule_event(row.workspace, CalendarEvent.from_payload(row.payload))
        return MessageRef(row.platform, row.workspace, row.target, created)
    retracted = row.message_id or await created_event_id(db, row)
    if retracted:
        await scheduler.cancel_event(row.workspace, retracted)
    return None


async def created_event_id(db: Database, row: OutboxMessage) -> str | None:
    """The id of the event a cancellation retracts, once the row that creates it has been sent;
    ``None`` if that row was never sent (nothing to delete)."""
    source = await row_store.created_event(db, row)
    if source is None or source.status in (OutboxStatus.CANCELLED.value, OutboxStatus.PARKED.value):
        return None
    if source.status != OutboxStatus.SENT.value:
        raise DeliveryError("the event is still being created; deleting it once it exists")
    return source.message_id
