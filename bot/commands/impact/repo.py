"""Impact data as a handler reaches it: its coalition's :class:`ImpactRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.impact_repo import ImpactRepo


def impact_repo(ctx: Ctx) -> ImpactRepo:
    """The wins, pulses and joint work of the coalition the handler runs in; an id of another
    coalition finds nothing."""
    return ImpactRepo(ctx.session, ctx.c.id or 0)
