"""Enqueueing proactive messages. Handlers and scheduled jobs call these inside their unit of work;
the rows commit (or roll back) with the state change that caused them, and the delivery dispatcher
(``bot/delivery/``) sends them later, exactly once each.

Keys are idempotency keys, unique per coalition: enqueueing the same key twice keeps the first row,
so a re-run job or a retried request never queues a message twice.

Every message has a deadline (``expires``): a check-in prompt its window's close, a meeting
reminder the meeting, anything else ``DEADLINE`` after it was due. The dispatcher retries a
message through a platform outage until then, and never sends it after.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.codec import encode_reply as _encode
from bot.core.context import Place
from bot.core.delivery import CalendarEvent
from bot.core.i18n import current as current_language
from bot.core.scope import stamp_reply
from bot.core.ui import Reply, Visibility
from bot.store.models import ChannelBinding, Identity, utcnow
from bot.store.outbox_models import OutboxKind, OutboxMessage, OutboxStatus

EVENT_PLATFORMS = ("discord",)  # platforms whose servers have scheduled events
DEADLINE = timedelta(hours=24)  # a message not delivered this long after it was due is not sent


def encode_reply(reply: Reply) -> dict[str, Any]:
    """The stored payload keeps the language it was written in, so the adapter's own words (button
    labels, "open the form") match it after a restart."""
    if reply.lang is None:
        reply.lang = current_language()
    # A file on disk (an export) would not survive a restart: the row keeps its bytes instead, so
    # only what is small enough to keep in a database row belongs in the outbox.
    reply.attachments = [attachment.inlined() for attachment in reply.attachments]
    return _encode(reply)


class Outbox:
    def __init__(self, session: AsyncSession, coalition_id: int, now: datetime | None = None) -> None:
        self.session = session
        self.coalition_id = coalition_id
        self.now = now or utcnow()

    async def _existing(self, key: str) -> OutboxMessage | None:
        query = select(OutboxMessage).where(OutboxMessage.coalition_id == self.coalition_id, OutboxMessage.key == key)
        return (await self.session.exec(query)).first()

    def _row(
        self,
        kind: OutboxKind,
        platform: str,
        workspace: str,
        target: str,
        payload: dict[str, Any],
        key: str,
        topic: str | None,
        not_before: datetime | None,
        expires: datetime | None = None,
    ) -> OutboxMessage:
        due = not_before or self.now
        return OutboxMessage(
            coalition_id=self.coalition_id,
            key=key,
            kind=kind.value,
            platform=platform,
            workspace=workspace,
            target=target,
            topic=topic,
            payload=payload,
            not_before=due,
            expires_at=expires or due + DEADLINE,
        )

    async def _add(self, row: OutboxMessage) -> OutboxMessage:
        existing = await self._existing(row.key)
        if existing is not None:
            return existing
        self.session.add(row)
        await self.session.flush()
        return row

    async def post(
        self,
        place: Place,
        reply: Reply,
        *,
        key: str,
        topic: str | None = None,
        not_before: datetime | None = None,
        expires: datetime | None = None,
    ) -> OutboxMessage:
        """Queue a channel-visible message in one channel."""
        reply.visibility = Visibility.CHANNEL
        payload = encode_reply(stamp_reply(reply, self.coalition_id))
        return await self._add(
            self._row(
                OutboxKind.POST,
                place.platform,
                place.workspace,
                place.channel,
                payload,
                key,
                topic,
                not_before,
                expires,
            )
        )

    async def announce(
        self,
        reply: Reply,
        *,
        key: str,
        topic: str | None = None,
        not_before: datetime | None = None,
        expires: datetime | None = None,
    ) -> list[OutboxMessage]:
        """Queue the message in every channel of the coalition, on every platform.

        Each copy's key is ``{key}@{binding id}``; with a ``topic`` every copy can later be updated
        in place with :meth:`refresh`.
        """
        query = select(ChannelBinding).where(ChannelBinding.coalition_id == self.coalition_id)
        bindings = (await self.session.exec(query.order_by(col(ChannelBinding.id)))).all()
        reply.visibility = Visibility.CHANNEL
        payload = encode_reply(stamp_reply(reply, self.coalition_id))
        keys = {f"{key}@{b.id}": b for b in bindings}
        # One query for what was queued before (a re-run job), one flush for the rest: a prompt to a
        # thousand channels is two statements, not two thousand.
        existing = (
            await self.session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.coalition_id == self.coalition_id, col(OutboxMessage.key).in_(list(keys))
                )
            )
        ).all()
        found = {row.key: row for row in existing}
        rows = []
        for copy_key, b in keys.items():
            row = found.get(copy_key)
            if row is None:
                row = self._row(
                    OutboxKind.POST, b.platform, b.workspace, b.channel, payload, copy_key, topic, not_before, expires
                )
                self.session.add(row)
            rows.append(row)
        await self.session.flush()
        return rows

    async def direct(
        self,
        member_id: int,
        reply: Reply,
        *,
        key: str,
        not_before: datetime | None = None,
        expires: datetime | None = None,
        avoid: str | None = None,
    ) -> list[OutboxMessage]:
        """Queue a private message to a member, on the platform account they used most recently
        (not on ``avoid`` when they have an account elsewhere: a platform that is failing).

        Returns no rows if the member has no platform identity (e.g. they only used the console).
        """
        query = (
            select(Identity)
            .where(Identity.coalition_id == self.coalition_id, Identity.member_id == member_id)
            .order_by(col(Identity.id).desc())
        )
        identities = (await self.session.exec(query)).all()
        identity = next((i for i in identities if i.platform != avoid), identities[0] if identities else None)
        if identity is None:
            return []
        reply.visibility = Visibility.PRIVATE
        payload = encode_reply(stamp_reply(reply, self.coalition_id))
        row = self._row(
            OutboxKind.DIRECT,
            identity.platform,
            identity.workspace,
            identity.user_id,
            payload,
            key,
            None,
            not_before,
            expires,
        )
        return [await self._add(row)]

    async def _pending_update(self, post: OutboxMessage) -> OutboxMessage | None:
        query = select(OutboxMessage).where(
            OutboxMessage.coalition_id == self.coalition_id,
            OutboxMessage.kind == OutboxKind.UPDATE.value,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.platform == post.platform,
            OutboxMessage.target == post.target,
            OutboxMessage.message_id == post.message_id,
        )
        return (await self.session.exec(query)).first()

    async def refresh(self, topic: str, reply: Reply) -> int:
        """Bring every posted copy of ``topic`` up to date with ``reply``.

        Copies not sent yet get the new content; sent copies get one pending update each (a newer
        refresh replaces the content of an update still waiting). Returns how many copies changed.
        """
        reply.visibility = Visibility.CHANNEL
        payload = encode_reply(stamp_reply(reply, self.coalition_id))
        query = select(OutboxMessage).where(
            OutboxMessage.coalition_id == self.coalition_id,
            OutboxMessage.topic == topic,
            col(OutboxMessage.status).in_(
                [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.SENT.value]
            ),
        )
        rows: Sequence[OutboxMessage] = (await self.session.exec(query)).all()
        changed = 0
        for row in rows:
            if row.kind == OutboxKind.UPDATE.value:
                continue
            if row.status in (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value):
                # A copy in flight keeps its new content here; the dispatcher sees the change when it
                # records the send and queues an update.
                row.payload = payload
                self.session.add(row)
                changed += 1
                continue
            if row.message_id is None:
                continue
            waiting = await self._pending_update(row)
            if waiting is not None:
                waiting.payload = payload
                self.session.add(waiting)
            else:
                self.session.add(row.update_for(payload, key=f"update:{row.id}:{secrets.token_hex(8)}", now=self.now))
            changed += 1
        await self.session.flush()
        return changed

    async def schedule_event(self, event: CalendarEvent, *, key: str, topic: str) -> list[OutboxMessage]:
        """Queue ``event`` once in every linked server of a platform that has scheduled events.

        Each copy's key is ``{key}@{platform}:{server}``; :meth:`cancel_events` retracts them by topic.
        """
        query = select(ChannelBinding).where(
            ChannelBinding.coalition_id == self.coalition_id, col(ChannelBinding.platform).in_(EVENT_PLATFORMS)
        )
        servers: dict[tuple[str, str], ChannelBinding] = {}
        for binding in (await self.session.exec(query.order_by(col(ChannelBinding.id)))).all():
            servers.setdefault((binding.platform, binding.workspace), binding)
        rows = []
        for (platform, workspace), binding in servers.items():
            row = self._row(
                OutboxKind.EVENT,
                platform,
                workspace,
                binding.channel,
                event.payload(),
                f"{key}@{platform}:{workspace}",
                topic,
                None,
            )
            rows.append(await self._add(row))
        return rows

    async def cancel_events(self, topic: str) -> int:
        """Retract every scheduled event of ``topic``: one not sent yet is never sent; a created one is
        deleted; one being created right now is deleted once its id is known. Returns how many."""
        query = select(OutboxMessage).where(
            OutboxMessage.coalition_id == self.coalition_id,
            OutboxMessage.topic == topic,
            OutboxMessage.kind == OutboxKind.EVENT.value,
        )
        retracted = 0
        for row in (await self.session.exec(query)).all():
            if row.status == OutboxStatus.PENDING.value:
                row.status = OutboxStatus.CANCELLED.value
                self.session.add(row)
            elif row.status in (OutboxStatus.SENT.value, OutboxStatus.SENDING.value):
                cancel = self._row(
                    OutboxKind.EVENT_CANCEL,
                    row.platform,
                    row.workspace,
                    row.target,
                    {"event_row": row.id},
                    f"{row.key}:cancel",
                    None,
                    None,
                )
                cancel.message_id = row.message_id
                await self._add(cancel)
            else:
                continue
            retracted += 1
        await self.session.flush()
        return retracted

    async def withdraw(self, topic: str) -> int:
        """Never send the messages of ``topic`` still waiting (e.g. a cancelled meeting's reminders)."""
        query = select(OutboxMessage).where(
            OutboxMessage.coalition_id == self.coalition_id,
            OutboxMessage.topic == topic,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        rows = (await self.session.exec(query)).all()
        for row in rows:
            row.status = OutboxStatus.CANCELLED.value
            self.session.add(row)
        await self.session.flush()
        return len(rows)
