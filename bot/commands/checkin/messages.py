"""What scheduled check-ins post: the prompt in every channel, the private reminder and the digest.
Each is built in the language of its reader (the caller sets it): channel posts in the coalition's,
a reminder in the member's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.charts import Series
from bot.commands.checkin.repo import prompts_not_posted, skipped_before
from bot.commands.checkin.report import summary_blocks
from bot.commands.common import sentence
from bot.core.i18n import N_, _, ngettext
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
from bot.store.models import Coalition, Goal
from bot.store.repo import CoalitionRepo
from bot.store.scheduling_models import CheckinSchedule, CheckinWindow

LISTED_GOALS = 10
CHARTED_GOALS = 10


def prompt_reply(schedule: CheckinSchedule, window: CheckinWindow, goals: Sequence[Goal], *, late: bool) -> Reply:
    blocks: list[Block | str] = [
        Section(sentence(N_("{title} How did it go? Report progress on our goals."), title=Bold(_("Check-in time!")))),
        Section(sentence(N_("Open until {when}."), when=Timestamp(window.closes_at, schedule.tz))),
    ]
    if goals:
        listing = ", ".join(f"#{g.id} {g.title}" for g in goals[:LISTED_GOALS])
        blocks.append(Context(rich(_("Goals: {goals}", goals=listing))))
    else:
        blocks.append(Context(rich(_("There is no open goal yet; steering adds one with /goal add."))))
    if late:
        blocks.append(Context(rich(_("(Sent late: the bot was offline at the scheduled time.)"))))
    blocks.append(Actions((Button(_("Check in"), "checkin.open", str(window.id), ButtonStyle.PRIMARY),)))
    return Reply.channel(*blocks)


def reminder_reply(coalition: Coalition, window: CheckinWindow, tz: str) -> Reply:
    return Reply.private(
        sentence(
            N_("{coalition}: a reminder to check in before the window closes at {when}."),
            coalition=Bold(coalition.name),
            when=Timestamp(window.closes_at, tz),
        ),
        markup(_("Use the Check in button on the prompt in a coalition channel, or type `/checkin <amount>` there.")),
    )


async def digest_reply(session: AsyncSession, coalition: Coalition, window: CheckinWindow) -> Reply:
    repo = CoalitionRepo(session, coalition.id or 0)
    blocks = await summary_blocks(repo, window.opened_at, window.closes_at, coalition.tz)
    reply = Reply.channel(Header(_("Check-in digest: {coalition}", coalition=coalition.name)), *blocks)
    skipped = await skipped_before(session, window)
    if skipped:
        reply.blocks.append(
            Context(
                rich(
                    ngettext(
                        "{n} earlier prompt was skipped: the bot was offline.",
                        "{n} earlier prompts were skipped: the bot was offline.",
                        skipped,
                    )
                )
            )
        )
    unposted = await prompts_not_posted(session, window)
    if unposted:
        reply.blocks.append(
            Context(
                rich(
                    ngettext(
                        "The prompt for this check-in could not be posted in {n} channel before the window "
                        "closed (the platform was not accepting messages); it was dropped, not posted late.",
                        "The prompt for this check-in could not be posted in {n} channels before the window "
                        "closed (the platform was not accepting messages); it was dropped, not posted late.",
                        unposted,
                    )
                )
            )
        )
    chart = await goals_chart(repo, coalition, window.closes_at)
    if chart is not None:
        reply.blocks.append(chart)
    return reply


async def goals_chart(repo: CoalitionRepo, coalition: Coalition, now: datetime) -> Image | None:
    """Every open goal (up to ten) as percent of its target, with where it should be by now."""
    goals = await repo.goals()
    if not goals:
        return None
    totals = await repo.progress([g.id for g in goals if g.id is not None])
    series = [
        Series(g.title, (), g.target, g.unit, start=g.created_at, due=g.due, total=totals.get(g.id or 0, 0.0))
        for g in goals[:CHARTED_GOALS]
    ]
    from bot.charts import render, status_chart  # matplotlib with the first chart, not at start

    chart = await render(status_chart, series, tz=coalition.tz, now=now)
    return Image(
        Attachment(f"progress-{coalition.slug}-{now:%Y%m%d-%H%M}.png", chart.png, "image/png", _("Progress")),
        chart.alt,
    )
