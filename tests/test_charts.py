"""Progress charts: valid PNGs, the same bytes for the same data, fast, and no figures left behind."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

import matplotlib
from matplotlib.figure import Figure

from bot.charts import Series, cumulative, progress_chart, progress_overview

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CALLS = Series("Calls", [(START + timedelta(days=d, hours=d % 5), 10.0 + d) for d in range(20)], 400, "calls")


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_cumulative_sorts_and_sums() -> None:
    points = [(START + timedelta(days=2), 5.0), (START, 3.0), (START + timedelta(days=1), 2.0)]
    assert [total for _, total in cumulative(points)] == [3.0, 5.0, 10.0]


def test_charts_are_headless_pngs() -> None:
    assert matplotlib.get_backend().lower() == "agg"
    assert png_size(progress_chart(CALLS, tz="Europe/Berlin", now=START + timedelta(days=30))) == (640, 320)
    empty = Series("Nothing yet", [], 100)
    assert png_size(progress_chart(empty)) == (640, 320)
    assert png_size(progress_overview([CALLS, empty, Series("Zero target", [(START, 1.0)], 0)])) == (640, 320)
    assert png_size(progress_overview([])) == (640, 320)


def test_the_same_data_gives_the_same_bytes() -> None:
    now = START + timedelta(days=30)
    assert progress_chart(CALLS, tz="America/New_York", now=now) == progress_chart(
        CALLS, tz="America/New_York", now=now
    )
    assert progress_overview([CALLS], now=now) == progress_overview([CALLS], now=now)


def test_rendering_leaks_no_figures() -> None:
    """Speed is measured by the benchmarks, not asserted here (a busy machine would fail it)."""
    progress_chart(CALLS)  # warm up fonts and caches
    gc.collect()
    before = sum(isinstance(o, Figure) for o in gc.get_objects())
    for _ in range(5):
        progress_chart(CALLS, tz="Europe/Berlin", now=START + timedelta(days=30))
        progress_overview([CALLS, CALLS], tz="Europe/Berlin")
    gc.collect()
    after = sum(isinstance(o, Figure) for o in gc.get_objects())
    assert after <= before
