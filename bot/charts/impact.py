"""The impact pictures in the family's style: the network of organisations (networkx lays it out,
with a fixed seed), and the report's four panels — wins per month, the network, leaders per
organisation, the pulse across pulses. Each panel with nothing to show says why in a sentence the
workflow gives (what to do next), and the alt text says what each panel shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

LABEL = 16
EDGE_LABELS = 15  # more pairs than this: line widths alone, numbers would cover each other
REPORT_SIZE = (12.0, 8.0)


def draw_network(axes: Axes, network: Network) -> None:
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
    layout = nx.spring_layout(graph, seed=7, weight="weight")
    xs, ys = [p[0] for p in layout.values()], [p[1] for p in layout.values()]
    low_x, low_y = min(xs), min(ys)
    span_x, span_y = (max(xs) - low_x) or 1.0, (max(ys) - low_y) or 1.0
    at = {n: ((x - low_x) / span_x, (y - low_y) / span_y) for n, (x, y) in layout.items()}
    heaviest = max((w for _, _, w in network.edges), default=1)
    widths = [1 + 5 * graph.edges[a, b]["weight"] / heaviest for a, b in graph.edges]
    nx.draw_networkx_edges(graph, at, ax=axes, width=widths, edge_color=GREY)
    linked = [n for n in graph.nodes if graph.degree(n)]
    alone = [n for n in graph.nodes if not graph.degree(n)]
    if linked:
        nx.draw_networkx_nodes(
            graph, at, nodelist=linked, ax=axes, node_color=BLUE, node_size=260, label=_("works with others")
        )
    if alone:
        nx.draw_networkx_nodes(
            graph,
            at,
            nodelist=alone,
            ax=axes,
            node_color=ORANGE,
            node_shape="s",
            node_size=220,
            label=_("works with nobody yet"),
        )
    for n, (x, y) in at.items():
        axes.annotate(
            short(network.names[n], LABEL),
            (x, y),
            xytext=(0, 10),
            textcoords="offset points",
            ha="center",
            fontsize=FONT - 2,
            color=INK,
        )
    if len(network.edges) <= EDGE_LABELS:
        nx.draw_networkx_edge_labels(
            graph, at, ax=axes, edge_labels={(a, b): number(w) for a, b, w in network.edges}, font_size=FONT - 3
        )
    axes.set_xlim(-0.25, 1.25)
    axes.set_ylim(-0.12, 1.15)
    if not network.edges and network.unlinked:
        axes.text(
            0.5,
            -0.1,
            network.unlinked,
            ha="center",
            va="bottom",
            transform=axes.transAxes,
            fontsize=FONT - 1,
            color=GREY,
        )
    legend_above(axes)


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
    axes.set_xticks(
        range(len(trend.labels)), [short(x, 12) for x in trend.labels], rotation=25, ha="right", rotation_mode="anchor"
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
