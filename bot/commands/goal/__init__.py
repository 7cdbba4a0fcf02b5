"""Shared goals with measurable targets: ``/goal``, the goals in ``/coalition status``, their export."""

from bot.commands.goal.goals import goal
from bot.commands.goal.mine import PRIVACY, export_mine
from bot.commands.goal.status import MERGES, goals_export, goals_section, merge
from bot.core.workflow import Workflow

workflow = Workflow(
    "goal",
    command=goal,
    status=(goals_section,),
    export=goals_export,
    exports=("goal",),
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
)
