"""``/pledge``: organisations offer resources and post needs; offers are ranked against needs and
matched, partly or fully, handed over and tracked; ``map`` shows who carries what. Organisation
profiles (``/coalition profile``) are the coalition's (``bot/commands/coalition/profiles.py``).

Modules: ``command`` (the command object, parameters, words), ``ranking`` and ``ledger`` (pure
functions), ``views`` (how things read), ``service`` (shared database work), ``offers``,
``matching``, ``listing``, ``resource_map`` (its chart in ``bot.charts.grouped``),
``hooks`` (status, export, forget-me, the weekly digest).
"""

from __future__ import annotations

from bot.commands.pledge import listing, matching, offers, resource_map  # noqa: F401  (register subcommands)
from bot.commands.pledge.command import pledge
from bot.commands.pledge.hooks import EXPORTS, MERGES, digest_due, digest_run, export, forget, merge, status
from bot.commands.pledge.inbox import pledge_inbox
from bot.commands.pledge.mine import PRIVACY, export_mine
from bot.core.workflow import TimedJob, Workflow

ORDER = ("offer", "need", "list", "needs", "show", "match", "fulfill", "withdraw", "map")
pledge.subcommands = {
    path: pledge.subcommands[path] for path in sorted(pledge.subcommands, key=lambda p: ORDER.index(p[0]))
}

workflow = Workflow(
    name="pledge",
    command=pledge,
    jobs=(TimedJob("pledge.stalled_needs", digest_due, digest_run),),
    status=(status,),
    export=export,
    exports=EXPORTS,
    forget=forget,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
    inbox=(pledge_inbox,),
)

__all__ = ["pledge", "workflow"]
