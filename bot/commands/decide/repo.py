"""Decision data as a handler reaches it: its coalition's :class:`DecisionRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.decision_repo import DecisionRepo
from bot.store.unity_repo import UnityRepo


def decide_repo(ctx: Ctx) -> DecisionRepo:
    """The decisions of the coalition the handler runs in; an id of another coalition finds nothing."""
    return DecisionRepo(ctx.session, ctx.c.id or 0)


def statement_drafts(ctx: Ctx) -> UnityRepo:
    """The coalition's unity statement versions: a closed decision may become the next draft."""
    return UnityRepo(ctx.session, ctx.c.id or 0)
