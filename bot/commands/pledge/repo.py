"""Pledge data, as a handler reaches it: its coalition's :class:`PledgeRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.decision_repo import DecisionRepo
from bot.store.pledge_repo import PledgeRepo


def pledge_repo(ctx: Ctx) -> PledgeRepo:
    """The offers, needs, matches and profiles of the coalition the handler runs in; an id of
    another coalition finds nothing."""
    return PledgeRepo(ctx.session, ctx.c.id or 0)


def delegations(ctx: Ctx) -> DecisionRepo:
    """Who votes for each organisation on decisions by organisation (shown on its profile)."""
    return DecisionRepo(ctx.session, ctx.c.id or 0)
