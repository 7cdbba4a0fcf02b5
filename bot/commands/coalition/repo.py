"""Membership data, as a handler reaches it: its coalition's :class:`MembershipRepo`."""

from __future__ import annotations

import json
import re

from sqlalchemy import delete
from sqlmodel import col, select

from bot.commands.common import removed
from bot.core.context import Ctx
from bot.store.membership_models import JoinRequest
from bot.store.membership_repo import MembershipRepo
from bot.store.models import AuditEntry, Identity, Member
from bot.store.outbox_models import OutboxKind, OutboxMessage
from bot.store.slack_models import SlackPerson


def membership_repo(ctx: Ctx) -> MembershipRepo:
    """The join requests of the coalition the handler runs in; an id of another coalition finds nothing."""
    return MembershipRepo(ctx.session, ctx.c.id or 0)


async def forget(ctx: Ctx, member_id: int) -> None:
    """The coalition's forget-me hook (it runs first, while the member's accounts still exist)."""
    member = await ctx.repo.member(member_id)
    if member is not None:
        await forget_traces(ctx, member, removed(ctx))


async def forget_traces(ctx: Ctx, member: Member, placeholder: str) -> None:
    """What the coalition itself holds of a member besides their row and accounts: their name in the
    audit log, their join request, the private messages queued or sent to them (deleted), what Slack
    told us about them (the ``slack_person`` cache, deleted) and their name in every other message of
    the outbox (replaced by ``placeholder``)."""
    coalition_id = ctx.c.id or 0
    session = ctx.session
    name = member.display_name
    accounts = (
        await session.exec(
            select(Identity).where(Identity.coalition_id == coalition_id, Identity.member_id == member.id)
        )
    ).all()
    for account in accounts:
        await session.exec(  # type: ignore[call-overload]
            delete(OutboxMessage).where(
                col(OutboxMessage.coalition_id) == coalition_id,
                col(OutboxMessage.platform) == account.platform,
                col(OutboxMessage.workspace) == account.workspace,
                col(OutboxMessage.target) == account.user_id,
                col(OutboxMessage.kind) == OutboxKind.DIRECT.value,
            )
        )
        if account.platform == "slack":  # what users.info said of them: a cache, fetched again if they return
            await session.exec(delete(SlackPerson).where(col(SlackPerson.user_id) == account.user_id))  # type: ignore[call-overload]
        await session.exec(  # type: ignore[call-overload]
            delete(JoinRequest).where(
                col(JoinRequest.coalition_id) == coalition_id,
                col(JoinRequest.platform) == account.platform,
                col(JoinRequest.workspace) == account.workspace,
                col(JoinRequest.user_id) == account.user_id,
            )
        )
    if not name.strip():
        return
    words = [name, *(a.user_id for a in accounts)]
    escaped = [json.dumps(w)[1:-1] for w in words]
    for entry in (await session.exec(select(AuditEntry).where(AuditEntry.coalition_id == coalition_id))).all():
        subject = scrub(entry.subject, words, placeholder)
        detail = json.loads(scrub(json.dumps(entry.detail), escaped, json.dumps(placeholder)[1:-1]))
        if subject != entry.subject or detail != entry.detail:
            entry.subject, entry.detail = subject, detail
            session.add(entry)
    for message in (await session.exec(select(OutboxMessage).where(OutboxMessage.coalition_id == coalition_id))).all():
        payload = json.loads(scrub(json.dumps(message.payload), escaped, json.dumps(placeholder)[1:-1]))
        if payload != message.payload:
            message.payload = payload
            session.add(message)
    await session.flush()


def scrub(text: str, words: list[str], placeholder: str) -> str:
    """``text`` with each of ``words`` (whole words, any case) replaced by ``placeholder``."""
    for word in words:
        if word and word.casefold() in text.casefold():
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", lambda _m: placeholder, text, flags=re.IGNORECASE)
    return text
