"""``/unity``: a unity statement the coalition drafts together, publishes, and organisations sign.

Versions are numbered; each draft is a new version with its author and time (:mod:`.drafts`).
Publishing freezes the newest draft and posts it in every channel of the coalition (on every
platform) with a "Sign for my organisation" button (:mod:`.publish`); every posted copy is one
outbox *topic*, so a signature or withdrawal updates all copies in place (:mod:`.render`). One
organisation signs a version once (:mod:`.signing`, :mod:`.signatures`); signatures stay with the
version they were made on, and a new published version asks earlier signatories to sign again.
Deadlines remind and close (:mod:`.deadlines`). The published statement is public on the web
(:mod:`.pages`), where an organisation outside the chat can ask to sign
(:mod:`.sign_on`); steering approves or declines each request in the chat (:mod:`.requests`).

Replies are in the reader's language; posted copies and the final list in the coalition's; private
notes (re-sign requests, reminders) in the recipient's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.unity import deadlines, drafts, publish, requests, signing  # noqa: F401  (subcommand order)
from bot.commands.unity.command import unity
from bot.commands.unity.deadlines import run_deadlines
from bot.commands.unity.mine import PRIVACY, export_mine
from bot.commands.unity.records import MERGES, TABLES, export, forget, merge
from bot.commands.unity.requests import requests_inbox
from bot.commands.unity.status import unity_status
from bot.core.workflow import TimedJob, Workflow

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.core.clock import Clock
    from bot.store.db import Database

__all__ = ["run_deadlines", "unity", "workflow"]


def routes(db: Database, clock: Clock | None = None, workflows: tuple[Workflow, ...] = ()) -> list[BaseRoute]:
    """The public statement pages (``/unity/<slug>``, ``.json``, ``.csv``) and the sign-on form
    (``/unity/<slug>/sign``); ``clock`` for tests."""
    from bot.commands.unity.pages import unity_routes
    from bot.commands.unity.sign_on import sign_on_routes

    return [*unity_routes(db, clock), *sign_on_routes(db, clock)]


workflow = Workflow(
    name="unity",
    command=unity,
    jobs=(TimedJob("unity-deadlines", due=deadlines.due, run=deadlines.run, next_wake=None),),
    status=(unity_status,),
    export=export,
    exports=TABLES,
    forget=forget,
    routes=routes,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
    inbox=(requests_inbox,),
)
