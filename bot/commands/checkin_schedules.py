"""Scheduled check-ins: ``/checkin schedule …``, ``schedules``, ``unschedule``, ``report``, and what
happens on time — the prompt in every channel, one private reminder at 80% of the window to those
who have not checked in, and the digest when the window closes.

:func:`process_due` does the timed work for every coalition. It is idempotent (every message has an
outbox key; every window is one row), so the scheduler may run it as often as it likes; the leader
process runs it every minute (``bot/scheduling/runner.py``).

Missed prompts (the bot was down at the time): a prompt less than ``grace`` late (10% of its window,
between 2 minutes and 1 hour) is sent late and its window keeps its scheduled close; an older one is
skipped — recorded as a skipped window, audited, and listed in ``/checkin schedules`` — and only the
most recent missed fire time is considered, so a long outage never floods channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.charts import Series, progress_overview
from bot.commands.checkin import checkin
from bot.commands.common import export_section, progress_of, row_dict
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound
from bot.core.outbox import Outbox
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import (
    Actions,
    Attachment,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Field,
    Fields,
    Header,
    Image,
    Reply,
    Section,
    Timestamp,
    markup,
    rich,
)
from bot.scheduling import plan
from bot.store.models import Coalition, Goal, Member, Role
from bot.store.repo import CoalitionRepo
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow

DAY = Param("day", Kind.CHOICE, required=True, positional=True, choices=plan.DAYS, description="Day of the week")
TIME = Param("time", Kind.TIME, required=True, positional=True, description="Local time, HH:MM")
EXPR = Param("expr", required=True, positional=True, max_length=120, description='Cron expression, like "0 9 * * mon"')
TZ = Param("tz", Kind.TZ, description="Time zone, like Europe/Berlin (default: the coalition's)")
WINDOW = Param("window", Kind.NUMBER, minimum=0.01, description="Hours to check in after each prompt")
MAX_WINDOW_HOURS = 24 * 7
REMIND_AT = 0.8


# commands --------------------------------------------------------------------------------------


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
            gap = (second - first).total_seconds() / 3600
            raise BadArgument(
                f"`window` ({window_hours:g} h) is longer than the time between prompts ({gap:g} h); "
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
    return f"open for {schedule.window_hours:g} h"


@checkin.sub("schedules", summary="Scheduled check-ins with their next prompt", usage="/checkin schedules")
async def schedules(ctx: Ctx, args: Args) -> Reply:
    rows = (
        await ctx.session.exec(
            select(CheckinSchedule)
            .where(CheckinSchedule.coalition_id == ctx.c.id, col(CheckinSchedule.active).is_(True))
            .order_by(col(CheckinSchedule.id))
        )
    ).all()
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


# what the channel sees ---------------------------------------------------------------------------


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
        unit = f" {goal.unit}" if goal.unit else ""
        blocks.append(Context(rich(f"+{in_period:g}{unit} in this period")))
    reporters = sorted({names.get(c.member_id, "a former member") for c in entries})
    silent = sorted(m.display_name for m in members if m.id not in {c.member_id for c in entries})
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


def prompt_reply(schedule: CheckinSchedule, window: CheckinWindow, goals: Sequence[Goal], late: bool) -> Reply:
    blocks: list[Block | str] = [
        Section(rich(Bold("Check-in time!"), " How did it go? Report progress on our goals.")),
        Section(rich("Open until ", Timestamp(window.closes_at, schedule.tz), ".")),
    ]
    if not goals:
        blocks.append(Context(rich("There is no open goal yet; steering adds one with /goal add.")))
    else:
        blocks.append(Context(rich("Goals: " + ", ".join(f"#{g.id} {g.title}" for g in goals[:10]))))
    if late:
        blocks.append(Context(rich("(Sent late: the bot was offline at the scheduled time.)")))
    blocks.append(Actions((Button("Check in", "checkin.open", str(window.id), ButtonStyle.PRIMARY),)))
    return Reply.channel(*blocks)


def reminder_reply(coalition: Coalition, window: CheckinWindow, tz: str) -> Reply:
    return Reply.private(
        rich(
            Bold(coalition.name),
            ": a reminder to check in before the window closes at ",
            Timestamp(window.closes_at, tz),
            ".",
        ),
        markup("Use the Check in button on the prompt in a coalition channel, or type `/checkin <amount>` there."),
    )


async def digest_reply(session: AsyncSession, coalition: Coalition, window: CheckinWindow, tz: str) -> Reply:
    blocks = await summary_blocks(session, coalition, window.opened_at, window.closes_at, tz)
    reply = Reply.channel(Header(f"Check-in digest: {coalition.name}"), *blocks)
    chart = await goals_chart(session, coalition, window.closes_at)
    if chart is not None:
        reply.blocks.append(chart)
    return reply


async def goals_chart(session: AsyncSession, coalition: Coalition, now: datetime) -> Image | None:
    repo = CoalitionRepo(session, coalition.id or 0)
    goals = await repo.goals()
    if not goals:
        return None
    entries = await repo.checkins()
    series = [
        Series(g.title, [(c.created_at, c.amount) for c in entries if c.goal_id == g.id], g.target, g.unit)
        for g in goals[:5]
    ]
    png = progress_overview(series, tz=coalition.tz, now=now)
    stamp = now.strftime("%Y%m%d-%H%M")
    return Image(
        Attachment(f"progress-{coalition.slug}-{stamp}.png", png, "image/png", "Progress"),
        "Progress of each goal towards its target",
    )


# the timed work ----------------------------------------------------------------------------------


async def process_due(session: AsyncSession, now: datetime) -> int:
    """Open due windows (prompts), send reminders, post digests. Returns messages queued."""
    queued = 0
    due = (
        await session.exec(
            select(CheckinSchedule)
            .where(col(CheckinSchedule.active).is_(True), col(CheckinSchedule.next_fire_at) <= now)
            .order_by(col(CheckinSchedule.id))
        )
    ).all()
    for schedule in due:
        queued += await fire(session, schedule, now)
    windows = (
        await session.exec(
            select(CheckinWindow)
            .where(
                col(CheckinWindow.skipped).is_(False),
                col(CheckinWindow.digested_at).is_(None),
                col(CheckinWindow.remind_at) <= now,
            )
            .order_by(col(CheckinWindow.id))
        )
    ).all()
    for window in windows:
        coalition = await session.get(Coalition, window.coalition_id)
        if coalition is None:
            continue
        outbox = Outbox(session, window.coalition_id, now=now)
        if window.closes_at <= now:
            posts = await outbox.announce(
                await digest_reply(session, coalition, window, coalition.tz), key=f"digest:{window.id}"
            )
            window.digested_at = now
            window.reminded_at = window.reminded_at or now  # too late to remind: the digest is out
            queued += len(posts)
        elif window.reminded_at is None:
            queued += await remind(session, outbox, coalition, window)
            window.reminded_at = now
        session.add(window)
    await session.flush()
    return queued


async def fire(session: AsyncSession, schedule: CheckinSchedule, now: datetime) -> int:
    assert schedule.next_fire_at is not None
    fire_at = schedule.next_fire_at
    missed = 0
    following = plan.next_fire(schedule.cron, schedule.tz, fire_at)
    while following is not None and following <= now and missed < 100_000:  # only the newest missed one counts
        fire_at, following = following, plan.next_fire(schedule.cron, schedule.tz, following)
        missed += 1
    window_length = (
        timedelta(hours=schedule.window_hours)
        if schedule.window_hours is not None
        else plan.default_window(schedule.cron, schedule.tz, fire_at)
    )
    late = now - fire_at
    window = CheckinWindow(
        coalition_id=schedule.coalition_id,
        schedule_id=schedule.id or 0,
        opened_at=fire_at,
        closes_at=fire_at + window_length,
        remind_at=fire_at + window_length * REMIND_AT,
        prompted_at=now,
        skipped=late > plan.grace(window_length) or now >= fire_at + window_length,
    )
    schedule.next_fire_at = following
    session.add(schedule)
    existing = (
        await session.exec(
            select(CheckinWindow).where(CheckinWindow.schedule_id == schedule.id, CheckinWindow.opened_at == fire_at)
        )
    ).first()
    if existing is not None:  # fired before (a concurrent run): nothing more to do
        return 0
    session.add(window)
    await session.flush()
    repo = CoalitionRepo(session, schedule.coalition_id)
    if window.skipped or missed:
        await repo.audit(
            "checkin.prompt_skipped",
            member=None,
            subject=schedule.label,
            schedule_id=schedule.id,
            missed=missed + (1 if window.skipped else 0),
            last_missed=fire_at.isoformat(),
        )
    if window.skipped:
        return 0
    goals = await repo.goals()
    posts = await Outbox(session, schedule.coalition_id, now=now).announce(
        prompt_reply(schedule, window, goals, late=late > timedelta(minutes=1)),
        key=f"prompt:{schedule.id}:{fire_at.isoformat()}",
    )
    return len(posts)


async def remind(session: AsyncSession, outbox: Outbox, coalition: Coalition, window: CheckinWindow) -> int:
    repo = CoalitionRepo(session, coalition.id or 0)
    reported = {c.member_id for c in await repo.checkins(since=window.opened_at) if c.created_at < window.closes_at}
    sent = 0
    members: Sequence[Member] = await repo.members()
    for member in members:
        if member.id is None or member.id in reported or member.role == Role.OBSERVER.value:
            continue
        sent += len(
            await outbox.direct(
                member.id,
                reminder_reply(coalition, window, member.tz or coalition.tz),
                key=f"remind:{window.id}:{member.id}",
            )
        )
    return sent


@export_section
async def schedules_export(ctx: Ctx) -> dict[str, object]:
    rows = (await ctx.session.exec(select(CheckinSchedule).where(CheckinSchedule.coalition_id == ctx.c.id))).all()
    return {"checkin_schedules": [row_dict(r) for r in rows]}
