"""A coalition itself: ``/coalition`` (create, link channels, organisations, members, roles, groups,
languages), and the dashboard, export and forget-me that every workflow contributes to."""

# The order of these modules is the order of the subcommands in help.
# isort: off
import bot.commands.coalition.setup
import bot.commands.coalition.membership
import bot.commands.coalition.groups
import bot.commands.coalition.channels
import bot.commands.coalition.connect
import bot.commands.coalition.status
import bot.commands.coalition.inbox
import bot.commands.coalition.export
import bot.commands.coalition.privacy
import bot.commands.coalition.privacy_page
import bot.commands.coalition.audit
import bot.commands.coalition.profiles  # noqa: F401

# isort: on
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.coalition.command import coalition
from bot.commands.coalition.connect import MERGES, merge
from bot.commands.coalition.delivery import delivery_section
from bot.commands.coalition.export import coalition_export
from bot.commands.coalition.membership import requests_inbox
from bot.commands.coalition.mine import PRIVACY, export_mine
from bot.commands.coalition.privacy_page import privacy_routes
from bot.commands.coalition.repo import forget
from bot.core.workflow import JobEnv, TimedJob, Workflow
from bot.store.membership_repo import drop_spent_codes, spent_code_coalitions


async def _drop_codes(session: AsyncSession, coalition_id: int, now: datetime, env: JobEnv) -> int:
    await drop_spent_codes(session, coalition_id, now)
    return 0


# Link and connect codes are kept until they are used or expire (what the privacy page says).
SPENT_CODES = TimedJob("coalition.spent_codes", due=spent_code_coalitions, run=_drop_codes)

workflow = Workflow(
    "coalition",
    command=coalition,
    jobs=(SPENT_CODES,),
    status=(delivery_section,),
    export=coalition_export,
    exports=(
        "channelbinding",
        "organisation",
        "member",
        "identity",
        "workinggroup",
        "groupmembership",
        "linkcode",
        "auditentry",
        "outboxmessage",
        "join_request",
        "connect_code",
    ),
    forget=forget,
    routes=privacy_routes,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
    inbox=(requests_inbox,),
)
