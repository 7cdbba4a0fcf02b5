"""``/flag``: confidential conflict flags (SPEC §2, §3 and §4 "Flags").

A reporter raises a flag through a form, named or anonymous; it goes privately to the facilitators
and steering members who are not among its parties; they acknowledge, discuss, reply and close it,
every step in a private log; the reporter follows it with a receipt code and can answer, so an
anonymous reporter can still be asked questions. Unacknowledged flags escalate to steering.
"""

from __future__ import annotations

from bot.commands.flag import handling, intake, reporter, stats  # noqa: F401  (they register the subcommands)
from bot.commands.flag.command import flag
from bot.commands.flag.hooks import (
    MERGES,
    due_escalations,
    erase_closed,
    escalate,
    export,
    forget,
    merge,
    next_escalation,
    status_section,
)
from bot.commands.flag.inbox import flags_inbox
from bot.commands.flag.mine import PRIVACY, export_mine
from bot.core.retention import retention_job
from bot.core.workflow import TimedJob, Workflow

# Help and the Discord command list read in this order: the reporter's words first.
ORDER = ("raise", "status", "add", "list", "show", "ack", "note", "reply", "resolve", "dismiss", "stats")
flag.subcommands = {(name,): flag.subcommands[(name,)] for name in ORDER}

ESCALATION = TimedJob("flag.escalation", due=due_escalations, run=escalate, next_wake=next_escalation)
RETENTION = retention_job("flag", "keep_flags", erase_closed)  # daily, where steering set keep_flags

workflow = Workflow(
    name="flag",
    command=flag,
    jobs=(ESCALATION, RETENTION),
    status=(status_section,),
    export=export,
    exports=("conflict_flag", "flag_party", "flag_event", "flag_quota", "flag_org_tally"),
    forget=forget,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
    inbox=(flags_inbox,),
)

__all__ = ["ESCALATION", "RETENTION", "flag", "workflow"]
