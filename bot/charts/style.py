"""One look for every chart, and what every chart is: PNG bytes with alt text.

The palette is Okabe & Ito's, safe for the common colour-vision deficiencies; no meaning rests on
colour alone (line styles differ, states are written next to the bars and in the alt text). The
size is 16:9 at 800 px wide, which Slack and Discord both show whole in a message preview, with
fonts large enough to read there.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#595959",
)
INK = "#1a1a1a"
WIDTH, HEIGHT, DPI = 8.0, 4.5, 100
FONT = 11
METADATA = {"Software": None}  # no version stamp: the same data gives the same bytes
CACHED = 64

P = ParamSpec("P")


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt: str  # what the picture says, in words: for screen readers, the console and fallbacks


def figure(height: float = HEIGHT) -> Figure:
    made = Figure(figsize=(WIDTH, height), dpi=DPI)
    made.set_facecolor("white")
    return made


def style_axes(axes: object) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=FONT - 1, colors=INK)
    axes.grid(alpha=0.3)


def png(made: Figure) -> bytes:
    buffer = io.BytesIO()
    made.savefig(buffer, format="png", metadata=METADATA)
    made.clear()
    return buffer.getvalue()


_cache: OrderedDict[tuple[object, ...], Chart] = OrderedDict()
_lock = threading.Lock()


def cached(key: tuple[object, ...], build: Callable[[], Chart]) -> Chart:
    """The chart for ``key`` (everything it shows, language included, as a hashable tuple), built once."""
    digest = key
    with _lock:
        hit = _cache.get(digest)
        if hit is not None:
            _cache.move_to_end(digest)
            return hit
    chart = build()
    with _lock:
        _cache[digest] = chart
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return chart


async def render(build: Callable[P, Chart], /, *args: P.args, **kwargs: P.kwargs) -> Chart:
    """Build a chart in a worker thread: drawing takes tens of milliseconds the event loop needs."""
    return await asyncio.to_thread(build, *args, **kwargs)
