"""Grouped bars of counts, one group per organisation or month: the pledge resource map and the
impact report's wins and leaders panels. One colour and hatch per measure (they read in grey too),
a count axis of whole numbers from 0, the legend above the plot, and a sentence instead of an empty
frame when there is nothing to count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.charts.panels import Bars
from bot.charts.style import (
    FONT,
    HATCHES,
    INK,
    PALETTE,
    Chart,
    count_axis,
    figure,
    legend_above,
    name_label,
    png,
    say,
    short,
    style_axes,
    title,
)
from bot.core.i18n import _, number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_GROUPS = 20
LABEL = 16  # characters of a group's name under its bars
MIN_SLOTS = 4  # one group is drawn as narrow as one of four, not across the whole panel


def draw_bars(axes: Axes, bars: Bars) -> None:
    style_axes(axes)
    axes.grid(axis="x", visible=False)
    labels, values = list(bars.labels)[:MAX_GROUPS], list(bars.values)[:MAX_GROUPS]
    if not labels:
        title(axes, bars.title)
        say(axes, bars.empty)
        return
    width = 0.8 / max(1, len(bars.legend))
    for index, label in enumerate(bars.legend):
        xs = [g + (index - (len(bars.legend) - 1) / 2) * width for g in range(len(labels))]
        axes.bar(
            xs,
            [v[index] for v in values],
            width=width,
            label=label,
            color=PALETTE[index % len(PALETTE)],
            hatch=HATCHES[index % len(HATCHES)],
            edgecolor=INK,
            linewidth=0.5,
        )
    slanted = len(labels) > 3
    axes.set_xticks(
        range(len(labels)),
        [name_label(g, max(LABEL, min(30, 90 // len(labels)))) for g in labels],
        rotation=25 if slanted else 0,
        ha="right" if slanted else "center",
        rotation_mode="anchor",
    )
    extra = max(0.0, (MIN_SLOTS - len(labels)) / 2)
    axes.set_xlim(-0.5 - extra, len(labels) - 0.5 + extra)
    count_axis(axes, max((max(v) for v in values if len(v)), default=0))
    if bars.ylabel:
        axes.set_ylabel(short(bars.ylabel, 40), fontsize=FONT)
    title(axes, bars.title, legend=len(bars.legend) > 0)
    legend_above(axes)


def bars_alt(bars: Bars) -> str:
    """``Wins per month: 2026-11: Wins 2, Shifted the climate 1; …``, or the empty sentence."""
    if not bars.labels:
        return bars.empty
    groups = [
        _(
            "{group}: {values}",
            group=label,
            values=", ".join(f"{name} {number(v)}" for name, v in zip(bars.legend, values, strict=True)),
        )
        for label, values in zip(bars.labels, bars.values, strict=True)
    ]
    return _("{title}: {groups}.", title=bars.title, groups="; ".join(groups))


def grouped_figure(bars: Bars) -> Figure:
    made = figure(width=max(8.0, 0.6 * min(len(bars.labels), MAX_GROUPS) + 2))
    draw_bars(made.subplots(), bars)
    return made


def grouped_chart(bars: Bars) -> Chart:
    """A PNG of ``len(legend)`` bars per group with its alt text; deterministic for the same input."""
    return Chart(png(grouped_figure(bars)), bars_alt(bars))


def grouped_bars(
    groups: Sequence[str], values: Sequence[Sequence[int]], labels: Sequence[str], *, title: str, ylabel: str
) -> bytes:
    return grouped_chart(Bars(groups, values, labels, title, ylabel=ylabel)).png
