"""The unity statement's data, as a handler reaches it: its coalition's :class:`UnityRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.unity_repo import UnityRepo


def unity_repo(ctx: Ctx) -> UnityRepo:
    """The unity statement of the coalition the handler runs in; an id of another finds nothing."""
    return UnityRepo(ctx.session, ctx.c.id or 0)
