"""Decision data as a handler reaches it: its coalition's :class:`DecisionRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.decision_repo import DecisionRepo


def decide_repo(ctx: Ctx) -> DecisionRepo:
    """The decisions of the coalition the handler runs in; an id of another coalition finds nothing."""
    return DecisionRepo(ctx.session, ctx.c.id or 0)
