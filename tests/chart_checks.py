"""Reading a drawn figure back, as a reviewer looks at it: what matplotlib actually laid out, in
display pixels (the Agg renderer's window extents), not what the code meant to draw.

- :func:`outside`: every drawn text inside the figure (nothing cut at an edge).
- :func:`count_ticks`: a count axis starts at 0 and is labelled with whole numbers only.
- :func:`legend_overlaps`: no legend covers plotted data (bars, line segments, markers, texts).
- :func:`blank_margin`: how much of the figure is left empty on its worst side.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

SLACK = 1.0  # pixels: anti-aliasing may spill one pixel


def renderer(figure: Figure) -> RendererBase:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def drawn_texts(figure: Figure, r: RendererBase) -> Iterator[Text]:
    """The texts the figure shows: visible, not empty, and (tick labels) inside their axis' view."""
    ticks: set[int] = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            ticks.update(id(label) for label in _tick_labels(axis))
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        parent = getattr(text, "axes", None)
        if parent is not None and not parent.get_visible():
            continue
        if _is_tick_label(figure, text) and id(text) not in ticks:
            continue
        yield text


def _tick_labels(axis: Axis) -> list[Text]:
    if not axis.axes.axison:
        return []
    low, high = sorted(axis.get_view_interval())
    return [
        tick.label1
        for tick in axis.get_major_ticks()
        if low - 1e-9 <= tick.get_loc() <= high + 1e-9 and tick.label1.get_visible()
    ]


def _is_tick_label(figure: Figure, text: Text) -> bool:
    return any(
        text is tick.label1 or text is tick.label2
        for axes in figure.axes
        for axis in (axes.xaxis, axes.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
    )


def outside(figure: Figure) -> list[str]:
    """Texts that reach past the figure's edges (cut in the PNG)."""
    r = renderer(figure)
    bounds = figure.bbox
    cut = []
    for text in drawn_texts(figure, r):
        box = text.get_window_extent(r)
        if (
            box.x0 < bounds.x0 - SLACK
            or box.y0 < bounds.y0 - SLACK
            or box.x1 > bounds.x1 + SLACK
            or box.y1 > bounds.y1 + SLACK
        ):
            cut.append(text.get_text())
    return cut


def count_ticks(axes: Axes, which: str = "y") -> list[str]:
    """What is wrong with a count axis: ticks below zero, between whole numbers, or not from 0."""
    axis = axes.yaxis if which == "y" else axes.xaxis
    renderer(axes.get_figure(root=True))  # type: ignore[arg-type]
    low, _high = sorted(axis.get_view_interval())
    wrong = []
    if abs(low) > 1e-9:
        wrong.append(f"starts at {low}")
    for tick in _tick_labels(axis):
        at = tick.get_position()[1 if which == "y" else 0]
        if at < -1e-9 or abs(at - round(at)) > 1e-9:
            wrong.append(f"tick {at} labelled {tick.get_text()!r}")
    return wrong


def _data_boxes(axes: Axes, r: RendererBase) -> Iterator[tuple[str, Bbox]]:
    for patch in axes.patches:
        if isinstance(patch, Rectangle) and patch.get_visible() and patch.get_width() and patch.get_height():
            yield "bar", patch.get_window_extent(r)
    for text in axes.texts:
        if text.get_visible() and text.get_text().strip():
            yield f"text {text.get_text()!r}", text.get_window_extent(r)


def _data_points(axes: Axes) -> Iterator[tuple[str, np.ndarray]]:
    """Points along every plotted line (its segments sampled) and every marker, in pixels."""
    for line in axes.lines:
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        if len(xy) > 1:
            steps = np.linspace(0, 1, 25)[:, None]
            xy = np.concatenate([a + steps * (b - a) for a, b in itertools.pairwise(xy)])
        yield f"line {line.get_label()!r}", xy
    for collection in axes.collections:
        if isinstance(collection, Collection) and collection.get_visible():
            offsets = collection.get_offsets()
            if len(offsets) and collection.get_offset_transform() is not None:
                yield "markers", collection.get_offset_transform().transform(np.asarray(offsets, dtype=float))


def legends(figure: Figure) -> list[Legend]:
    found = list(figure.legends)
    found += [axes.get_legend() for axes in figure.axes if axes.get_legend() is not None]  # type: ignore[misc]
    return found


def legend_overlaps(figure: Figure) -> list[str]:
    """What plotted data each legend covers."""
    r = renderer(figure)
    covered = []
    for legend in legends(figure):
        box = legend.get_window_extent(r).shrunk(0.98, 0.98)
        for axes in figure.axes:
            for what, data in _data_boxes(axes, r):
                if data.width > 0 and data.height > 0 and box.overlaps(data):
                    covered.append(what)
            for what, xy in _data_points(axes):
                inside = (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)
                if inside.any():
                    covered.append(what)
    return covered


def overlapping_texts(figure: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts that cover each other (names on a network, labels on bars). Slanted
    labels are left out: their upright boxes overlap where their letters do not."""
    r = renderer(figure)
    boxes = [
        (t.get_text(), t.get_window_extent(r).shrunk(0.9, 0.8)) for t in drawn_texts(figure, r) if not t.get_rotation()
    ]
    return [(a, b) for k, (a, box_a) in enumerate(boxes) for b, box_b in boxes[k + 1 :] if box_a.overlaps(box_b)]


def blank_margin(figure: Figure) -> float:
    """The largest share of the figure's height or width that nothing is drawn on, at one edge."""
    r = renderer(figure)
    drawn = figure.get_tightbbox(r)
    assert drawn is not None
    width, height = figure.get_size_inches()
    return max(drawn.x0 / width, 1 - drawn.x1 / width, drawn.y0 / height, 1 - drawn.y1 / height)


def problems(figure: Figure) -> list[str]:
    """Every general problem at once: cut texts and covered data."""
    return [f"cut: {t}" for t in outside(figure)] + [f"legend covers {w}" for w in legend_overlaps(figure)]
