"""Membership data, as a handler reaches it: its coalition's :class:`MembershipRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.membership_repo import MembershipRepo


def membership_repo(ctx: Ctx) -> MembershipRepo:
    """The join requests of the coalition the handler runs in; an id of another coalition finds nothing."""
    return MembershipRepo(ctx.session, ctx.c.id or 0)
