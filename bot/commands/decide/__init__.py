"""``/decide``: decisions by consent, consensus, majority, ranked choice, score or dots, by member or
by organisation, with open or secret ballots, closed at a deadline or by hand into an append-only
decision log, and a public page of the decisions steering marks public."""

from __future__ import annotations

from bot.commands.decide import ballot, close, delegate, info, propose  # noqa: F401  (they register the subcommands)
from bot.commands.decide.hooks import EXPORTED, MERGES, export, forget, merge, status_section
from bot.commands.decide.inbox import decisions_inbox
from bot.commands.decide.mine import PRIVACY, export_mine
from bot.commands.decide.page import decision_routes
from bot.commands.decide.reminders import CLOSE_JOB, REMIND_JOB
from bot.commands.decide.shared import decide
from bot.core.workflow import Workflow

ORDER = ("propose", "list", "show", "vote", "object", "block", "delegate", "remind", "close", "log", "public")
decide.subcommands = {p: decide.subcommands[p] for p in sorted(decide.subcommands, key=lambda p: ORDER.index(p[0]))}

workflow = Workflow(
    name="decide",
    command=decide,
    jobs=(CLOSE_JOB, REMIND_JOB),
    status=(status_section,),
    export=export,
    exports=EXPORTED,
    forget=forget,
    merge=merge,
    merges=MERGES,
    routes=decision_routes,
    export_mine=export_mine,
    privacy=PRIVACY,
    inbox=(decisions_inbox,),
)

__all__ = ["decide", "workflow"]
