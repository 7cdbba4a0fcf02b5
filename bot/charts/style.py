"""One look for every chart, and what every chart is: PNG bytes with alt text.

The palette is Okabe & Ito's, safe for the common colour-vision deficiencies; no meaning rests on
colour alone (line styles differ, states are written next to the bars and in the alt text). The
size is 16:9 at 800 px wide, which Slack and Discord both show whole in a message preview, with
fonts large enough to read there. Figures use matplotlib's constrained layout, so titles, tick
labels and legends are fitted inside the picture instead of cut at its edge, and legends sit outside
the plotted area (above a panel, below a chart), never on the data. Count axes start at 0 and carry
whole numbers only (:func:`count_axis`); a panel with nothing to draw says so in a sentence
(:func:`say`) instead of showing an empty frame.
"""

from __future__ import annotations

import functools
import io
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

from bot.core import i18n

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

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
PALETTE = (BLUE, GREEN, ORANGE, PURPLE, SKY, VERMILLION)  # series in this order, every chart
HATCHES = ("", "//", "..", "xx", "\\\\", "++")  # one per series besides its colour: bars read in grey too
WIDTH, HEIGHT, DPI = 8.0, 4.5, 100
FONT = 11
WRAP = 48  # characters per line of a legend entry below a chart (two columns fit 800 px)
METADATA = {"Software": None}  # no version stamp: the same data gives the same bytes
CACHED = 64

P = ParamSpec("P")

# People name their organisations in every script. Each glyph is taken from the first of these
# families that has it (matplotlib's font fallback): DejaVu Sans (matplotlib's own: Latin, Greek,
# Cyrillic and many symbols), then, where installed, Noto Sans CJK
# (Chinese, Japanese, Korean: `fonts-noto-cjk`) and Symbola (emoji and symbols in outline, as
# Agg cannot draw colour emoji: `fonts-symbola`). Without them those characters are boxes.
WIDE_FONTS = ("DejaVu Sans", "Noto Sans CJK JP", "Symbola")
FONTS = tuple(
    family for family in WIDE_FONTS if family in {entry.name for entry in font_manager.fontManager.ttflist}
) or ("DejaVu Sans",)
matplotlib.rcParams["font.family"] = list(FONTS)


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt: str  # what the picture says, in words: for screen readers, the console and fallbacks


def figure(height: float = HEIGHT, width: float = WIDTH) -> Figure:
    made = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    made.set_facecolor("white")
    made.get_layout_engine().set(w_pad=0.08, h_pad=0.08)  # type: ignore[call-arg, union-attr]
    return made


def style_axes(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=FONT - 1, colors=INK)
    axes.grid(alpha=0.3)


def title(axes: Axes, text: str, *, size: int = FONT + 2, most: int = 70, legend: bool = False) -> None:
    """The axes' title, top left; raised above the row a :func:`legend_above` takes."""
    axes.set_title(short(text, most), fontsize=size, loc="left", color=INK, pad=FONT + 14 if legend else 6)


def count_axis(axes: Axes, top: float, *, which: str = "y") -> None:
    """A count axis: from 0, whole-number ticks labelled in the reader's language, a little headroom."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis = axes.yaxis if which == "y" else axes.xaxis
    axis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: i18n.number(round(value))))
    high = max(1.0, float(top)) * 1.08
    (axes.set_ylim if which == "y" else axes.set_xlim)(0, high)


def legend_above(axes: Axes, *, ncols: int | None = None) -> None:
    """The axes' legend in one row between its title and the plotted area: it never covers data."""
    handles, labels = axes.get_legend_handles_labels()
    if not handles:
        return
    axes.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=ncols or len(handles),
        frameon=False,
        fontsize=FONT - 2,
        borderaxespad=0.2,
        handlelength=1.4,
        columnspacing=1.0,
    )


def legend_below(made: Figure, handles: list[Artist], *, ncols: int = 2) -> None:
    """A figure's legend under its plotted area (constrained layout keeps it inside the picture)."""
    import textwrap

    if handles:
        labels = ["\n".join(textwrap.wrap(str(h.get_label()), WRAP)) for h in handles]
        made.legend(handles, labels, loc="outside lower left", ncols=ncols, frameon=False, fontsize=FONT - 1)


def say(axes: Axes, sentence: str, *, width: int = 44) -> None:
    """A panel with nothing to draw says why, in words, where the data would be."""
    import textwrap

    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        "\n".join(textwrap.wrap(sentence.replace("`", ""), width)),  # `code` marks are for chat text
        ha="center",
        va="center",
        transform=axes.transAxes,
        fontsize=FONT,
        color=GREY,
        wrap=True,
    )


MISSING = "□"  # what a character no chart font can draw is shown as


@functools.cache
def _drawable_codepoints() -> frozenset[int]:
    from matplotlib import font_manager, ft2font

    drawn: set[int] = set()
    for family in FONTS:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        drawn.update(ft2font.FT2Font(path).get_charmap())
    return frozenset(drawn)


def drawable(text: str) -> str:
    """People's text as the chart's fonts can draw it: control and format characters (invisible)
    dropped, characters no font has shown as a box — drawn, not warned about one by one."""
    kept = (c for c in text if not unicodedata.category(c).startswith("C"))
    codepoints = _drawable_codepoints()
    return "".join(c if ord(c) in codepoints or c.isspace() else MISSING for c in kept)


def short(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters with an ellipsis, never silently."""
    text = drawable(text)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def name_label(text: str, most: int) -> str:
    """A name under a bar or beside a node, cut in the middle: names that share a beginning
    ("Organisation 12", "Organisation 13") stay apart."""
    text = drawable(text)
    if len(text) <= most:
        return text
    head = (most - 1) * 3 // 5
    return text[:head].rstrip() + "…" + text[len(text) - (most - 1 - head) :].lstrip()


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
    """Build a chart in the worker process (``bot.core.offload``), in the current language: in a
    thread, matplotlib and networkx hold the interpreter lock, and so the event loop, for hundreds
    of milliseconds on a loaded machine (issue 23). ``build`` and its arguments must pickle."""
    from bot.core.offload import in_worker

    return await in_worker(built_in, i18n.current(), build, args, kwargs)


def built_in(lang: str, build: Callable[..., Chart], args: tuple[object, ...], kwargs: dict[str, object]) -> Chart:
    """``build(*args, **kwargs)`` in ``lang`` (what the worker process runs)."""
    with i18n.language(lang):
        return build(*args, **kwargs)
