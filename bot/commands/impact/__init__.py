"""``/impact``: the measures of a coalition's success (Tattersall, *Power in Coalition*): the change
it wins and the power it builds.

Modules: ``command`` (the command object, parameters, words), ``wins`` (log and list wins, announced
in every linked channel), ``relationships`` (work two organisations did together, read from pledges,
meetings, working groups, goals and statements), ``leaders`` (members who took on a lead), ``pulse``
(the anonymous pulse: counts per score kept apart from who answered), ``report`` (the four together,
text and one image), ``measures`` (pure functions), ``charts`` (networkx layout, matplotlib
drawing), ``hooks`` (status, export, forget-me, the pulse's reminder).
"""

from __future__ import annotations

from bot.commands.impact import leaders, pulse, relationships, report, wins  # noqa: F401  (register subcommands)
from bot.commands.impact.command import impact
from bot.commands.impact.hooks import MERGES, TABLES, export, forget, merge, remind_due, remind_run, status
from bot.commands.impact.mine import PRIVACY, export_mine
from bot.core.workflow import TimedJob, Workflow

ORDER = ("win", "wins", "relationships", "leaders", "pulse", "report")
impact.subcommands = {
    path: impact.subcommands[path] for path in sorted(impact.subcommands, key=lambda p: ORDER.index(p[0]))
}

workflow = Workflow(
    name="impact",
    command=impact,
    jobs=(TimedJob("impact.pulse_reminder", remind_due, remind_run),),
    status=(status,),
    export=export,
    exports=TABLES,
    forget=forget,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
)

__all__ = ["impact", "workflow"]
