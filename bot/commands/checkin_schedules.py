"""Scheduled check-ins as commands: ``/checkin schedule weekly|daily|cron``, ``schedules``,
``unschedule`` and ``report``, plus the summary the report and the digest share.

What happens on time (prompts, reminders, digests) lives in ``bot/scheduling/checkins.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.checkin import checkin
from bot.commands.common import export_section, progress_of, row_dict
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound, UserError
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import (
    Block,
    Bold,
    Context,
    Field,
    Fields,
    Header,
    Reply,
    Section,
    Timestamp,
    markup,
    quantity,
    rich,
)
from bot.scheduling import plan
from bot.store.models import Coalition, Role
from bot.store.repo import CoalitionRepo
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow

DAY = Param("day", Kind.CHOICE, required=True, positional=True, choices=plan.DAYS, description="Day of the week")
TIME = Param("time", Kind.TIME, required=True, positional=True, description="Local time, HH:MM")
EXPR = Param("expr", required=True, positional=True, max_length=120, description='Cron expression, like "0 9 * * mon"')
TZ = Param("tz", Kind.TZ, description="Time zone, like Europe/Berlin (default: the coalition's)")
WINDOW = Param("window", Kind.NUMBER, minimum=0.01, description="Hours to check in after each prompt")
MAX_WINDOW_HOURS = 24 * 7
MAX_SCHEDULES = 20


@checkin.sub(
    "schedule weekly",
    summary="Steering: prompt a check-in every week",
    roles=STEERING,
    usage="/checkin schedule weekly <mon..sun> <HH:MM> [tz=] [window=<hours>]",
    params=(DAY, TIME, TZ, WINDOW),
)
async def schedule_weekly(ctx: Ctx, args: Args) -> Reply:
    cron = plan.weekly_cron(args.day, args.time.hour, args.time.minute)
    return await create_schedule(ctx, "weekly", cron, f"weekly {args.day} {args.time:%H:%M}", args)


@checkin.sub(
    "schedule daily",
    summary="Steering: prompt a check-in every day",
    roles=STEERING,
    usage="/checkin schedule daily <HH:MM> [tz=] [window=<hours>]",
    params=(TIME, TZ, WINDOW),
)
async def schedule_daily(ctx: Ctx, args: Args) -> Reply:
    cron = plan.daily_cron(args.time.hour, args.time.minute)
    return await create_schedule(ctx, "daily", cron, f"daily {args.time:%H:%M}", args)


@checkin.sub(
    "schedule cron",
    summary="Steering: prompt check-ins on a cron schedule (down to every minute)",
    roles=STEERING,
    usage='/checkin schedule cron "<expr>" [tz=] [window=<hours>]',
    params=(EXPR, TZ, WINDOW),
)
async def schedule_cron(ctx: Ctx, args: Args) -> Reply:
    try:
        cron = plan.validate_cron(args.expr)
    except ValueError as error:
        raise BadArgument(
            f"`{args.expr[:60]}` is not a cron expression I can use: {error}. "
            'Five fields: minute hour day month weekday, like `"0 9 * * mon"` (Mondays 09:00) or `"*/15 * * * *"`.'
        ) from None
    return await create_schedule(ctx, "cron", cron, f"cron {cron}", args)


async def create_schedule(ctx: Ctx, kind: str, cron: str, label: str, args: Args) -> Reply:
    if len(await active_schedules(ctx.session, ctx.c.id or 0)) >= MAX_SCHEDULES:
        raise UserError(
            f"This coalition already has {MAX_SCHEDULES} scheduled check-ins, the most it may have. "
            "Stop one first (`/checkin schedules`, `/checkin unschedule <id>`)."
        )
    tz = args.tz or ctx.c.tz
    now = ctx.clock.now()
    first = plan.next_fire(cron, tz, now)
    if first is None:
        raise BadArgument("That schedule never fires. Check the day and month fields.")
    window_hours: float | None = args.window
    if window_hours is not None:
        if window_hours > MAX_WINDOW_HOURS:
            raise BadArgument(f"`window` is at most {MAX_WINDOW_HOURS} hours (a week); got {window_hours:g}.")
        second = plan.next_fire(cron, tz, first)
        if second is not None and timedelta(hours=window_hours) > second - first:
            raise BadArgument(
                f"`window` ({hours(window_hours)}) is longer than the time between prompts "
                f"({hours((second - first).total_seconds() / 3600)}); "
                "windows would overlap. Give a shorter window, or leave it out (until the next prompt)."
            )
    schedule = CheckinSchedule(
        coalition_id=ctx.c.id or 0,
        kind=kind,
        cron=cron,
        label=label,
        tz=tz,
        window_hours=window_hours,
        next_fire_at=first,
        created_by=ctx.me.id,
        created_at=now,
    )
    await ctx.repo.add(schedule)
    await ctx.repo.audit("checkin.scheduled", member=ctx.me, subject=label, schedule_id=schedule.id, tz=tz)
    window = describe_window(schedule)
    return Reply.private(
        rich("Scheduled check-in ", Bold(f"#{schedule.id}"), f": {label} ({tz}), {window}."),
        Section(rich("First prompt: ", Timestamp(first, ctx.tz), ".")),
        Context(markup(f"Every linked channel gets the prompt. Stop it with `/checkin unschedule {schedule.id}`.")),
    )


def describe_window(schedule: CheckinSchedule) -> str:
    if schedule.window_hours is None:
        return "open until the next prompt (at most 24 h)"
    return f"open for {hours(schedule.window_hours)}"


def hours(value: float) -> str:
    """2 h, 1.5 h, 45 min."""
    return f"{value:g} h" if value >= 1 else f"{round(value * 60, 1):g} min"


@checkin.sub("schedules", summary="Scheduled check-ins with their next prompt", usage="/checkin schedules")
async def schedules(ctx: Ctx, args: Args) -> Reply:
    rows = await active_schedules(ctx.session, ctx.c.id or 0)
    if not rows:
        return Reply.private("No scheduled check-ins. Steering adds one with `/checkin schedule weekly mon 09:00`.")
    blocks: list[Block] = [Header(f"Scheduled check-ins ({len(rows)})")]
    for row in rows[:30]:
        line = rich(Bold(f"#{row.id}"), f" {row.label} ({row.tz}), {describe_window(row)}. Next: ")
        line = line + (rich(Timestamp(row.next_fire_at, ctx.tz)) if row.next_fire_at else rich("never"))
        skipped = await skipped_count(ctx.session, row.id or 0)
        if skipped:
            line = line + f" ({skipped} prompt{'s' if skipped != 1 else ''} skipped while the bot was down)"
        blocks.append(Section(line))
    return Reply.private(*blocks)


async def active_schedules(session: AsyncSession, coalition_id: int) -> Sequence[CheckinSchedule]:
    query = (
        select(CheckinSchedule)
        .where(CheckinSchedule.coalition_id == coalition_id, col(CheckinSchedule.active).is_(True))
        .order_by(col(CheckinSchedule.id))
    )
    return (await session.exec(query)).all()


async def skipped_count(session: AsyncSession, schedule_id: int) -> int:
    rows = (
        await session.exec(
            select(CheckinWindow).where(CheckinWindow.schedule_id == schedule_id, col(CheckinWindow.skipped).is_(True))
        )
    ).all()
    return len(rows)


@checkin.sub(
    "unschedule",
    summary="Steering: stop a scheduled check-in (an open window still gets its digest)",
    roles=STEERING,
    usage="/checkin unschedule <id>",
    params=(Param("id", Kind.ID, required=True, positional=True, description="The schedule"),),
)
async def unschedule(ctx: Ctx, args: Args) -> Reply:
    row = await ctx.session.get(CheckinSchedule, args.id)
    if row is None or row.coalition_id != ctx.c.id or not row.active:
        raise NotFound(f"There is no active schedule #{args.id}. See `/checkin schedules`.")
    row.active = False
    row.cancelled_at = ctx.clock.now()
    row.next_fire_at = None
    ctx.session.add(row)
    await ctx.repo.audit("checkin.unscheduled", member=ctx.me, subject=row.label, schedule_id=row.id)
    return Reply.private(
        rich(
            "Stopped schedule ",
            Bold(f"#{row.id}"),
            f" ({row.label}). No more prompts; an open window still gets its digest.",
        )
    )


@checkin.sub(
    "report",
    summary="Who reported, totals per goal, blockers, and who has not reported",
    usage="/checkin report [week|month]",
    params=(
        Param("period", Kind.CHOICE, positional=True, choices=("week", "month"), description="week (default) or month"),
    ),
)
async def report(ctx: Ctx, args: Args) -> Reply:
    period = args.period or "week"
    end = ctx.clock.now() + timedelta(seconds=1)  # include what was reported this very moment
    start = end - (timedelta(days=7) if period == "week" else timedelta(days=30))
    blocks = await summary_blocks(ctx.session, ctx.c, start, end, ctx.tz)
    title = f"Check-ins, last {'7' if period == 'week' else '30'} days"
    return Reply.private(Header(title), *blocks)


async def summary_blocks(
    session: AsyncSession, coalition: Coalition, start: datetime, end: datetime, tz: str
) -> list[Block]:
    """Totals per goal vs target, who reported, blockers, who has not reported, for [start, end)."""
    repo = CoalitionRepo(session, coalition.id or 0)
    entries = [c for c in await repo.checkins(since=start) if c.created_at < end]
    goals = await repo.goals()
    members = await repo.members()
    names = {m.id: m.display_name for m in members}
    totals = await repo.progress([g.id for g in goals if g.id is not None])
    blocks: list[Block] = [Context(rich("From ", Timestamp(start, tz), " to ", Timestamp(end, tz), "."))]
    for goal in goals[:20]:
        in_period = sum(c.amount for c in entries if c.goal_id == goal.id)
        blocks.append(progress_of(goal, totals.get(goal.id or 0, 0.0)))
        blocks.append(Context(rich(f"+{quantity(in_period, goal.unit)} in this period")))
    reporters = sorted({names.get(c.member_id, "a former member") for c in entries})
    reported = {c.member_id for c in entries}
    silent = sorted(m.display_name for m in members if m.id not in reported and m.role != Role.OBSERVER.value)
    fields = [
        Field(f"Reported ({len(reporters)})", rich(", ".join(reporters) or "nobody yet")),
        Field(
            f"Not reported ({len(silent)})",
            rich(", ".join(silent[:40]) + (" …" if len(silent) > 40 else "") or "everyone reported"),
        ),
    ]
    blocks.append(Fields(tuple(fields)))
    blockers = [(names.get(c.member_id, "a former member"), c.blockers) for c in entries if c.blockers]
    if blockers:
        text = rich(Bold("Blockers:"))
        for who, what in blockers[:15]:
            text = text + rich(f"\n• {who}: {what}")
        blocks.append(Section(text))
    return blocks


@export_section
async def schedules_export(ctx: Ctx) -> dict[str, object]:
    rows = (await ctx.session.exec(select(CheckinSchedule).where(CheckinSchedule.coalition_id == ctx.c.id))).all()
    windows = (
        await ctx.session.exec(
            select(CheckinWindow).where(CheckinWindow.coalition_id == ctx.c.id).order_by(col(CheckinWindow.id))
        )
    ).all()
    return {"checkin_schedules": [row_dict(r) for r in rows], "checkin_windows": [row_dict(w) for w in windows]}
