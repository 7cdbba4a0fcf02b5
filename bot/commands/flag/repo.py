"""The flags' data, as a handler reaches it: its coalition's :class:`FlagRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.flag_repo import FlagRepo


def flag_repo(ctx: Ctx) -> FlagRepo:
    """The flags of the coalition the handler runs in; a flag id of another finds nothing."""
    return FlagRepo(ctx.session, ctx.c.id or 0)
