"""The timed work of scheduled check-ins: the prompt in every channel when a schedule fires, one
private reminder at 80% of the window to those who have not checked in, and the digest when the
window closes.

Each step is a function of ``now`` on one schedule or one window, run in its own transaction by
:class:`bot.scheduling.runner.Scheduler`, so one broken coalition never holds up the others. Every
step is idempotent: a window is one row (unique per schedule and fire time) and every message has an
outbox key, so running a step twice — a doubled tick, two leaders for a moment — queues nothing twice.

Missed prompts (the bot was down at the time): a prompt at most ``plan.grace`` late (10% of its
window, between 2 minutes and 1 hour) is sent late, marked as late, and its window keeps its
scheduled close; an older one is skipped — recorded as a skipped window, audited, noted in the next
digest and in ``/checkin schedules``. Only the newest missed fire time is recorded, so a long outage
never floods channels. Reminders missed entirely (the window closed during the outage) are dropped;
the digest still posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Executable, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.charts import Series, progress_overview
from bot.commands.checkin_schedules import summary_blocks
from bot.core.outbox import Outbox
from bot.core.ui import (
    Actions,
    Attachment,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Header,
    Image,
    Reply,
    Section,
    Timestamp,
    markup,
    rich,
)
from bot.scheduling import plan
from bot.store.models import Coalition, Goal, Role
from bot.store.repo import CoalitionRepo
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow

REMIND_AT = 0.8
LATE_NOTICE = timedelta(minutes=1)


async def due_schedules(session: AsyncSession, now: datetime) -> list[int]:
    query = (
        select(CheckinSchedule.id)
        .where(col(CheckinSchedule.active).is_(True), col(CheckinSchedule.next_fire_at) <= now)
        .order_by(col(CheckinSchedule.id))
    )
    return [i for i in (await session.exec(query)).all() if i is not None]


async def due_windows(session: AsyncSession, now: datetime) -> list[int]:
    """Windows with a reminder or a digest due."""
    query = (
        select(CheckinWindow.id)
        .where(
            col(CheckinWindow.skipped).is_(False),
            col(CheckinWindow.digested_at).is_(None),
            col(CheckinWindow.remind_at) <= now,
        )
        .order_by(col(CheckinWindow.id))
    )
    return [i for i in (await session.exec(query)).all() if i is not None]


async def next_wake(session: AsyncSession, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` when a prompt, reminder or digest falls due."""
    pending = col(CheckinWindow.skipped).is_(False), col(CheckinWindow.digested_at).is_(None)
    candidates: list[Executable] = [
        select(func.min(CheckinSchedule.next_fire_at)).where(
            col(CheckinSchedule.active).is_(True), col(CheckinSchedule.next_fire_at) > now
        ),
        select(func.min(CheckinWindow.remind_at)).where(
            *pending, col(CheckinWindow.reminded_at).is_(None), col(CheckinWindow.remind_at) > now
        ),
        select(func.min(CheckinWindow.closes_at)).where(*pending, col(CheckinWindow.closes_at) > now),
    ]
    found = [await session.scalar(query) for query in candidates]
    moments = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in found if m is not None]
    return min(moments, default=None)


async def fire(session: AsyncSession, schedule_id: int, now: datetime) -> int:
    """Open the schedule's due window and post its prompt (or record it as skipped). Returns messages queued."""
    schedule = await session.get(CheckinSchedule, schedule_id)
    if schedule is None or not schedule.active or schedule.next_fire_at is None or schedule.next_fire_at > now:
        return 0
    first_due = schedule.next_fire_at
    fire_at = plan.latest_fire(schedule.cron, schedule.tz, first_due, now)  # older missed ones are dropped
    following = plan.next_fire(schedule.cron, schedule.tz, fire_at)
    schedule.next_fire_at = following
    session.add(schedule)
    length = (
        timedelta(hours=schedule.window_hours)
        if schedule.window_hours is not None
        else plan.default_window(schedule.cron, schedule.tz, fire_at)
    )
    late = now - fire_at
    existing = (
        await session.exec(
            select(CheckinWindow).where(CheckinWindow.schedule_id == schedule_id, CheckinWindow.opened_at == fire_at)
        )
    ).first()
    if existing is not None:  # opened before (a concurrent run)
        return 0
    window = CheckinWindow(
        coalition_id=schedule.coalition_id,
        schedule_id=schedule_id,
        opened_at=fire_at,
        closes_at=fire_at + length,
        remind_at=fire_at + length * REMIND_AT,
        prompted_at=now,
        skipped=late > plan.grace(length) or now >= fire_at + length,
    )
    session.add(window)
    await session.flush()
    repo = CoalitionRepo(session, schedule.coalition_id)
    if window.skipped or fire_at > first_due:
        await repo.audit(
            "checkin.prompt_skipped",
            member=None,
            subject=schedule.label,
            schedule_id=schedule_id,
            first_missed=first_due.isoformat(),
            newest=fire_at.isoformat(),
            newest_sent_late=not window.skipped,
        )
    if window.skipped:
        return 0
    posts = await Outbox(session, schedule.coalition_id, now=now).announce(
        prompt_reply(schedule, window, await repo.goals(), late=late > LATE_NOTICE),
        key=f"prompt:{schedule_id}:{fire_at.isoformat()}",
    )
    return len(posts)


