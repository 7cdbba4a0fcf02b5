"""``/pledge map``: who offered, gave, asked and received what, per organisation and kind.

The table sums amounts per unit as their posters typed them (euros are not added to people); the
chart compares organisations by how many offers, hand-overs given, needs and hand-overs received
each has, so unequal load shows at a glance whatever the units. Steering also sees totals per kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.charts.panels import Bars
from bot.commands.pledge.command import KINDS, kind_label, pledge
from bot.commands.pledge.ledger import quantity
from bot.commands.pledge.ranking import unit_key
from bot.commands.pledge.repo import pledge_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, number, tr
from bot.core.ui import Attachment, Block, Context, Field, Fields, Header, Image, Reply, Section, rich
from bot.store.models import Role
from bot.store.pledge_models import ItemState, MatchState, PledgeItem, PledgeMatch, Side

MEASURES = ("offered", "given", "asked", "received")
MEASURE_LABELS = {"offered": N_("Offered"), "given": N_("Given"), "asked": N_("Asked"), "received": N_("Received")}
MAX_FIELD = 1000


@dataclass
class Amounts:
    """How many, and how much per unit (amounts without a unit under "")."""

    count: int = 0
    totals: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # unit key → the unit as first typed

    def add(self, amount: float | None, unit: str) -> None:
        self.count += 1
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


def tabulate(items: Iterable[PledgeItem], matches: Iterable[PledgeMatch]) -> Table:
    """The resource map as numbers: a pure function of the coalition's items and matches."""
    table: Table = defaultdict(lambda: defaultdict(lambda: defaultdict(Amounts)))
    by_id = {}
    for item in items:
        by_id[item.id] = item
        if item.state == ItemState.WITHDRAWN.value and item.closed_at is not None and not _gave_any(item, matches):
            continue
        measure = "offered" if item.side == Side.OFFER.value else "asked"
        table[item.organisation_id][item.kind][measure].add(item.amount, item.unit)
    for m in matches:
        if m.state == MatchState.WITHDRAWN.value or (m.delivered <= 0 and m.state != MatchState.FULFILLED.value):
            continue
        offer, need = by_id.get(m.offer_id), by_id.get(m.need_id)
        if offer is None or need is None:
            continue
        amount = m.delivered if m.amount is not None else None
        table[offer.organisation_id][offer.kind]["given"].add(amount, offer.unit or need.unit)
        table[need.organisation_id][need.kind]["received"].add(amount, need.unit or offer.unit)
    return table


def _gave_any(item: PledgeItem, matches: Iterable[PledgeMatch]) -> bool:
    return any(item.id in (m.offer_id, m.need_id) and m.state == MatchState.FULFILLED.value for m in matches)


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
    items = await repo.items()
    table = tabulate(items, await repo.matches())
    organisations = [o for o in await ctx.repo.organisations() if o.id in table]
    if not organisations:
        return Reply.private(_('Nothing offered or asked yet. Start with `/pledge offer "…"` or `/pledge need "…"`.'))
    blocks: list[Block] = [Header(_("Resource map of {coalition}", coalition=ctx.c.name))]
    fields = [Field(o.name, rich(org_lines(table[o.id or 0]))) for o in organisations]
    for start in range(0, len(fields), 10):
        blocks.append(Fields(tuple(fields[start : start + 10])))
    if ctx.me.role == Role.STEERING.value:
        totals = totals_per_kind(table)
        lines = [
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
        blocks.append(Section(rich(_("Totals per kind (steering):"), "\n", "\n".join(lines))))
    names = [o.name for o in organisations]
    series = [counts(table, o.id or 0) for o in organisations]
    labels = [tr(MEASURE_LABELS[m]) for m in MEASURES]
    from bot.charts import grouped_chart, render  # matplotlib with the first chart, not at start

    bars = Bars(names, series, labels, _("Who brings what"), ylabel=_("Offers, needs and hand-overs"))
    chart = await render(grouped_chart, bars)
    alt = _(
        "Bars per organisation: offers, hand-overs given, needs and hand-overs received. {details}",
        details="; ".join(describe(names, series, labels)),
    )
    blocks.append(Image(Attachment(f"pledge-map-{ctx.c.slug}.png", chart.png, "image/png", _("Resource map")), alt))
    blocks.append(Context(rich(_("Amounts are summed per unit as typed; the number of items is in brackets."))))
    return Reply.private(*blocks)


def describe(names: Sequence[str], series: Sequence[Sequence[int]], labels: Sequence[str]) -> list[str]:
    return [
        _(
            "{org}: {values}",
            org=name,
            values=", ".join(f"{label} {number(v)}" for label, v in zip(labels, values, strict=True)),
        )
        for name, values in zip(names, series, strict=True)
    ]
