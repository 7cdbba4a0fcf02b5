"""``/checkin report`` and the summary it shares with the digest: totals per goal against target,
who reported, blockers, and who has not reported."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands.checkin.log import checkin
from bot.commands.common import sentence
from bot.commands.goal.progress import progress_of
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext
from bot.core.params import Args, Kind, Param
from bot.core.ui import Block, Bold, Context, Field, Fields, Header, Reply, Section, Timestamp, quantity, rich
from bot.store.repo import CoalitionRepo

SHOWN_GOALS = 20
SHOWN_SILENT = 40
SHOWN_REPORTERS = 40  # names listed; the count is always whole
SHOWN_BLOCKERS = 15


@checkin.sub(
    "report",
    summary=N_("Who reported, totals per goal, blockers, and who has not reported"),
    usage=N_("/checkin report [week|month]"),
    params=(
        Param(
            "period",
            Kind.CHOICE,
            positional=True,
            choices=("week", "month"),
            description=N_("week (default) or month"),
        ),
    ),
)
async def report(ctx: Ctx, args: Args) -> Reply:
    period = args.period or "week"
    end = ctx.clock.now() + timedelta(seconds=1)  # include what was reported this very moment
    start = end - (timedelta(days=7) if period == "week" else timedelta(days=30))
    blocks = await summary_blocks(ctx.repo, start, end, ctx.tz)
    title = _("Check-ins, last 7 days") if period == "week" else _("Check-ins, last 30 days")
    return Reply.private(Header(title), *blocks)


async def summary_blocks(repo: CoalitionRepo, start: datetime, end: datetime, tz: str) -> list[Block]:
    """Totals per goal vs target, who reported, blockers, who has not reported, for [start, end)."""
    goals = await repo.goals()
    former = _("a former member")
    shown = [g.id for g in goals[:SHOWN_GOALS] if g.id is not None]
    totals = await repo.progress(shown)
    in_period = await repo.progress(shown, since=start, until=end)
    blocks: list[Block] = [
        Context(sentence(N_("From {start} to {end}."), start=Timestamp(start, tz), end=Timestamp(end, tz)))
    ]
    for goal in goals[:SHOWN_GOALS]:
        added = in_period.get(goal.id or 0, 0.0)
        blocks.append(progress_of(goal, totals.get(goal.id or 0, 0.0)))
        blocks.append(Context(rich(_("+{amount} in this period", amount=quantity(added, goal.unit)))))
    reported_count, reporters = await repo.reporters(start, end, SHOWN_REPORTERS)
    reported_text = ", ".join(name or former for name in reporters) + (" …" if reported_count > SHOWN_REPORTERS else "")
    silent_count, silent = await repo.silent_members(start, end, SHOWN_SILENT)
    silent_text = ", ".join(silent) + (" …" if silent_count > SHOWN_SILENT else "")
    fields = [
        Field(
            ngettext("Reported ({n})", "Reported ({n})", reported_count),
            rich(reported_text or _("nobody yet")),
        ),
        Field(
            ngettext("Not reported ({n})", "Not reported ({n})", silent_count),
            rich(silent_text or _("everyone reported")),
        ),
    ]
    blocks.append(Fields(tuple(fields)))
    blockers = await repo.blockers(start, end, SHOWN_BLOCKERS)
    if blockers:
        text = rich(Bold(_("Blockers:")))
        for who, what in blockers:
            text = text + rich(f"\n• {who or former}: {what}")
        blocks.append(Section(text))
    return blocks