async def advance_window(session: AsyncSession, window_id: int, now: datetime) -> int:
    """Send the window's reminders at 80%, or its digest at the close. Returns messages queued."""
    window = await session.get(CheckinWindow, window_id)
    if window is None or window.skipped or window.digested_at is not None or window.remind_at > now:
        return 0
    coalition = await session.get(Coalition, window.coalition_id)
    if coalition is None:
        return 0
    outbox = Outbox(session, window.coalition_id, now=now)
    queued = 0
    if window.closes_at <= now:
        reply = await digest_reply(session, coalition, window)
        queued = len(await outbox.announce(reply, key=f"digest:{window.id}"))
        window.digested_at = now
        window.reminded_at = window.reminded_at or now  # too late to remind: the digest is out
    elif window.reminded_at is None:
        queued = await remind(session, outbox, coalition, window)
        window.reminded_at = now
    session.add(window)
    await session.flush()
    return queued


async def remind(session: AsyncSession, outbox: Outbox, coalition: Coalition, window: CheckinWindow) -> int:
    """One private reminder to each member (with a platform account) who has not checked in this window."""
    repo = CoalitionRepo(session, coalition.id or 0)
    reported = {c.member_id for c in await repo.checkins(since=window.opened_at) if c.created_at < window.closes_at}
    sent = 0
    for member in await repo.members():
        if member.id is None or member.id in reported or member.role == Role.OBSERVER.value:
            continue
        reply = reminder_reply(coalition, window, member.tz or coalition.tz)
        sent += len(await outbox.direct(member.id, reply, key=f"remind:{window.id}:{member.id}"))
    return sent


def prompt_reply(schedule: CheckinSchedule, window: CheckinWindow, goals: Sequence[Goal], *, late: bool) -> Reply:
    blocks: list[Block | str] = [
        Section(rich(Bold("Check-in time!"), " How did it go? Report progress on our goals.")),
        Section(rich("Open until ", Timestamp(window.closes_at, schedule.tz), ".")),
    ]
    if goals:
        blocks.append(Context(rich("Goals: " + ", ".join(f"#{g.id} {g.title}" for g in goals[:10]))))
    else:
        blocks.append(Context(rich("There is no open goal yet; steering adds one with /goal add.")))
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


async def digest_reply(session: AsyncSession, coalition: Coalition, window: CheckinWindow) -> Reply:
    blocks = await summary_blocks(session, coalition, window.opened_at, window.closes_at, coalition.tz)
    reply = Reply.channel(Header(f"Check-in digest: {coalition.name}"), *blocks)
    skipped = await skipped_before(session, window)
    if skipped:
        reply.blocks.append(
            Context(
                rich(f"{skipped} earlier prompt{'s were' if skipped != 1 else ' was'} skipped: the bot was offline.")
            )
        )
    chart = await goals_chart(session, coalition, window.closes_at)
    if chart is not None:
        reply.blocks.append(chart)
    return reply


async def skipped_before(session: AsyncSession, window: CheckinWindow) -> int:
    """Skipped windows of the same schedule since its previous digested window."""
    previous = (
        await session.exec(
            select(CheckinWindow.opened_at)
            .where(
                CheckinWindow.schedule_id == window.schedule_id,
                col(CheckinWindow.skipped).is_(False),
                col(CheckinWindow.opened_at) < window.opened_at,
            )
            .order_by(col(CheckinWindow.opened_at).desc())
        )
    ).first()
    query = select(CheckinWindow.id).where(
        CheckinWindow.schedule_id == window.schedule_id,
        col(CheckinWindow.skipped).is_(True),
        col(CheckinWindow.opened_at) <= window.opened_at,
    )
    if previous is not None:
        query = query.where(col(CheckinWindow.opened_at) > previous)
    return len((await session.exec(query)).all())


async def goals_chart(session: AsyncSession, coalition: Coalition, now: datetime) -> Image | None:
    """Every open goal (up to five) as a percentage of its target over time."""
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
    return Image(
        Attachment(f"progress-{coalition.slug}-{now:%Y%m%d-%H%M}.png", png, "image/png", "Progress"),
        "Progress of each goal towards its target",
    )
