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
import bot.commands.coalition.export
import bot.commands.coalition.privacy
import bot.commands.coalition.privacy_page
import bot.commands.coalition.audit  # noqa: F401

# isort: on
from bot.commands.coalition.command import coalition
from bot.commands.coalition.connect import MERGES, merge
from bot.commands.coalition.delivery import delivery_section
from bot.commands.coalition.export import coalition_export
from bot.commands.coalition.mine import PRIVACY, export_mine
from bot.commands.coalition.privacy_page import privacy_routes
from bot.commands.coalition.repo import forget
from bot.core.workflow import Workflow

workflow = Workflow(
    "coalition",
    command=coalition,
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
)
