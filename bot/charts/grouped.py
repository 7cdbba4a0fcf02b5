"""Grouped bars, one group per organisation (the pledge resource map): the family's style, one
hatch per measure besides its colour, so the bars read in grey too."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.ticker import MaxNLocator

from bot.charts.style import BLUE, FONT, GREEN, INK, ORANGE, PURPLE, figure, png, style_axes

COLORS = (BLUE, GREEN, ORANGE, PURPLE)
HATCHES = ("", "//", "..", "xx")
MAX_GROUPS = 20


def grouped_bars(
    groups: Sequence[str], values: Sequence[Sequence[int]], labels: Sequence[str], *, title: str, ylabel: str
) -> bytes:
    """A PNG with ``len(labels)`` bars per group; deterministic for the same input."""
    groups, values = list(groups)[:MAX_GROUPS], list(values)[:MAX_GROUPS]
    made = figure()
    if len(groups) > 8:
        made.set_figwidth(max(8.0, 0.6 * len(groups) + 2))
    axes = made.subplots()
    style_axes(axes)
    axes.grid(axis="x", visible=False)
    width = 0.8 / max(1, len(labels))
    for index, label in enumerate(labels):
        xs = [g + (index - (len(labels) - 1) / 2) * width for g in range(len(groups))]
        axes.bar(
            xs,
            [v[index] for v in values],
            width=width,
            label=label,
            color=COLORS[index % len(COLORS)],
            hatch=HATCHES[index % len(HATCHES)],
            edgecolor=INK,
            linewidth=0.5,
        )
    axes.set_xticks(range(len(groups)))
    slanted = len(groups) > 4
    axes.set_xticklabels([g[:18] for g in groups], rotation=20 if slanted else 0, ha="right" if slanted else "center")
    axes.set_ylabel(ylabel, fontsize=FONT)
    axes.set_title(title[:80], fontsize=FONT + 2, loc="left", color=INK)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    top = max((max(v) for v in values if v), default=0)
    axes.set_ylim(0, max(1, top) * 1.35)
    axes.legend(frameon=False, fontsize=FONT - 2, ncols=len(labels), loc="upper right")
    made.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.22)
    return png(made)
