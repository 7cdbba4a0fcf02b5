"""``/checkin``: members report progress on a goal (amount, note, blockers)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.common import sentence
from bot.commands.goal.progress import find_goal, progress_of
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS, Command
from bot.core.ui import Bold, Context, Form, FormField, Option, Reply, Section, format_number, quantity, rich
from bot.store.models import Checkin, Goal, GoalStatus

checkin = Command("checkin", N_("Report progress on a goal"), default=("log",), bare=("log",))

AMOUNT = Param("amount", Kind.NUMBER, positional=True, description=N_("How much you did, in the goal's unit"))
GOAL = Param("goal", Kind.ID, autocomplete="goal", description=N_("The goal (needed when several are open)"))
NOTE = Param("note", positional=True, max_length=500, description=N_("What you did"))
BLOCKERS = Param("blockers", max_length=500, description=N_("Anything in the way"))


@checkin.sub(
    "log",
    summary=N_("Log progress; bare /checkin opens a form"),
    roles=CONTRIBUTORS,
    opens_form=True,
    usage=N_('/checkin log <amount> [goal=<id>] ["note"] [blockers="..."]'),
    params=(AMOUNT, GOAL, NOTE, BLOCKERS),
)
async def log(ctx: Ctx, args: Args) -> Reply:
    goals = await ctx.repo.goals()
    if not goals:
        raise UserError(
            _('There is no open goal to check in on. Steering adds one with `/goal add "Title" target=100`.')
        )
    if not args.given:
        return Reply.open_form(checkin_form(goals))
    if args.amount is None:
        raise BadArgument(_('Say how much, like `/checkin 40 "called 40 people"`.'))
    if args.goal is not None:
        goal = await open_goal(ctx, args.goal)
    elif len(goals) == 1:
        goal = goals[0]
    else:
        listing = ", ".join(f"#{g.id} {g.title}" for g in goals[:10])
        form = checkin_form(goals, amount=args.amount, note=args.note or "", blockers=args.blockers or "")
        reply = Reply.open_form(form)
        reply.blocks = [Section(rich(_("Several goals are open; say which with goal=<id>: {goals}.", goals=listing)))]
        return reply
    return await record(ctx, goal, args.amount, args.note or "", args.blockers or "")


@checkin.form(
    "checkin.log",
    params=(
        Param("goal", Kind.ID, required=True, autocomplete="goal"),
        Param("amount", Kind.NUMBER, required=True),
        Param("note", max_length=500),
        Param("blockers", max_length=500),
    ),
)
async def log_form(ctx: Ctx, args: Args, state: str) -> Reply:
    goal = await open_goal(ctx, args.goal)
    return await record(ctx, goal, args.amount, args.note or "", args.blockers or "")


@checkin.action("checkin.open")
async def open_form_action(ctx: Ctx, value: str) -> Reply:
    goals = await ctx.repo.goals()
    if not goals:
        raise UserError(_("There is no open goal to check in on."))
    return Reply.open_form(checkin_form(goals))


async def open_goal(ctx: Ctx, goal_id: int) -> Goal:
    goal = await find_goal(ctx, goal_id)
    if goal.status != GoalStatus.OPEN.value:
        raise UserError(_("Goal #{id} is closed; check in on an open goal (`/goal list`).", id=goal.id))
    return goal


def checkin_form(goals: Sequence[Goal], *, amount: float | None = None, note: str = "", blockers: str = "") -> Form:
    options = tuple(Option(f"#{g.id} {g.title}"[:75], str(g.id)) for g in goals[:25])
    return Form(
        form_id="checkin.log",
        title=_("Check in"),
        submit_label=_("Check in"),
        fields=(
            FormField(
                "goal", _("Goal"), "select", options=options, initial=options[0].value if len(options) == 1 else ""
            ),
            FormField(
                "amount",
                _("How much?"),
                "number",
                initial=format_number(amount) if amount is not None else "",  # parsed back: not localised
                placeholder="40",
            ),
            FormField("note", _("What did you do?"), "long_text", required=False, initial=note, max_length=500),
            FormField(
                "blockers", _("Anything blocking you?"), "long_text", required=False, initial=blockers, max_length=500
            ),
        ),
    )


async def record(ctx: Ctx, goal: Goal, amount: float, note: str, blockers: str) -> Reply:
    repo = ctx.repo
    entry = Checkin(
        coalition_id=ctx.c.id or 0,
        goal_id=goal.id or 0,
        member_id=ctx.me.id,
        amount=amount,
        note=note.strip(),
        blockers=blockers.strip(),
        request_key=ctx.request_id,
        created_at=ctx.clock.now(),
    )
    await repo.add_checkin(entry)
    await repo.audit("checkin.logged", member=ctx.me, subject=goal.title, goal_id=goal.id, amount=amount)
    total = (await repo.progress([goal.id or 0])).get(goal.id or 0, 0.0)
    return Reply.private(
        sentence(
            N_("Thanks! Logged {amount} on {goal}."),
            amount=Bold(quantity(amount, goal.unit)),
            goal=f"#{goal.id} {goal.title}",
        ),
        progress_of(goal, total),
        *([Context(rich(_("Blockers noted: {blockers}", blockers=entry.blockers)))] if entry.blockers else []),
    )
