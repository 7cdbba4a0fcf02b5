"""Meeting data as a handler reaches it: its coalition's :class:`MeetingRepo`."""

from __future__ import annotations

from bot.core.context import Ctx
from bot.store.meeting_repo import MeetingRepo


def meet_repo(ctx: Ctx) -> MeetingRepo:
    """The meetings of the coalition the handler runs in; an id of another finds nothing."""
    return MeetingRepo(ctx.session, ctx.c.id or 0)
