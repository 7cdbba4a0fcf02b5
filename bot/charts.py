"""Progress charts as PNG images (matplotlib, headless Agg backend, no pyplot state).

Each call builds its own ``Figure`` (not ``pyplot``), so charts are thread-safe, leak no global
figures, and render in tens of milliseconds. Output is deterministic for the same input. Titles,
labels and dates are in the current language (:mod:`bot.core.i18n`), like every other word.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.core import i18n
from bot.core.i18n import _

COLORS = ("#2b5fab", "#d9822b", "#2e8540", "#8e44ad", "#c0392b")
METADATA = {"Software": None}  # no version stamp: the same data gives the same bytes
MARGINS = {"left": 0.11, "right": 0.97, "top": 0.9, "bottom": 0.14}  # fixed: tight_layout costs a full extra draw


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[datetime, float]]  # (when, amount reported then)
    target: float
    unit: str = ""


def cumulative(points: Sequence[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    total = 0.0
    out = []
    for at, amount in sorted(points, key=lambda p: p[0]):
        total += amount
        out.append((at, total))
    return out


def progress_chart(series: Series, *, tz: str = "UTC", now: datetime | None = None) -> bytes:
    """Cumulative progress of one goal over time, against its target line."""
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    axes = figure.subplots()
    zone = ZoneInfo(tz)
    running = cumulative(series.points)
    if running and now is not None and now > running[-1][0]:
        running.append((now, running[-1][1]))
    if running:
        xs = date2num([at.astimezone(zone).replace(tzinfo=None) for at, _ in running])
        ys = [total for _, total in running]
        axes.step(xs, ys, where="post", color=COLORS[0], linewidth=2, label=_("Progress"))
        axes.fill_between(xs, ys, step="post", color=COLORS[0], alpha=0.12)
        _date_axis(axes)
    else:
        _nothing_yet(axes)
    axes.axhline(series.target, color=COLORS[1], linestyle="--", linewidth=1.5, label=_("Target"))
    top = max([series.target, *(y for _, y in running)]) if running else series.target
    axes.set_ylim(0, top * 1.1 or 1)
    axes.set_ylabel(series.unit or _("amount"))
    axes.set_title(series.label[:80], fontsize=11, loc="left")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="lower right", frameon=False, fontsize=9)
    figure.subplots_adjust(**MARGINS)
    return _png(figure)


def progress_overview(series: Sequence[Series], *, tz: str = "UTC", now: datetime | None = None) -> bytes:
    """Several goals at once, each as a percentage of its own target (100% is the target line)."""
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    axes = figure.subplots()
    zone = ZoneInfo(tz)
    plotted = False
    top = 100.0
    for index, s in enumerate(series[: len(COLORS)]):
        running = cumulative(s.points)
        if not running or s.target <= 0:
            continue
        if now is not None and now > running[-1][0]:
            running.append((now, running[-1][1]))
        xs = date2num([at.astimezone(zone).replace(tzinfo=None) for at, _ in running])
        ys = [100.0 * total / s.target for _, total in running]
        top = max(top, *ys)
        axes.step(xs, ys, where="post", color=COLORS[index], linewidth=2, label=s.label[:40])
        plotted = True
    if plotted:
        _date_axis(axes)
        axes.legend(loc="upper left", frameon=False, fontsize=8)
    else:
        _nothing_yet(axes)
    axes.axhline(100, color="#555", linestyle="--", linewidth=1.2)
    axes.set_ylim(0, top * 1.1)
    axes.set_ylabel(_("% of target"))
    axes.set_title(_("Progress towards each goal's target"), fontsize=11, loc="left")
    axes.grid(axis="y", alpha=0.3)
    figure.subplots_adjust(**MARGINS)
    return _png(figure)


def _date_axis(axes: Axes) -> None:
    """Dates along the x axis: matplotlib's concise English labels, or day and month by Babel in
    another language (``3 nov`` / ``3 nov.``)."""
    axes.xaxis_date()
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    if i18n.current() in (i18n.DEFAULT, i18n.PSEUDO):
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    else:
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: i18n.date(num2date(x).date(), format="d MMM")))


def _nothing_yet(axes: Axes) -> None:
    axes.text(0.5, 0.5, _("No check-ins yet"), ha="center", va="center", transform=axes.transAxes, color="#555")
    axes.set_xticks([])


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata=METADATA)
    figure.clear()
    return buffer.getvalue()
