"""The impact pictures (matplotlib without pyplot, networkx for the network's layout): the network
of organisations, and the report's four panels. Deterministic for the same input (a fixed layout
seed, no version stamp). Callers run them off the event loop (``asyncio.to_thread``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib and networkx load with the first picture, not at start (idle memory)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

METADATA = {"Software": None}
BLUE, ORANGE, GREEN, GREY = "#2b5fab", "#d9822b", "#2e8540", "#9aa5b1"


@dataclass(frozen=True)
class Network:
    names: Sequence[str]  # every organisation, also those that work with nobody
    edges: Sequence[tuple[int, int, int]]  # (index, index, how much they worked together)
    title: str


@dataclass(frozen=True)
class Bars:
    labels: Sequence[str]
    values: Sequence[Sequence[float]]  # one series per legend entry
    legend: Sequence[str]
    title: str


@dataclass(frozen=True)
class Trend:
    labels: Sequence[str]  # one per pulse shown
    means: Sequence[float]
    title: str
    empty: str  # said when no pulse has enough answers


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata=METADATA)
    return out.getvalue()


def draw_network(axes: Axes, network: Network) -> None:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(network.names)))
    for a, b, weight in network.edges:
        graph.add_edge(a, b, weight=weight)
    layout = nx.spring_layout(graph, seed=7, weight="weight") if len(graph) > 1 else {0: (0.0, 0.0)}
    heaviest = max((w for _, _, w in network.edges), default=1)
    widths = [1 + 5 * graph.edges[a, b]["weight"] / heaviest for a, b in graph.edges]
    nx.draw_networkx_edges(graph, layout, ax=axes, width=widths, edge_color=GREY)
    colors = [BLUE if graph.degree(n) else ORANGE for n in graph.nodes]
    nx.draw_networkx_nodes(graph, layout, ax=axes, node_color=colors, node_size=420)
    nx.draw_networkx_labels(
        graph, layout, ax=axes, labels={i: n[:18] for i, n in enumerate(network.names)}, font_size=8
    )
    nx.draw_networkx_edge_labels(
        graph, layout, ax=axes, edge_labels={(a, b): str(w) for a, b, w in network.edges}, font_size=7
    )
    axes.set_title(network.title[:80], fontsize=11, loc="left")
    axes.margins(0.2)
    axes.set_axis_off()


def network_chart(network: Network) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.8), dpi=100)
    draw_network(figure.subplots(), network)
    return _png(figure)


def _bars(axes: Axes, bars: Bars) -> None:
    from matplotlib.ticker import MaxNLocator

    colors = (BLUE, GREEN, ORANGE)
    width = 0.8 / max(1, len(bars.legend))
    for i, label in enumerate(bars.legend):
        xs = [g + (i - (len(bars.legend) - 1) / 2) * width for g in range(len(bars.labels))]
        axes.bar(xs, [v[i] for v in bars.values], width=width, label=label, color=colors[i % len(colors)])
    axes.set_xticks(range(len(bars.labels)))
    axes.set_xticklabels([str(x)[:12] for x in bars.labels], fontsize=7, rotation=20, ha="right")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(bars.title[:60], fontsize=10, loc="left")
    if bars.labels:
        axes.legend(frameon=False, fontsize=7)


def _trend(axes: Axes, trend: Trend) -> None:
    axes.set_title(trend.title[:60], fontsize=10, loc="left")
    axes.set_ylim(1, 5)
    if not trend.means:
        axes.text(0.5, 0.5, trend.empty[:60], ha="center", va="center", transform=axes.transAxes, fontsize=8)
        axes.set_xticks([])
        return
    axes.plot(range(len(trend.means)), trend.means, marker="o", color=BLUE)
    axes.set_xticks(range(len(trend.labels)))
    axes.set_xticklabels([x[:12] for x in trend.labels], fontsize=7)


def report_chart(wins: Bars, network: Network, leaders: Bars, pulse: Trend) -> bytes:
    """One image with the four measures: wins per month, the network, leaders per organisation,
    the pulse across pulses."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 8), dpi=100)
    (top_left, top_right), (bottom_left, bottom_right) = figure.subplots(2, 2)
    _bars(top_left, wins)
    draw_network(top_right, network)
    _bars(bottom_left, leaders)
    _trend(bottom_right, pulse)
    figure.subplots_adjust(left=0.06, right=0.98, top=0.95, bottom=0.08, hspace=0.35, wspace=0.2)
    return _png(figure)
