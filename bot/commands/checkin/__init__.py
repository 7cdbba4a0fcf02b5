"""Progress reports on goals: ``/checkin``, scheduled prompts with reminders and digests, reports."""

# The order of these modules is the order of the subcommands in help.
# isort: off
import bot.commands.checkin.log
import bot.commands.checkin.schedules
import bot.commands.checkin.report  # noqa: F401

# isort: on
from bot.commands.checkin.export import MERGES, checkins_export, forget, merge
from bot.commands.checkin.inbox import checkin_inbox
from bot.commands.checkin.log import checkin
from bot.commands.checkin.mine import PRIVACY, export_mine
from bot.commands.checkin.repo import erase_notes
from bot.commands.checkin.timing import PROMPTS, WINDOWS
from bot.core.retention import retention_job
from bot.core.workflow import Workflow

RETENTION = retention_job("checkin", "keep_notes", erase_notes)  # daily, where steering set keep_notes

workflow = Workflow(
    "checkin",
    command=checkin,
    jobs=(PROMPTS, WINDOWS, RETENTION),
    export=checkins_export,
    exports=("checkin", "checkinschedule", "checkinwindow", "goaltally", "goalday"),  # the last two: sums of check-ins
    forget=forget,
    export_mine=export_mine,
    privacy=PRIVACY,
    merge=merge,
    merges=MERGES,
    inbox=(checkin_inbox,),
)
