"""``/pledge map``: who offered, gave, asked and received what, per organisation and kind.

Every figure is summed in SQL per organisation, kind and unit (the store's ``map_items`` and
``map_handovers``), so the map costs what its table holds, not the coalition's history. The table
sums amounts per unit as their posters typed them (euros are not added to people); the
chart compares organisations by how many offers, hand-overs given, needs and hand-overs received
each has, so unequal load shows at a glance whatever the units. Steering also sees totals per kind.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.charts.panels import Bars
from bot.commands.pledge.command import KINDS, kind_label, pledge
from bot.commands.pledge.ledger import quantity
from bot.commands.pledge.ranking import unit_key
from bot.commands.pledge.repo import pledge_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, number, tr
from bot.core.ui import Attachment, Block, Context, Field, Fields, Header, Image, Reply, Section, rich
from bot.store.models import Role
from bot.store.pledge_models import Side

MEASURES = ("offered", "given", "asked", "received")
MEASURE_LABELS = {"offered": N_("Offered"), "given": N_("Given"), "asked": N_("Asked"), "received": N_("Received")}
MAX_FIELD = 1000


@dataclass
class Amounts:
    """How many, and how much per unit (amounts without a unit under "")."""

    count: int = 0
    totals: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # unit key → the unit as first typed

    def add(self, amount: float | None, unit: str, count: int = 1) -> None:
        """``count`` more items, whose amounts (None: not counted) sum to ``amount``."""
        self.count += count
        if amount is None:
            return
        key = unit_key(unit)
        self.units.setdefault(key, unit)
        self.totals[key] = self.totals.get(key, 0.0) + amount

    def text(self) -> str:
        amounts = ", ".join(quantity(total, self.units[key]) for key, total in sorted(self.totals.items()))
        return (
            _("{amounts} ({n})", amounts=amounts, n=number(self.count)) if amounts else _("({n})", n=number(self.count))
        )


Table = dict[int, dict[str, dict[str, Amounts]]]  # organisation → kind → measure → amounts


def tabulate(items: Iterable[Sequence[Any]], handovers: Iterable[Sequence[Any]]) -> Table:
    """The resource map as numbers, from the sums the store made in SQL
    (:meth:`~bot.store.pledge_repo.PledgeRepo.map_items` and ``map_handovers``)."""
    table: Table = defaultdict(lambda: defaultdict(lambda: defaultdict(Amounts)))
    for organisation_id, kind, side, unit, count, with_amount, total in items:
        measure = "offered" if side == Side.OFFER.value else "asked"
        amounts = table[organisation_id][kind][measure]
        if with_amount:
            amounts.add(float(total or 0.0), unit, with_amount)
        if count > with_amount:
            amounts.add(None, unit, count - with_amount)
    for giver, give_kind, give_unit, taker, take_kind, take_unit, counted, matches, delivered in handovers:
        amount = float(delivered or 0.0) if counted else None
        table[giver][give_kind]["given"].add(amount, give_unit or take_unit, matches)
        table[taker][take_kind]["received"].add(amount, take_unit or give_unit, matches)
    return table


def counts(table: Table, organisation_id: int) -> list[int]:
    kinds = table.get(organisation_id, {})
    return [sum(kinds[k][m].count for k in kinds if m in kinds[k]) for m in MEASURES]


def org_lines(kinds: Mapping[str, Mapping[str, Amounts]]) -> str:
    out = []
    for measure in MEASURES:
        parts = [
            _("{kind} {amounts}", kind=kind_label(kind), amounts=kinds[kind][measure].text())
            for kind in KINDS
            if kind in kinds and measure in kinds[kind]
        ]
        if parts:
            out.append(_("{measure}: {parts}", measure=tr(MEASURE_LABELS[measure]), parts=" · ".join(parts)))
    text = "\n".join(out) or _("nothing yet")
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1] + "…"


def totals_per_kind(table: Table) -> dict[str, dict[str, Amounts]]:
    totals: dict[str, dict[str, Amounts]] = defaultdict(lambda: defaultdict(Amounts))
    for kinds in table.values():
        for kind, measures in kinds.items():
            for measure, amounts in measures.items():
                total = totals[kind][measure]
                total.count += amounts.count
                for key, value in amounts.totals.items():
                    total.units.setdefault(key, amounts.units[key])
                    total.totals[key] = total.totals.get(key, 0.0) + value
    return totals


@pledge.sub("map", summary=N_("Who offered, gave, asked and received what, with a chart"), usage="/pledge map")
async def resource_map(ctx: Ctx, args: object) -> Reply:
    repo = pledge_repo(ctx)
    items, handovers = await repo.map_items(), await repo.map_handovers()
    organisations = [(o.id or 0, o.name) for o in await ctx.repo.organisations()]
    steering = ctx.me.role == Role.STEERING.value
    # a table per unit as typed grows with a coalition's years: summed and worded off the loop
    made = await asyncio.to_thread(map_blocks, ctx.c.name, organisations, items, handovers, steering)
    if made is None:
        return Reply.private(_('Nothing offered or asked yet. Start with `/pledge offer "…"` or `/pledge need "…"`.'))
    blocks, bars, alt = made
    from bot.charts import grouped_chart, render  # matplotlib with the first chart, not at start

    chart = await render(grouped_chart, bars)
    blocks.append(Image(Attachment(f"pledge-map-{ctx.c.slug}.png", chart.png, "image/png", _("Resource map")), alt))
    blocks.append(Context(rich(_("Amounts are summed per unit as typed; the number of items is in brackets."))))
    return Reply.private(*blocks)


def map_blocks(
    coalition: str,
    organisations: Sequence[tuple[int, str]],
    items: Iterable[Sequence[Any]],
    handovers: Iterable[Sequence[Any]],
    steering: bool,
) -> tuple[list[Block], Bars, str] | None:
    """The map's text, its chart's bars and their description (None: nothing offered or asked)."""
    table = tabulate(items, handovers)
    shown = [(oid, name) for oid, name in organisations if oid in table]
    if not shown:
        return None
    blocks: list[Block] = [Header(_("Resource map of {coalition}", coalition=coalition))]
    fields = [Field(name, rich(org_lines(table[oid]))) for oid, name in shown]
    for start in range(0, len(fields), 10):
        blocks.append(Fields(tuple(fields[start : start + 10])))
    if steering:
        blocks.append(Section(rich(_("Totals per kind (steering):"), "\n", "\n".join(kind_lines(table)))))
    names = [name for _oid, name in shown]
    series = [counts(table, oid) for oid, _name in shown]
    labels = [tr(MEASURE_LABELS[m]) for m in MEASURES]
    bars = Bars(names, series, labels, _("Who brings what"), ylabel=_("Offers, needs and hand-overs"))
    alt = _(
        "Bars per organisation: offers, hand-overs given, needs and hand-overs received. {details}",
        details="; ".join(describe(names, series, labels)),
    )
    return blocks, bars, alt


def kind_lines(table: Table) -> list[str]:
    totals = totals_per_kind(table)
    return [
        _(
            "{kind}: {measures}",
            kind=kind_label(k),
            measures=" · ".join(
                _("{measure} {amounts}", measure=tr(MEASURE_LABELS[m]), amounts=totals[k][m].text())
                for m in MEASURES
                if m in totals[k]
            ),
        )
        for k in KINDS
        if k in totals
    ]


def describe(names: Sequence[str], series: Sequence[Sequence[int]], labels: Sequence[str]) -> list[str]:
    return [
        _(
            "{org}: {values}",
            org=name,
            values=", ".join(f"{label} {number(v)}" for label, v in zip(labels, values, strict=True)),
        )
        for name, values in zip(names, series, strict=True)
    ]
