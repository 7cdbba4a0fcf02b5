"""``/meet``: meetings across time zones and platforms.

One availability poll serves every linked channel on every platform; slots are shown in each
viewer's zone and marked where they fall outside 08:00–21:00 for some of the coalition's members;
closing picks the best slot by the SPEC's order, announces it with an ``.ics`` file, creates
Discord scheduled events, and reminders follow 24 hours and 15 minutes before each occurrence.
"""

from __future__ import annotations

from bot.commands.meet import closing, info, propose, vote  # noqa: F401  (they register the subcommands)
from bot.commands.meet.feed import calendar_routes
from bot.commands.meet.hooks import EXPORTED, MERGES, export, forget, merge, status_section
from bot.commands.meet.inbox import polls_inbox
from bot.commands.meet.jobs import POLL_JOB, REMINDER_JOB
from bot.commands.meet.mine import PRIVACY, export_mine
from bot.commands.meet.shared import meet
from bot.core.workflow import Workflow

ORDER = ("propose", "vote", "list", "show", "close", "cancel", "agenda", "ics", "tz", "feed", "feed-renew")
meet.subcommands = {path: meet.subcommands[path] for path in sorted(meet.subcommands, key=lambda p: ORDER.index(p[0]))}

workflow = Workflow(
    name="meet",
    command=meet,
    jobs=(POLL_JOB, REMINDER_JOB),
    status=(status_section,),
    export=export,
    exports=EXPORTED,
    forget=forget,
    routes=calendar_routes,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
    inbox=(polls_inbox,),
)

__all__ = ["meet", "workflow"]
