"""The timed work of scheduled check-ins: the prompt in every channel when a schedule fires, one
private reminder at 80% of the window to those who have not checked in, and the digest when the
window closes. The scheduler runs them as this workflow's two :class:`TimedJob`s.

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

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.checkin.messages import digest_reply, prompt_reply, reminder_reply
from bot.commands.checkin.repo import due_schedules, due_windows, next_wake
from bot.core import i18n
from bot.core.outbox import Outbox
from bot.core.workflow import JobEnv, TimedJob
from bot.scheduling import plan
from bot.store.models import Coalition, Role
from bot.store.repo import CoalitionRepo
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow

REMIND_AT = 0.8
LATE_NOTICE = timedelta(minutes=1)


async def fire(session: AsyncSession, schedule_id: int, now: datetime, env: JobEnv | None = None) -> int:
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
    with i18n.language(i18n.of_coalition(await repo.coalition())):
        posts = await Outbox(session, schedule.coalition_id, now=now).announce(
            prompt_reply(schedule, window, await repo.goals(), late=late > LATE_NOTICE),
            key=f"prompt:{schedule_id}:{fire_at.isoformat()}",
            expires=window.closes_at,  # never posted once its window has closed
        )
    return len(posts)


async def advance_window(session: AsyncSession, window_id: int, now: datetime, env: JobEnv | None = None) -> int:
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
        with i18n.language(i18n.of_coalition(coalition)):
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
    """One private reminder, in their own language, to each member (with a platform account) who has
    not checked in this window."""
    repo = CoalitionRepo(session, coalition.id or 0)
    sent = 0
    for member in await repo.members_without_checkin(window.opened_at, window.closes_at):
        if member.id is None or member.role == Role.OBSERVER.value:
            continue
        with i18n.language(i18n.of_member(member, coalition)):
            reply = reminder_reply(coalition, window, member.tz or coalition.tz)
            key = f"remind:{window.id}:{member.id}"
            sent += len(await outbox.direct(member.id, reply, key=key, expires=window.closes_at))
    return sent


async def _fire(session: AsyncSession, schedule_id: int, now: datetime, env: JobEnv) -> int:
    return await fire(session, schedule_id, now, env)


async def _advance(session: AsyncSession, window_id: int, now: datetime, env: JobEnv) -> int:
    return await advance_window(session, window_id, now, env)


PROMPTS = TimedJob("checkin.prompts", due=due_schedules, run=_fire, next_wake=next_wake)
WINDOWS = TimedJob("checkin.windows", due=due_windows, run=_advance)
