"""``/impact relationships``: how much each pair of organisations worked together, how that changed
over the last 90 days, who works with nobody yet, and the network as a picture."""

from __future__ import annotations

from dataclasses import dataclass

from bot.charts.panels import Network
from bot.commands.common import sentence
from bot.commands.impact.command import WINDOW_DAYS, impact, work_label
from bot.commands.impact.measures import PairWork, alone, pairs
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, and_list, ngettext, number
from bot.core.params import Args
from bot.core.ui import Attachment, Block, Bold, Context, Header, Image, Reply, Section, markup, rich
from bot.store.models import Organisation

SHOWN = 25
FEWER_THAN_TWO = N_("Relationships need two organisations or more. Members join one with `/coalition join org=<name>`.")
UNLINKED = N_("No two organisations have worked together yet.")


@dataclass
class Relationships:
    orgs: list[Organisation]
    pairs: list[PairWork]
    alone: list[str]

    def name(self, org_id: int) -> str:
        return next((o.name for o in self.orgs if o.id == org_id), "?")

    def network(self, title: str) -> Network:
        index = {o.id: i for i, o in enumerate(self.orgs)}
        edges = [(index[p.a], index[p.b], p.total) for p in self.pairs if p.a in index and p.b in index]
        return Network(
            [o.name for o in self.orgs],
            edges,
            title,
            empty=_(FEWER_THAN_TWO),
            unlinked=_(UNLINKED),
        )


async def relationships_of(ctx: Ctx) -> Relationships:
    orgs = list(await ctx.repo.organisations())
    found = pairs(await impact_repo(ctx).joint_work(), ctx.clock.now(), WINDOW_DAYS)
    names = {o.id: o.name for o in orgs if o.id is not None}
    return Relationships(orgs, found, [names[o] for o in alone(names, found)])


def pair_line(r: Relationships, p: PairWork) -> Section:
    what = and_list([f"{number(n)} {work_label(kind)}" for kind, n in sorted(p.kinds.items())])
    line = sentence(
        N_("{a} and {b}: {total} ({what})"),
        a=Bold(r.name(p.a)),
        b=Bold(r.name(p.b)),
        total=ngettext("{n} piece of work together", "{n} pieces of work together", p.total, n=number(p.total)),
        what=what,
    )
    change = ngettext(
        "Last {days} day: {recent} (the {days} day before: {before})",
        "Last {days} days: {recent} (the {days} days before: {before})",
        WINDOW_DAYS,
        days=number(WINDOW_DAYS),
        recent=number(p.recent),
        before=number(p.before),
    )
    return Section(line + " · " + change)


def alone_note(r: Relationships) -> Block:
    return Context(
        sentence(
            N_("Working with nobody yet: {names}. Weavers, introduce them to an organisation near their work."),
            names=and_list(r.alone),
        )
    )


async def network_image(r: Relationships) -> Image:
    from bot.charts import network_chart, render  # matplotlib with the first chart, not at start

    title = _("Who worked with whom")
    chart = await render(network_chart, r.network(title))
    return Image(Attachment("relationships.png", chart.png, "image/png", title), chart.alt)


@impact.sub(
    "relationships",
    summary=N_("How the organisations work together: pairs, the last 90 days, and a network map"),
    usage=N_("/impact relationships"),
)
async def relationships(ctx: Ctx, args: Args) -> Reply:
    r = await relationships_of(ctx)
    if len(r.orgs) < 2:
        return Reply.private(markup(_(FEWER_THAN_TWO)))
    blocks: list[Block] = [
        Header(_("How the organisations of {coalition} work together", coalition=ctx.c.name)),
        Context(
            markup(
                _(
                    "Counted: pledges matched between them, meetings both attended, working groups and goals "
                    "they share, statements both signed."
                )
            )
        ),
    ]
    if not r.pairs:
        blocks.append(Section(rich(_(UNLINKED))))
    blocks += [pair_line(r, p) for p in r.pairs[:SHOWN]]
    if len(r.pairs) > SHOWN:
        more = len(r.pairs) - SHOWN
        blocks.append(Context(markup(ngettext("…and {n} more pair.", "…and {n} more pairs.", more))))
    if r.alone:
        blocks.append(alone_note(r))
    blocks.append(await network_image(r))
    return Reply.private(*blocks)
