"""A handler's inbox (``/coalition inbox``, the Slack Home tab): how many flags wait for them, how
many are overdue, and their ids — nothing else. The Home tab may be read over a shoulder, so no
topic, description, severity or party appears here; ``/flag list`` shows them in private.

The same rules as everywhere in this workflow (:mod:`bot.commands.flag.access`): facilitators and
steering, never a flag they reported or that names them or their organisation. Counted in SQL, so
the cost follows the handful of ids shown, not the coalition's history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import col, select

from bot.commands.flag.access import is_handler
from bot.commands.flag.command import ACK_OVERDUE, OUTCOME_OVERDUE
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.ui import Block, Context, Section, markup, rich
from bot.store.flag_models import CLOSED, ConflictFlag, FlagParty, FlagStatus
from bot.store.models import Member

SHOWN_IDS = 10


def handled_by(member: Member) -> list[Any]:
    """SQL conditions: the flag is open and ``member`` is not recused from it."""
    named = select(FlagParty.id).where(
        FlagParty.flag_id == ConflictFlag.id,
        or_(
            col(FlagParty.member_id) == member.id,
            and_(col(FlagParty.organisation_id).is_not(None), col(FlagParty.organisation_id) == member.organisation_id),
        ),
    )
    return [
        ConflictFlag.coalition_id == member.coalition_id,
        col(ConflictFlag.status).not_in(CLOSED),
        or_(col(ConflictFlag.reporter_id).is_(None), col(ConflictFlag.reporter_id) != member.id),
        ~named.exists(),
    ]


def is_overdue(now: datetime) -> Any:
    """SQL: what :func:`bot.commands.flag.access.overdue` says of an open flag."""
    return or_(
        and_(col(ConflictFlag.status) == FlagStatus.OPEN.value, col(ConflictFlag.created_at) <= now - ACK_OVERDUE),
        col(ConflictFlag.created_at) <= now - OUTCOME_OVERDUE,
    )


async def flags_inbox(ctx: Ctx) -> list[Block]:
    """Open flags this handler may handle: counts and ids only, overdue first."""
    if not is_handler(ctx.member):
        return []
    now = ctx.clock.now()
    where = handled_by(ctx.me)
    late = case((is_overdue(now), 1), else_=0)
    counted = select(func.count(), func.coalesce(func.sum(late), 0)).where(*where)
    total, overdue = (await ctx.session.exec(counted)).one()
    if not total:
        return []
    ids_query = (
        select(ConflictFlag.id).where(*where).order_by(late.desc(), col(ConflictFlag.created_at), col(ConflictFlag.id))
    )
    ids = (await ctx.session.exec(ids_query.limit(SHOWN_IDS))).all()
    summary = ngettext("{n} open flag to handle", "{n} open flags to handle", int(total))
    if overdue:
        summary = _("{open}, {overdue}", open=summary, overdue=ngettext("{n} overdue", "{n} overdue", int(overdue)))
    listing = ", ".join(f"#{flag_id}" for flag_id in ids)
    if total > len(ids):
        listing = ngettext("{ids} and {n} more", "{ids} and {n} more", int(total) - len(ids), ids=listing)
    return [
        Section(rich(_("{summary}: {ids}.", summary=summary, ids=listing))),
        Context(markup(_("`/flag list` shows them, in private; `/flag show <id>` one with its log."))),
    ]
