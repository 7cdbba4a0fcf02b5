"""``/goal``: shared goals with measurable targets."""

from __future__ import annotations

from bot.charts import pace_of
from bot.commands.common import clean_name, find_owner, sentence
from bot.commands.goal.progress import find_goal, goal_chart, goal_line, goal_series, progress_of
from bot.commands.goal.status import pace_line
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING, Command
from bot.core.ui import (
    Block,
    Bold,
    Context,
    Field,
    Fields,
    Header,
    Option,
    Reply,
    Section,
    Timestamp,
    markup,
    quantity,
    rich,
)
from bot.store.models import Goal, GoalStatus, Organisation

goal = Command("goal", N_("Shared goals with measurable targets"))

GOAL_ID = Param("id", Kind.ID, required=True, positional=True, autocomplete="goal", description=N_("The goal"))
SHOWN = 20
TOP_CONTRIBUTORS = 10
RECENT = 5


@goal.sub(
    "add",
    summary=N_("Steering: add a goal with a target"),
    roles=STEERING,
    usage=N_('/goal add "<title>" target=<n> [unit=] [due=YYYY-MM-DD] [owner=]'),
    params=(
        Param("title", required=True, positional=True, max_length=150, description=N_("What the coalition aims for")),
        Param("target", Kind.NUMBER, required=True, minimum=0.000001, description=N_("The number to reach")),
        Param("unit", max_length=30, description=N_("What is counted, like calls")),
        Param("due", Kind.DATE, description=N_("Due date, YYYY-MM-DD")),
        Param("owner", max_length=100, autocomplete="owner", description=N_("Organisation or working group")),
    ),
)
async def add(ctx: Ctx, args: Args) -> Reply:
    title = clean_name(args.title, N_("goal title"), 150)
    today = ctx.clock.now().date()
    if args.due is not None and args.due < today:
        raise BadArgument(
            _(
                "`due` is in the past ({due}); give a date from {today} on.",
                due=args.due.isoformat(),
                today=today.isoformat(),
            )
        )
    owner = await find_owner(ctx, args.owner) if args.owner else None
    new = Goal(
        coalition_id=ctx.c.id or 0,
        title=title,
        target=args.target,
        unit=(args.unit or "").strip(),
        due=args.due,
        created_by=ctx.me.id,
        created_at=ctx.clock.now(),
        owner_org_id=owner.id if isinstance(owner, Organisation) else None,
        owner_group_id=None if owner is None or isinstance(owner, Organisation) else owner.id,
    )
    await ctx.repo.add(new)
    await ctx.repo.audit("goal.added", member=ctx.me, subject=title, goal_id=new.id)
    name = Bold(f"#{new.id} {title}")
    if owner:
        added = sentence(
            N_("Goal {goal} added: {details}, owned by {owner}."), goal=name, details=goal_line(new), owner=owner.name
        )
    else:
        added = sentence(N_("Goal {goal} added: {details}."), goal=name, details=goal_line(new))
    return Reply.private(
        added,
        Context(markup(_("Members check in with `/checkin <amount> goal={id}`.", id=new.id))),
    )


@goal.sub("list", summary=N_("Goals with progress (open first, then closed)"), usage=N_("/goal list"))
async def list_(ctx: Ctx, args: Args) -> Reply:
    goals = sorted(await ctx.repo.goals(include_closed=True), key=lambda g: g.status != GoalStatus.OPEN.value)
    if not goals:
        return Reply.private(_('No goals yet. Steering adds one with `/goal add "Title" target=100 unit=calls`.'))
    totals = await ctx.repo.progress([g.id for g in goals[:SHOWN] if g.id is not None])
    blocks: list[Block] = [Header(_("Goals of {coalition}", coalition=ctx.c.name))]
    for g in goals[:SHOWN]:
        blocks.append(progress_of(g, totals.get(g.id or 0, 0.0)))
        blocks.append(Context(rich(goal_line(g))))
    if len(goals) > SHOWN:
        blocks.append(
            Context(
                markup(
                    ngettext(
                        "…and {n} more: `/goal show <id>`.", "…and {n} more: `/goal show <id>`.", len(goals) - SHOWN
                    )
                )
            )
        )
    return Reply.private(*blocks)


