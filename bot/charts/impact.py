"""The impact pictures in the family's style: the network of organisations (networkx lays it out,
with a fixed seed), and the report's four panels — wins per month, the network, leaders per
organisation, the pulse across pulses. Each panel with nothing to show says why in a sentence the
workflow gives (what to do next), and the alt text says what each panel shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.charts.grouped import bars_alt, draw_bars
from bot.charts.panels import Bars, Network, Trend
from bot.charts.style import (
    BLUE,
    FONT,
    GREY,
    INK,
    ORANGE,
    Chart,
    figure,
    legend_above,
    name_label,
    png,
    say,
    short,
    style_axes,
    title,
)
from bot.core.i18n import _, and_list, ngettext, number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LABEL = 18
CIRCLE = 12  # up to this many organisations that work together are drawn on a circle
NAMED = 15  # organisations named on the network, the busiest first: more names would cover each other
EDGE_LABELS = 8  # more pairs than this: line widths alone, numbers would cover the names
REPORT_SIZE = (12.0, 8.0)
TREND_LABELS = 8


def draw_network(axes: Axes, network: Network) -> None:
    """Organisations that worked together laid out by how much (thicker lines, more work), those
    that work with nobody in a row underneath; the busiest named when there are too many to name."""
    import networkx as nx

    title(axes, network.title, legend=len(network.names) > 1)
    axes.set_axis_off()
    if len(network.names) < 2:
        say(axes, network.empty)
        return
    graph = nx.Graph()
    graph.add_nodes_from(range(len(network.names)))
    for a, b, weight in network.edges:
        graph.add_edge(a, b, weight=weight)
    linked = [n for n in graph.nodes if graph.degree(n)]
    alone = [n for n in graph.nodes if not graph.degree(n)]
    at = _layout(graph, linked, alone)
    heaviest = max((w for _, _, w in network.edges), default=1)
    widths = [1 + 5 * graph.edges[a, b]["weight"] / heaviest for a, b in graph.edges]
    nx.draw_networkx_edges(graph, at, ax=axes, width=widths, edge_color=GREY, alpha=0.8)
    size = 260 if len(graph) <= 15 else 120 if len(graph) <= 40 else 60
    if linked:
        nx.draw_networkx_nodes(
            graph, at, nodelist=linked, ax=axes, node_color=BLUE, node_size=size, label=_("works with others")
        )
    if alone:
        nx.draw_networkx_nodes(
            graph,
            at,
            nodelist=alone,
            ax=axes,
            node_color=ORANGE,
            node_shape="s",
            node_size=size,
            label=_("works with nobody yet"),
        )
    for n in _named(graph, at):
        x, y = at[n]
        axes.annotate(
            name_label(network.names[n], LABEL),
            (x, y),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=FONT - 2,
            color=INK,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
        )
    if len(network.edges) <= EDGE_LABELS:
        nx.draw_networkx_edge_labels(
            graph, at, ax=axes, edge_labels={(a, b): number(w) for a, b, w in network.edges}, font_size=FONT - 3
        )
    axes.set_xlim(-0.2, 1.2)
    axes.set_ylim(min(-0.05, *(y - 0.08 for _x, y in at.values())), 1.12)
    if not network.edges and network.unlinked:
        axes.text(
            0.5,
            0.5,
            network.unlinked,
            ha="center",
            va="center",
            transform=axes.transAxes,
            fontsize=FONT - 1,
            color=GREY,
        )
    legend_above(axes)


def _named(graph: Any, at: dict[int, tuple[float, float]]) -> list[int]:
    """The organisations to name, busiest first, skipping any whose name would sit on one already
    named (a name is about a quarter of the panel wide and a line high)."""
    strength = dict(graph.degree(weight="weight"))
    named: list[int] = []
    for n in sorted(graph.nodes, key=lambda n: (-strength[n], n)):
        x, y = at[n]
        if all(abs(x - at[m][0]) > 0.24 or abs(y - at[m][1]) > 0.08 for m in named):
            named.append(n)
        if len(named) == NAMED:
            break
    return named


def _layout(graph: Any, linked: list[int], alone: list[int]) -> dict[int, tuple[float, float]]:
    """Positions in [0, 1]²: the linked by a seeded spring layout above, the alone in rows below."""
    import networkx as nx

    at: dict[int, tuple[float, float]] = {}
    bottom = 0.35 if alone and linked else 0.0
    if linked:
        sub = graph.subgraph(linked)
        spring = (  # a few on a circle never cover each other; many by how much they work together
            nx.circular_layout(sub)
            if len(linked) <= CIRCLE
            else nx.spring_layout(sub, seed=7, weight="weight", k=1.6 / max(1, len(linked)) ** 0.5)
        )
        xs, ys = [p[0] for p in spring.values()], [p[1] for p in spring.values()]
        span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
        for n, (x, y) in spring.items():
            at[n] = ((x - min(xs)) / span_x, bottom + (1 - bottom) * (y - min(ys)) / span_y)
    per_row = 4 if len(alone) <= 2 * 4 else 8  # a name is about a quarter of the panel wide
    top = 0.12 if linked else 0.9
    for k, n in enumerate(alone):
        row, column = divmod(k, per_row)
        count = min(per_row, len(alone) - row * per_row)
        stagger = 0.09 if column % 2 else 0.0  # neighbours' names at two heights
        at[n] = ((column + 0.5) / count, top - 0.22 * row - stagger)
    return at


def network_alt(network: Network) -> str:
    if len(network.names) < 2:
        return network.empty
    orgs = ngettext(
        "The network of {n} organisation.",
        "The network of {n} organisations.",
        len(network.names),
        n=number(len(network.names)),
    )
    pairs = ngettext(
        "{n} pair worked together; thicker lines mean more work together.",
        "{n} pairs worked together; thicker lines mean more work together.",
        len(network.edges),
        n=number(len(network.edges)),
    )
    linked = {i for a, b, _w in network.edges for i in (a, b)}
    alone = [name for i, name in enumerate(network.names) if i not in linked]
    words = [orgs, pairs if network.edges else network.unlinked]
    if alone and network.edges:
        words.append(_("Working with nobody yet: {names}.", names=and_list(alone[:20])))
    return " ".join(w for w in words if w)


def network_figure(network: Network) -> Figure:
    made = figure()
    draw_network(made.subplots(), network)
    return made


def network_chart(network: Network) -> Chart:
    return Chart(png(network_figure(network)), network_alt(network))


def draw_trend(axes: Axes, trend: Trend) -> None:
    style_axes(axes)
    title(axes, trend.title)
    if not trend.means:
        say(axes, trend.empty)
        return
    axes.plot(range(len(trend.means)), trend.means, marker="o", color=BLUE, linewidth=2)
    axes.set_ylim(1, 5)
    axes.set_yticks([1, 2, 3, 4, 5], [number(v) for v in (1, 2, 3, 4, 5)])
    axes.set_xlim(-0.5, max(len(trend.means), 4) - 0.5)
    step = -(-len(trend.labels) // TREND_LABELS)  # every pulse a point, at most TREND_LABELS of them named
    shown = range(0, len(trend.labels), step)
    axes.set_xticks(
        list(shown), [short(trend.labels[k], 12) for k in shown], rotation=25, ha="right", rotation_mode="anchor"
    )


def trend_alt(trend: Trend) -> str:
    if not trend.means:
        return trend.empty
    points = ", ".join(
        f"{label} {number(mean, digits=1)}" for label, mean in zip(trend.labels, trend.means, strict=True)
    )
    return _("{title}: {points}.", title=trend.title, points=points)


def report_figure(wins: Bars, network: Network, leaders: Bars, pulse: Trend) -> Figure:
    made = figure(height=REPORT_SIZE[1], width=REPORT_SIZE[0])
    (top_left, top_right), (bottom_left, bottom_right) = made.subplots(2, 2)
    draw_bars(top_left, wins)
    draw_network(top_right, network)
    draw_bars(bottom_left, leaders)
    draw_trend(bottom_right, pulse)
    return made


def report_chart(wins: Bars, network: Network, leaders: Bars, pulse: Trend) -> Chart:
    """One image with the four measures; its alt text says each panel in turn."""
    alt = " ".join(
        (
            _("Four charts."),
            bars_alt(wins),
            network_alt(network),
            bars_alt(leaders),
            trend_alt(pulse),
        )
    )
    return Chart(png(report_figure(wins, network, leaders, pulse)), alt)
