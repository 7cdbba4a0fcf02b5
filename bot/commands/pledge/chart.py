"""The resource map's chart: grouped bars, one group per organisation (matplotlib, no pyplot)."""

from __future__ import annotations

import io
from collections.abc import Sequence

COLORS = ("#2b5fab", "#2e8540", "#d9822b", "#8e44ad")
MAX_GROUPS = 20


def grouped_bars(
    groups: Sequence[str], values: Sequence[Sequence[int]], labels: Sequence[str], *, title: str, ylabel: str
) -> bytes:
    """A PNG with ``len(labels)`` bars per group; deterministic for the same input. (matplotlib is
    imported with the first chart: a bot that draws none never pays its memory.)"""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    groups, values = list(groups)[:MAX_GROUPS], list(values)[:MAX_GROUPS]
    figure = Figure(figsize=(max(6.4, 0.9 * len(groups) + 2), 3.6), dpi=100)
    axes = figure.subplots()
    width = 0.8 / max(1, len(labels))
    for index, label in enumerate(labels):
        xs = [g + (index - (len(labels) - 1) / 2) * width for g in range(len(groups))]
        axes.bar(xs, [v[index] for v in values], width=width, label=label, color=COLORS[index % len(COLORS)])
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels(
        [g[:18] for g in groups], rotation=20 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center"
    )
    axes.set_ylabel(ylabel)
    axes.set_title(title[:80], fontsize=11, loc="left")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", alpha=0.3)
    top = max((max(v) for v in values if v), default=0)
    axes.set_ylim(0, max(1, top) * 1.35)
    axes.legend(frameon=False, fontsize=8, ncols=len(labels), loc="upper right")
    figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.22)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    figure.clear()
    return buffer.getvalue()
