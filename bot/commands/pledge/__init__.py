"""``/pledge``: organisations offer resources and post needs; offers are ranked against needs and
matched, partly or fully, handed over and tracked; ``map`` shows who carries what. Organisation
profiles (``/coalition profile``) live here too.

Modules: ``command`` (the command object, parameters, words), ``ranking`` and ``ledger`` (pure
functions), ``views`` (how things read), ``service`` (shared database work), ``offers``,
``matching``, ``listing``, ``resource_map`` (its chart in ``bot.charts.grouped``), ``profiles``,
``hooks`` (status, export, forget-me, the weekly digest).
"""

from __future__ import annotations

from bot.commands.pledge import listing, matching, offers, profiles, resource_map  # noqa: F401  (register subcommands)
from bot.commands.pledge.command import pledge
from bot.commands.pledge.hooks import EXPORTS, MERGES, digest_due, digest_run, export, forget, merge, status
from bot.commands.pledge.inbox import pledge_inbox
from bot.commands.pledge.mine import PRIVACY, export_mine
from bot.commands.pledge.profiles import join_offer, profile_lines
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

__all__ = ["join_offer", "pledge", "profile_lines", "workflow"]
