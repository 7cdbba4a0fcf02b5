"""A handler's inbox (``/coalition inbox``, the Slack Home tab): how many flags wait for them, how
many are overdue, and their ids — nothing else. The Home tab may be read over a shoulder, so no
topic, description, severity or party appears here; ``/flag list`` shows them in private.

The same rules as everywhere in this workflow (:mod:`bot.commands.flag.access`): facilitators and
steering, never a flag they reported or that names them or their organisation
(:class:`bot.commands.flag.repo.HandlerQueue`, counted in SQL).
"""

from __future__ import annotations

from bot.commands.flag.access import is_handler
from bot.commands.flag.repo import handler_queue
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext
from bot.core.ui import Block, Context, Section, markup, rich

SHOWN_IDS = 10


async def flags_inbox(ctx: Ctx) -> list[Block]:
    """Open flags this handler may handle: counts and ids only, overdue first."""
    if not is_handler(ctx.member):
        return []
    now = ctx.clock.now()
    queue = handler_queue(ctx)
    total, overdue = await queue.counts(now)
    if not total:
        return []
    ids = await queue.first_ids(now, SHOWN_IDS)
    summary = ngettext("{n} open flag to handle", "{n} open flags to handle", total)
    if overdue:
        summary = _("{open}, {overdue}", open=summary, overdue=ngettext("{n} overdue", "{n} overdue", overdue))
    listing = ", ".join(f"#{flag_id}" for flag_id in ids)
    if total > len(ids):
        listing = ngettext("{ids} and {n} more", "{ids} and {n} more", total - len(ids), ids=listing)
    return [
        Section(rich(_("{summary}: {ids}.", summary=summary, ids=listing))),
        Context(markup(_("`/flag list` shows them, in private; `/flag show <id>` one with its log."))),
    ]