@goal.sub(
    "show",
    summary=N_("One goal's progress, contributors and recent check-ins"),
    usage=N_("/goal show <id>"),
    params=(GOAL_ID,),
)
async def show(ctx: Ctx, args: Args) -> Reply:
    g = await find_goal(ctx, args.id)
    goal_id = g.id or 0
    total = (await ctx.repo.progress([goal_id])).get(goal_id, 0.0)
    top = await ctx.repo.contributors(goal_id, TOP_CONTRIBUTORS)
    recent = await ctx.repo.recent_checkins(goal_id, RECENT)
    former = _("former member")
    blocks: list[Block] = [Header(f"#{g.id} {g.title}"), progress_of(g, total), Context(rich(goal_line(g)))]
    if top:
        blocks.append(Fields(tuple(Field(name or former, rich(quantity(amount, g.unit))) for name, amount in top)))
    for c, name in recent:
        who = name or former
        line = sentence(
            N_("{amount} by {who}, {when}"),
            amount=Bold(number(c.amount)),
            who=who,
            when=Timestamp(c.created_at, ctx.tz),
        )
        if c.note:
            line = line + f" — {c.note}"
        if c.blockers:
            line = line + " " + _("(blockers: {blockers})", blockers=c.blockers)
        blocks.append(Section(line))
    if not recent:
        blocks.append(Section(markup(_("No check-ins yet: `/checkin <amount> goal={id}`.", id=g.id))))
    now = ctx.clock.now()
    points = (await ctx.repo.series([goal_id], now=now))[goal_id]
    blocks.append(Context(rich(pace_line(pace_of(goal_series(g, points), now=now, tz=ctx.c.tz)))))
    blocks.append(await goal_chart(g, points, ctx.c.tz, now))
    return Reply.private(*blocks)


@goal.sub(
    "close",
    summary=N_("Steering: close a goal (its history stays)"),
    usage=N_("/goal close <id>"),
    params=(GOAL_ID,),
    roles=STEERING,
)
async def close(ctx: Ctx, args: Args) -> Reply:
    g = await find_goal(ctx, args.id)
    if g.status == GoalStatus.CLOSED.value:
        raise UserError(_("Goal #{id} is already closed.", id=g.id))
    g.status = GoalStatus.CLOSED.value
    g.closed_at = ctx.clock.now()
    await ctx.repo.save(g)
    total = (await ctx.repo.progress([g.id or 0])).get(g.id or 0, 0.0)
    await ctx.repo.audit("goal.closed", member=ctx.me, subject=g.title, goal_id=g.id)
    return Reply.private(
        sentence(
            N_("Closed {goal} at {progress}."),
            goal=Bold(f"#{g.id} {g.title}"),
            progress=progress_of(g, total).summary(),
        )
    )


@goal.completer("goal")
async def complete_goal(ctx: Ctx, partial: str) -> list[Option]:
    goals = await ctx.repo.goals()
    return [Option(f"#{g.id} {g.title}"[:100], str(g.id)) for g in goals if partial in f"{g.id} {g.title}".lower()]


@goal.completer("owner")
async def complete_owner(ctx: Ctx, partial: str) -> list[Option]:
    names = [o.name for o in await ctx.repo.organisations()] + [g.name for g in await ctx.repo.groups()]
    return [Option(n[:100], n[:100]) for n in names if partial in n.lower()]


@goal.completer("org")
async def complete_org(ctx: Ctx, partial: str) -> list[Option]:
    return [Option(o.name[:100], o.name[:100]) for o in await ctx.repo.organisations() if partial in o.name.lower()]
