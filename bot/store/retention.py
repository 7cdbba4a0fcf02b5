"""What the daily retention jobs read and write outside any one workflow's tables: the coalitions'
settings (which limits steering set), the day each job last ran for each coalition (``BotState``
rows ``retention:<job>:<coalition id>``), and the delivered outbox messages that carried the text
being erased. Every write is scoped to one coalition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import BotState, Coalition
from bot.store.outbox_models import OutboxMessage, OutboxStatus

# A message still to be sent (or being sent) is never dropped: delivery would lose it half-way.
DONE = (
    OutboxStatus.SENT.value,
    OutboxStatus.PARKED.value,
    OutboxStatus.CANCELLED.value,
    OutboxStatus.EXPIRED.value,
)
CHUNK = 200


async def coalition_settings(session: AsyncSession) -> Sequence[tuple[int, dict[str, Any]]]:
    """Every coalition's id and settings (one small row each)."""
    rows = (await session.exec(select(Coalition.id, Coalition.settings))).all()
    return [(int(cid), dict(settings or {})) for cid, settings in rows if cid is not None]


async def settings_of(session: AsyncSession, coalition_id: int) -> dict[str, Any] | None:
    coalition = await session.get(Coalition, coalition_id)
    return None if coalition is None else dict(coalition.settings or {})


async def states(session: AsyncSession, prefix: str) -> dict[str, dict[str, Any]]:
    """The ``BotState`` rows whose key starts with ``prefix``, by key."""
    query = select(BotState).where(col(BotState.key).startswith(prefix, autoescape=True))
    return {row.key: dict(row.value) for row in (await session.exec(query)).all()}


async def drop_delivered(
    session: AsyncSession, coalition_id: int, key_prefixes: Sequence[str], before: datetime | None = None
) -> int:
    """Delete one coalition's outbox messages whose key starts with one of ``key_prefixes`` and that
    are no longer waiting to be sent (queued before ``before`` when given). Returns how many."""
    dropped = 0
    for start in range(0, len(key_prefixes), CHUNK):
        prefixes = key_prefixes[start : start + CHUNK]
        query = delete(OutboxMessage).where(
            col(OutboxMessage.coalition_id) == coalition_id,
            col(OutboxMessage.status).in_(DONE),
            or_(*(col(OutboxMessage.key).startswith(p, autoescape=True) for p in prefixes)),
        )
        if before is not None:
            query = query.where(col(OutboxMessage.not_before) < before)
        result = await session.exec(query)  # type: ignore[call-overload]
        dropped += int(result.rowcount or 0)
    return dropped
