"""``/impact report``: the four measures together — wins and climate shifts, relationships, leaders,
the pulse — as text and one image, for a steering meeting or a funder."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot.commands.common import sentence
from bot.commands.impact.charts import Bars, Trend, report_chart
from bot.commands.impact.command import WINDOW_DAYS, impact
from bot.commands.impact.leaders import leadership_of
from bot.commands.impact.pulse import pulse_trend
from bot.commands.impact.relationships import alone_note, relationships_of
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, number
from bot.core.offload import in_worker
from bot.core.params import Args
from bot.core.ui import Attachment, Block, Bold, Header, Image, Reply, Section, markup
from bot.store.impact_models import MIN_ANSWERS

MONTHS = 12


@impact.sub(
    "report",
    summary=N_("The measures of success together: wins and climate, relationships, leaders, the pulse"),
    usage=N_("/impact report"),
)
async def report(ctx: Ctx, args: Args) -> Reply:
    repo = impact_repo(ctx)
    wins, climate = await repo.win_counts()
    today = ctx.clock.now().date()
    first_month = date(today.year - (today.month <= MONTHS - 1), (today.month - MONTHS) % 12 + 1, 1)
    per_day = await repo.wins_per_day(first_month)
    r = await relationships_of(ctx)
    lead = await leadership_of(ctx)
    trend = await pulse_trend(ctx)
    recent = sum(p.recent for p in r.pairs)
    before = sum(p.before for p in r.pairs)
    blocks: list[Block] = [
        Header(_("Impact of {coalition}", coalition=ctx.c.name)),
        Section(
            sentence(
                N_("Wins: {wins}, of which {climate} shifted the political climate."),
                wins=Bold(number(wins)),
                climate=Bold(number(climate)),
            )
        ),
        Section(
            sentence(
                N_(
                    "Relationships: {pairs} pairs of organisations worked together; {recent} pieces of work "
                    "together in the last {days} days, {before} in the {days} days before."
                ),
                pairs=Bold(number(len(r.pairs))),
                recent=Bold(number(recent)),
                before=number(before),
                days=number(WINDOW_DAYS),
            )
        ),
        Section(
            sentence(
                N_("Leaders: {total} members took on a lead, {new} of them in the last {days} days."),
                total=Bold(number(lead.total)),
                new=Bold(number(lead.new)),
                days=number(WINDOW_DAYS),
            )
        ),
    ]
    if trend:
        blocks.append(
            Section(
                sentence(
                    N_("Pulse: {trend} (average out of 5, per pulse)."),
                    trend=" → ".join(f"{label} {number(mean, digits=1)}" for label, mean in trend),
                )
            )
        )
    else:
        blocks.append(
            Section(
                markup(
                    _(
                        "Pulse: no closed pulse with {n} answers or more yet. Steering starts one with "
                        "`/impact pulse start`.",
                        n=number(MIN_ANSWERS),
                    )
                )
            )
        )
    if r.alone and len(r.orgs) > 1:
        blocks.append(alone_note(r))
    months: Counter[str] = Counter()
    shifts: Counter[str] = Counter()
    for day, n, shifted in per_day:
        months[day.strftime("%Y-%m")] += n
        shifts[day.strftime("%Y-%m")] += shifted
    shown = sorted(months)[-MONTHS:]
    wins_bars = Bars(
        shown, [(months[m], shifts[m]) for m in shown], (_("Wins"), _("Shifted the climate")), _("Wins per month")
    )
    orgs = list(lead.by_org)[:12]
    leader_bars = Bars(
        orgs,
        [
            (len(lead.by_org[o]), sum(1 for _n, x in lead.by_org[o] if x.is_new(ctx.clock.now(), WINDOW_DAYS)))
            for o in orgs
        ],
        (_("Leaders"), _("New")),
        _("Leaders per organisation"),
    )
    pulse = Trend(
        [label for label, _mean in trend],
        [mean for _label, mean in trend],
        _("Pulse (average out of 5)"),
        _("Not enough answers yet"),
    )
    title = _("Impact of {coalition}", coalition=ctx.c.name)
    png = await in_worker(report_chart, wins_bars, r.network(_("Who worked with whom")), leader_bars, pulse)
    alt = _(
        "Four charts: wins per month ({wins} in all), the network of {orgs} organisations, leaders per "
        "organisation ({leaders} in all), and the pulse's average across pulses.",
        wins=number(wins),
        orgs=number(len(r.orgs)),
        leaders=number(lead.total),
    )
    blocks.append(Image(Attachment("impact-report.png", png, "image/png", title), alt))
    return Reply.private(*blocks)
