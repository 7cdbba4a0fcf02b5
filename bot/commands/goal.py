"""``/goal``: shared goals with measurable targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.charts import Series, progress_chart
from bot.commands.common import clean_name, find_goal, find_owner, goal_line, progress_of
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING, Command
from bot.core.ui import (
    Attachment,
    Block,
    Bold,
    Context,
    Field,
    Fields,
    Header,
    Image,
    Option,
    Reply,
    Section,
    Timestamp,
    format_number,
    markup,
    quantity,
    rich,
)
from bot.store.models import Checkin, Goal, GoalStatus, Organisation

goal = Command("goal", "Shared goals with measurable targets")

GOAL_ID = Param("id", Kind.ID, required=True, positional=True, autocomplete="goal", description="The goal")


@goal.sub(
    "add",
    summary="Steering: add a goal with a target",
    roles=STEERING,
    usage='/goal add "<title>" target=<n> [unit=] [due=YYYY-MM-DD] [owner=]',
    params=(
        Param("title", required=True, positional=True, max_length=150, description="What the coalition aims for"),
        Param("target", Kind.NUMBER, required=True, minimum=0.000001, description="The number to reach"),
        Param("unit", max_length=30, description="What is counted, like calls"),
        Param("due", Kind.DATE, description="Due date, YYYY-MM-DD"),
        Param("owner", max_length=100, autocomplete="owner", description="Organisation or working group"),
    ),
)
async def add(ctx: Ctx, args: Args) -> Reply:
    title = clean_name(args.title, "goal title", 150)
    today = ctx.clock.now().date()
    if args.due is not None and args.due < today:
        raise BadArgument(f"`due` is in the past ({args.due.isoformat()}); give a date from {today.isoformat()} on.")
    owner = await find_owner(ctx, args.owner) if args.owner else None
    new = Goal(
        coalition_id=ctx.c.id or 0,
        title=title,
        target=args.target,
        unit=(args.unit or "").strip(),
        due=args.due,
        created_by=ctx.me.id,
        owner_org_id=owner.id if isinstance(owner, Organisation) else None,
        owner_group_id=None if owner is None or isinstance(owner, Organisation) else owner.id,
    )
    await ctx.repo.add(new)
    await ctx.repo.audit("goal.added", member=ctx.me, subject=title, goal_id=new.id)
    owner_text = f", owned by {owner.name}" if owner else ""
    return Reply.private(
        rich("Goal ", Bold(f"#{new.id} {title}"), f" added: {goal_line(new)}{owner_text}."),
        Context(markup(f"Members check in with `/checkin <amount> goal={new.id}`.")),
    )


@goal.sub("list", summary="Goals with progress (open first, then closed)", usage="/goal list")
async def list_(ctx: Ctx, args: Args) -> Reply:
    goals = sorted(await ctx.repo.goals(include_closed=True), key=lambda g: g.status != GoalStatus.OPEN.value)
    if not goals:
        return Reply.private('No goals yet. Steering adds one with `/goal add "Title" target=100 unit=calls`.')
    totals = await ctx.repo.progress([g.id for g in goals if g.id is not None])
    blocks: list[Block] = [Header(f"Goals of {ctx.c.name}")]
    for g in goals[:20]:
        blocks.append(progress_of(g, totals.get(g.id or 0, 0.0)))
        blocks.append(Context(rich(goal_line(g))))
    if len(goals) > 20:
        blocks.append(Context(markup(f"…and {len(goals) - 20} more: `/goal show <id>`.")))
    return Reply.private(*blocks)


@goal.sub(
    "show", summary="One goal's progress, contributors and recent check-ins", usage="/goal show <id>", params=(GOAL_ID,)
)
async def show(ctx: Ctx, args: Args) -> Reply:
    g = await find_goal(ctx, args.id)
    checkins = await ctx.repo.checkins(g.id)
    total = sum(c.amount for c in checkins)
    people = {m.id: m.display_name for m in await ctx.repo.members()}
    by_member: dict[str, float] = {}
    for c in checkins:
        name = people.get(c.member_id, "former member") if c.member_id else "former member"
        by_member[name] = by_member.get(name, 0.0) + c.amount
    blocks: list[Block] = [Header(f"#{g.id} {g.title}"), progress_of(g, total), Context(rich(goal_line(g)))]
    if by_member:
        top = sorted(by_member.items(), key=lambda kv: -kv[1])[:10]
        blocks.append(Fields(tuple(Field(name, rich(quantity(amount, g.unit))) for name, amount in top)))
    for c in checkins[-5:][::-1]:
        who = people.get(c.member_id, "former member") if c.member_id else "former member"
        line = rich(Bold(f"{format_number(c.amount)}"), f" by {who}, ", Timestamp(c.created_at, ctx.tz))
        if c.note:
            line = line + f" — {c.note}"
        if c.blockers:
            line = line + f" (blockers: {c.blockers})"
        blocks.append(Section(line))
    if not checkins:
        blocks.append(Section(markup(f"No check-ins yet: `/checkin <amount> goal={g.id}`.")))
    else:
        blocks.append(goal_chart(g, checkins, ctx.c.tz, ctx.clock.now()))
    return Reply.private(*blocks)


def goal_chart(g: Goal, checkins: Sequence[Checkin], tz: str, now: datetime) -> Image:
    """The goal's cumulative progress over time against its target, as a PNG."""
    png = progress_chart(
        Series(g.title, [(c.created_at, c.amount) for c in checkins], g.target, g.unit), tz=tz, now=now
    )
    return Image(
        Attachment(f"goal-{g.id}-progress.png", png, "image/png", g.title),
        f"Progress of {g.title}: {format_number(sum(c.amount for c in checkins))} of {format_number(g.target)}",
    )


@goal.sub(
    "close",
    summary="Steering: close a goal (its history stays)",
    usage="/goal close <id>",
    params=(GOAL_ID,),
    roles=STEERING,
)
async def close(ctx: Ctx, args: Args) -> Reply:
    g = await find_goal(ctx, args.id)
    if g.status == GoalStatus.CLOSED.value:
        raise UserError(f"Goal #{g.id} is already closed.")
    g.status = GoalStatus.CLOSED.value
    g.closed_at = ctx.clock.now()
    ctx.session.add(g)
    total = (await ctx.repo.progress([g.id or 0])).get(g.id or 0, 0.0)
    await ctx.repo.audit("goal.closed", member=ctx.me, subject=g.title, goal_id=g.id)
    return Reply.private(rich("Closed ", Bold(f"#{g.id} {g.title}"), f" at {progress_of(g, total).summary()}."))


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
