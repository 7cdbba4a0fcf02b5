"""``/impact relationships``: how much each pair of organisations worked together, how that changed
over the last 90 days, who works with nobody yet, and the network as a picture."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from bot.charts.panels import Network
from bot.commands.common import csv_cell, sentence
from bot.commands.impact.command import WINDOW_DAYS, impact, work_label
from bot.commands.impact.measures import PairWork, alone, pairs
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, and_list, ngettext, number
from bot.core.params import Args
from bot.core.ui import Attachment, Block, Bold, Context, Header, Image, Reply, Section, markup, rich
from bot.store.models import Organisation

SHOWN = 25
DRAWN = 30  # the picture's edges: the strongest ties; the rest are in the attached list
KINDS = ("match", "meeting", "group", "goal", "statement")
FEWER_THAN_TWO = N_("Relationships need two organisations or more. Members join one with `/coalition join org=<name>`.")
UNLINKED = N_("No two organisations have worked together yet.")


@dataclass
class Relationships:
    orgs: list[Organisation]
    pairs: list[PairWork]
    alone: list[str]
    alone_ids: set[int] = field(default_factory=set)
    names: dict[int, str] = field(default_factory=dict)

    def name(self, org_id: int) -> str:
        return self._names().get(org_id, "?")

    def _names(self) -> dict[int, str]:
        if not self.names:
            self.names.update((o.id, o.name) for o in self.orgs if o.id is not None)
        return self.names

    def network(self, title: str) -> Network:
        """What a person can read: the strongest ties, and the organisations that work with nobody."""
        strongest = self.pairs[:DRAWN]
        shown = {p.a for p in strongest} | {p.b for p in strongest} | self.alone_ids
        orgs = [o for o in self.orgs if o.id in shown] if self.pairs else list(self.orgs)
        index = {o.id: i for i, o in enumerate(orgs)}
        edges = [(index[p.a], index[p.b], p.total) for p in strongest if p.a in index and p.b in index]
        return Network([o.name for o in orgs], edges, title, empty=_(FEWER_THAN_TWO), unlinked=_(UNLINKED))

    def as_csv(self) -> bytes:
        """Every pair, for the reader who wants more than the picture (organisation names guarded
        against spreadsheet formulas)."""
        names = self._names()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["organisation", "organisation", "total", "recent", "before", *KINDS])
        for p in self.pairs:
            cells = [csv_cell(names.get(p.a, "?")), csv_cell(names.get(p.b, "?")), p.total, p.recent, p.before]
            writer.writerow(cells + [p.kinds.get(kind, 0) for kind in KINDS])
        return out.getvalue().encode()


async def relationships_of(ctx: Ctx) -> Relationships:
    orgs = list(await ctx.repo.organisations())
    now = ctx.clock.now()
    start, earlier = now - timedelta(days=WINDOW_DAYS), now - timedelta(days=2 * WINDOW_DAYS)
    counts = await impact_repo(ctx).pair_counts(start, earlier)
    found = await asyncio.to_thread(pairs, counts)  # thousands of pairs: summed and sorted off the loop
    names = {o.id: o.name for o in orgs if o.id is not None}
    lonely = alone(names, found)
    return Relationships(orgs, found, [names[o] for o in lonely], set(lonely))


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
    files: list[Attachment] = []
    if len(r.pairs) > SHOWN:
        more = len(r.pairs) - SHOWN
        blocks.append(Context(markup(ngettext("…and {n} more pair.", "…and {n} more pairs.", more))))
        listing = await asyncio.to_thread(r.as_csv)
        files.append(Attachment("relationships.csv", listing, "text/csv", _("Every pair of organisations (CSV)")))
    if r.alone:
        blocks.append(alone_note(r))
    blocks.append(await network_image(r))
    if len(r.pairs) > DRAWN:
        blocks.append(
            Context(
                markup(
                    ngettext(
                        "The picture shows the {shown} strongest of {n} tie; every pair is in the attached list.",
                        "The picture shows the {shown} strongest of {n} ties; every pair is in the attached list.",
                        len(r.pairs),
                        shown=number(DRAWN),
                    )
                )
            )
        )
    return Reply(blocks=blocks, attachments=files)
