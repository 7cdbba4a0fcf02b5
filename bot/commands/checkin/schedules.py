"""Scheduled check-ins as commands: ``/checkin schedule weekly|daily|cron``, ``schedules`` and
``unschedule``. What happens on time (prompts, reminders, digests) is in ``timing.py``."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.checkin.log import checkin
from bot.commands.checkin.repo import ScheduleRepo
from bot.commands.common import sentence
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound, UserError
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import Block, Bold, Code, Context, Header, Option, Reply, Section, Timestamp, markup
from bot.scheduling import plan
from bot.store.scheduling_models import CheckinSchedule

DAY = Param("day", Kind.CHOICE, required=True, positional=True, choices=plan.DAYS, description=N_("Day of the week"))
TIME = Param("time", Kind.TIME, required=True, positional=True, description=N_("Local time, HH:MM"))
EXPR = Param(
    "expr", required=True, positional=True, max_length=120, description=N_('Cron expression, like "0 9 * * mon"')
)
TZ = Param("tz", Kind.TZ, description=N_("Time zone, like Europe/Berlin (default: the coalition's)"))
WINDOW = Param("window", Kind.NUMBER, minimum=0.01, description=N_("Hours to check in after each prompt"))
MAX_WINDOW_HOURS = 24 * 7
MAX_SCHEDULES = 20
LISTED = 30


@checkin.sub(
    "schedule weekly",
    summary=N_("Steering: prompt a check-in every week"),
    roles=STEERING,
    usage=N_("/checkin schedule weekly <mon..sun> <HH:MM> [tz=] [window=<hours>]"),
    params=(DAY, TIME, TZ, WINDOW),
)
async def schedule_weekly(ctx: Ctx, args: Args) -> Reply:
    cron = plan.weekly_cron(args.day, args.time.hour, args.time.minute)
    return await create_schedule(ctx, "weekly", cron, f"weekly {args.day} {args.time:%H:%M}", args)


@checkin.sub(
    "schedule daily",
    summary=N_("Steering: prompt a check-in every day"),
    roles=STEERING,
    usage=N_("/checkin schedule daily <HH:MM> [tz=] [window=<hours>]"),
    params=(TIME, TZ, WINDOW),
)
async def schedule_daily(ctx: Ctx, args: Args) -> Reply:
    cron = plan.daily_cron(args.time.hour, args.time.minute)
    return await create_schedule(ctx, "daily", cron, f"daily {args.time:%H:%M}", args)


@checkin.sub(
    "schedule cron",
    summary=N_("Steering: prompt check-ins on a cron schedule (down to every minute)"),
    roles=STEERING,
    usage=N_('/checkin schedule cron "<expr>" [tz=] [window=<hours>]'),
    params=(EXPR, TZ, WINDOW),
)
async def schedule_cron(ctx: Ctx, args: Args) -> Reply:
    try:
        cron = plan.validate_cron(args.expr)
    except ValueError as error:
        raise BadArgument(
            _(
                "`{expr}` is not a cron expression I can use: {error}. "
                'Five fields: minute hour day month weekday, like `"0 9 * * mon"` (Mondays 09:00) or `"*/15 * * * *"`.',
                expr=args.expr[:60],
                error=error,
            )
        ) from None
    return await create_schedule(ctx, "cron", cron, f"cron {cron}", args)


async def create_schedule(ctx: Ctx, kind: str, cron: str, label: str, args: Args) -> Reply:
    schedules = ScheduleRepo.of(ctx)
    if len(await schedules.active()) >= MAX_SCHEDULES:
        raise UserError(
            ngettext(
                "This coalition already has {n} scheduled check-in, the most it may have. "
                "Stop it first (`/checkin schedules`, `/checkin unschedule <id>`).",
                "This coalition already has {n} scheduled check-ins, the most it may have. "
                "Stop one first (`/checkin schedules`, `/checkin unschedule <id>`).",
                MAX_SCHEDULES,
            )
        )
    tz = args.tz or ctx.c.tz
    now = ctx.clock.now()
    first = plan.next_fire(cron, tz, now)
    if first is None:
        raise BadArgument(_("That schedule never fires. Check the day and month fields."))
    window_hours: float | None = args.window
    if window_hours is not None:
        if window_hours > MAX_WINDOW_HOURS:
            raise BadArgument(
                _(
                    "`window` is at most {most} hours (a week); got {got}.",
                    most=MAX_WINDOW_HOURS,
                    got=number(window_hours),
                )
            )
        second = plan.next_fire(cron, tz, first)
        if second is not None and timedelta(hours=window_hours) > second - first:
            raise BadArgument(
                _(
                    "`window` ({window}) is longer than the time between prompts ({between}); "
                    "windows would overlap. Give a shorter window, or leave it out (until the next prompt).",
                    window=hours(window_hours),
                    between=hours((second - first).total_seconds() / 3600),
                )
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
    return Reply.private(
        sentence(
            N_("Scheduled check-in {id}: {label} ({tz}), {window}."),
            id=Bold(f"#{schedule.id}"),
            label=Code(label),
            tz=tz,
            window=describe_window(schedule),
        ),
        Section(sentence(N_("First prompt: {when}."), when=Timestamp(first, ctx.tz))),
        Context(
            markup(
                _(
                    "Every linked channel gets the prompt. Stop it with `/checkin unschedule {id}`.",
                    id=schedule.id,
                )
            )
        ),
    )


def describe_window(schedule: CheckinSchedule) -> str:
    if schedule.window_hours is None:
        return _("open until the next prompt (at most 24 h)")
    return _("open for {length}", length=hours(schedule.window_hours))


def hours(value: float) -> str:
    """2 h, 1.5 h, 45 min."""
    if value >= 1:
        return _("{n} h", n=number(value))
    return _("{n} min", n=number(round(value * 60, 1)))


@checkin.sub("schedules", summary=N_("Scheduled check-ins with their next prompt"), usage=N_("/checkin schedules"))
async def schedules(ctx: Ctx, args: Args) -> Reply:
    repo = ScheduleRepo.of(ctx)
    rows = await repo.active()
    if not rows:
        return Reply.private(_("No scheduled check-ins. Steering adds one with `/checkin schedule weekly mon 09:00`."))
    blocks: list[Block] = [Header(_("Scheduled check-ins ({n})", n=number(len(rows))))]
    for row in rows[:LISTED]:
        next_prompt = Timestamp(row.next_fire_at, ctx.tz) if row.next_fire_at else _("never")
        line = sentence(
            N_("{id} {label} ({tz}), {window}. Next: {next}"),
            id=Bold(f"#{row.id}"),
            label=Code(row.label),
            tz=row.tz,
            window=describe_window(row),
            next=next_prompt,
        )
        skipped = await repo.skipped_count(row.id or 0)
        if skipped:
            line = (
                line
                + " "
                + ngettext(
                    "({n} prompt skipped while the bot was down)",
                    "({n} prompts skipped while the bot was down)",
                    skipped,
                )
            )
        blocks.append(Section(line))
    return Reply.private(*blocks)


@checkin.sub(
    "unschedule",
    summary=N_("Steering: stop a scheduled check-in (an open window still gets its digest)"),
    roles=STEERING,
    usage=N_("/checkin unschedule <id>"),
    params=(
        Param("id", Kind.ID, required=True, positional=True, autocomplete="schedule", description=N_("The schedule")),
    ),
)
async def unschedule(ctx: Ctx, args: Args) -> Reply:
    repo = ScheduleRepo.of(ctx)
    row = await repo.schedule(args.id)
    if row is None or not row.active:
        raise NotFound(_("There is no active schedule #{id}. See `/checkin schedules`.", id=args.id))
    row.active = False
    row.cancelled_at = ctx.clock.now()
    row.next_fire_at = None
    await repo.save(row)
    await ctx.repo.audit("checkin.unscheduled", member=ctx.me, subject=row.label, schedule_id=row.id)
    return Reply.private(
        sentence(
            N_("Stopped schedule {id} ({label}). No more prompts; an open window still gets its digest."),
            id=Bold(f"#{row.id}"),
            label=Code(row.label),
        )
    )


@checkin.completer("schedule")
async def complete_schedule(ctx: Ctx, partial: str) -> list[Option]:
    rows = await ScheduleRepo.of(ctx).active()
    return [
        Option(f"#{r.id} {r.label} ({r.tz})"[:100], str(r.id)) for r in rows if partial in f"{r.id} {r.label}".lower()
    ]
