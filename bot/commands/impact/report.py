"""``/impact report``: the four measures together — wins and climate shifts, relationships, leaders,
the pulse — as text and one image, for a steering meeting or a funder."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from bot.charts.panels import Bars, Trend
from bot.commands.common import sentence, sentence_n
from bot.commands.impact.command import WINDOW_DAYS, impact
from bot.commands.impact.leaders import Leadership, leadership_of, no_organisation
from bot.commands.impact.pulse import pulse_trend
from bot.commands.impact.relationships import FEWER_THAN_TWO, Relationships, alone_note, relationships_of
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, date_skeleton, ngettext, number
from bot.core.params import Args
from bot.core.ui import Attachment, Block, Bold, Header, Image, Reply, Rich, Section, markup
from bot.store.impact_models import MIN_ANSWERS

MONTHS = 12


@impact.sub(
    "report",
    summary=N_("The measures of success together: wins and climate, relationships, leaders, the pulse"),
    usage=N_("/impact report"),
)
async def report(ctx: Ctx, args: Args) -> Reply:
    repo = impact_repo(ctx)
    wins, climate = await repo.win_counts()  # counted in SQL: the report costs the same in year three
    today = ctx.clock.now().date()
    first_month = date(today.year - (today.month <= MONTHS - 1), (today.month - MONTHS) % 12 + 1, 1)
    per_day = await repo.wins_per_day(first_month)
    r = await relationships_of(ctx)
    lead = await leadership_of(ctx)
    trend = await pulse_trend(ctx)
    blocks: list[Block] = [
        Header(_("Impact of {coalition}", coalition=ctx.c.name)),
        Section(wins_text(wins, climate)),
        Section(relationships_text(r)),
        Section(leaders_text(lead)),
        Section(pulse_text(trend)),
    ]
    if r.alone and len(r.orgs) > 1:
        blocks.append(alone_note(r))
    from bot.charts import render, report_chart  # matplotlib with the first chart, not at start

    title = _("Impact of {coalition}", coalition=ctx.c.name)
    chart = await render(
        report_chart,
        wins_panel(per_day, today),
        r.network(_("Who worked with whom")),
        leaders_panel(lead, ctx.clock.now()),
        pulse_panel(trend),
    )
    blocks.append(Image(Attachment("impact-report.png", chart.png, "image/png", title), chart.alt))
    return Reply.private(*blocks)


NO_WINS = N_("No wins yet. Log the first with `/impact win`.")
NO_LEADERS = N_("Nobody has taken on a lead yet.")
NO_ORG_LEADERS = N_("No leaders in an organisation yet: members join one with `/coalition join org=<name>`.")


def wins_text(wins: int, climate: int) -> Rich:
    if not wins:
        return markup(_(NO_WINS))
    return sentence_n(
        "Wins: {n}, of which {climate} shifted the political climate.",
        "Wins: {n}, of which {climate} shifted the political climate.",
        climate,
        n=Bold(number(wins)),
        climate=Bold(number(climate)),
    )


def relationships_text(r: Relationships) -> Rich:
    if len(r.orgs) < 2:
        return markup(_(FEWER_THAN_TWO))
    recent = sum(p.recent for p in r.pairs)
    before = sum(p.before for p in r.pairs)
    pairs = sentence_n(
        "Relationships: {n} pair of organisations worked together.",
        "Relationships: {n} pairs of organisations worked together.",
        len(r.pairs),
        n=Bold(number(len(r.pairs))),
    )
    work = sentence_n(
        "{n} piece of work together in the last {days} days, {before} in the {days} days before.",
        "{n} pieces of work together in the last {days} days, {before} in the {days} days before.",
        recent,
        n=Bold(number(recent)),
        before=number(before),
        days=number(WINDOW_DAYS),
    )
    return pairs + " " + work


def leaders_text(lead: Leadership) -> Rich:
    if not lead.total:
        return markup(_(NO_LEADERS))
    took = sentence_n(
        "Leaders: {n} member took on a lead.",
        "Leaders: {n} members took on a lead.",
        lead.total,
        n=Bold(number(lead.total)),
    )
    new = sentence_n(
        "{n} of them is new in the last {days} days.",
        "{n} of them are new in the last {days} days.",
        lead.new,
        n=Bold(number(lead.new)),
        days=number(WINDOW_DAYS),
    )
    return took + " " + new


def pulse_text(trend: Sequence[tuple[str, float]]) -> Rich:
    if not trend:
        return markup(no_pulse())
    return sentence(
        N_("Pulse: {trend} (average out of 5, per pulse)."),
        trend=" → ".join(f"{label} {number(mean, digits=1)}" for label, mean in trend),
    )


def no_pulse() -> str:
    return ngettext(
        "Pulse: no closed pulse with {n} answer or more yet. Steering starts one with `/impact pulse start`.",
        "Pulse: no closed pulse with {n} answers or more yet. Steering starts one with `/impact pulse start`.",
        MIN_ANSWERS,
    )


def wins_panel(per_day: Sequence[tuple[date, int, int]], today: date) -> Bars:
    """Wins per calendar month (from wins and climate shifts per day, summed in SQL), every month
    from the first win (at most ``MONTHS``) to this one, months without a win included, labelled in
    the reader's language."""
    months: Counter[tuple[int, int]] = Counter()
    shifts: Counter[tuple[int, int]] = Counter()
    for day, n, shifted in per_day:
        months[(day.year, day.month)] += n
        shifts[(day.year, day.month)] += shifted
    shown: list[tuple[int, int]] = []
    if months:
        first = min(months)
        year, month = today.year, today.month
        while len(shown) < MONTHS and (year, month) >= first:
            shown.insert(0, (year, month))
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return Bars(
        [date_skeleton(date(y, m, 1), "yMMM") for y, m in shown],
        [(months[m], shifts[m]) for m in shown],
        (_("Wins"), _("Shifted the climate")),
        _("Wins per month"),
        empty=_(NO_WINS),
    )


def leaders_panel(lead: Leadership, now: datetime) -> Bars:
    """Leaders per organisation; members of none are a bar too, but alone they say nothing."""
    orgs = list(lead.by_org)[:12]
    if orgs == [no_organisation()]:
        orgs = []
    return Bars(
        orgs,
        [(len(lead.by_org[o]), sum(1 for _n, x in lead.by_org[o] if x.is_new(now, WINDOW_DAYS))) for o in orgs],
        (_("Leaders"), _("New")),
        _("Leaders per organisation"),
        empty=(_(NO_ORG_LEADERS) if lead.total else _(NO_LEADERS)),
    )


def pulse_panel(trend: Sequence[tuple[str, float]]) -> Trend:
    return Trend(
        [label for label, _mean in trend],
        [mean for _label, mean in trend],
        _("Pulse (average out of 5)"),
        no_pulse(),
    )
