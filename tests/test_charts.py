"""Charts as a family: each chart rendered at the edge cases (0, 1, 2 and 10,000 check-ins, one day,
two years), its axes read back from the matplotlib Figure (date ticks are calendar dates inside the
goal's range, in the reader's language), its state in words, valid PNGs of one size, the same bytes
for the same data, and no figures left behind."""

from __future__ import annotations

import asyncio
import gc
import os
import re
from datetime import UTC, date, datetime, timedelta

import matplotlib
import pytest
from matplotlib.dates import num2date
from matplotlib.figure import Figure

from bot.charts import (
    GoalState,
    Series,
    burnup_chart,
    burnup_figure,
    cumulative,
    pace_of,
    render,
    status_chart,
    status_figure,
)
from bot.charts import style as chart_style
from bot.core import i18n

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TZ = "Europe/Berlin"
SKELETONS = ("MMMd", "yMMMd", "yMMM", "y")


def goal(n: int, *, days: int, due_in: int | None = 10, amount: float = 1.0, target: float = 100) -> Series:
    """``n`` check-ins spread over the ``days`` before NOW; the goal was created ``days`` ago."""
    start = NOW - timedelta(days=days)
    step = timedelta(days=days) / max(n, 1)
    points = [(start + step * k, amount) for k in range(n)]
    due = (NOW + timedelta(days=due_in)).date() if due_in is not None else None
    return Series("Calls to the council", points, target, "calls", start=start, due=due)


EDGES = {
    "no check-ins": goal(0, days=3),
    "one check-in": goal(1, days=3),
    "two check-ins": goal(2, days=3),
    "10,000 check-ins": goal(10_000, days=400, amount=0.01, due_in=300),
    "one day": goal(2, days=0, due_in=0),
    "created today, no due date": goal(0, days=0, due_in=None),
    "two years": goal(50, days=365, due_in=365),
    "overdue": goal(5, days=60, due_in=-20),
    "done": goal(3, days=5, amount=50),
}


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def date_ticks_of(figure: Figure) -> list[tuple[date, str]]:
    axes = figure.axes[0]
    figure.canvas.draw()
    labels = [label.get_text() for label in axes.get_xticklabels()]
    days = [num2date(x).date() for x in axes.get_xticks()]
    return list(zip(days, labels, strict=True))


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("case", list(EDGES))
def test_the_burnup_axis_is_dates_within_the_goal(case: str, lang: str) -> None:
    series = EDGES[case]
    with i18n.language(lang):
        figure, pace = burnup_figure(series, tz=TZ, now=NOW)
        ticks = date_ticks_of(figure)
        first = (series.start or NOW).astimezone(pace.start.tzinfo).date()
        last = max(series.due or NOW.date(), NOW.date())
        assert 1 <= len(ticks) <= 7, ticks
        for day, label in ticks:
            assert first - timedelta(days=1) <= day <= last, (day, first, last)
            assert label in {i18n.date_skeleton(day, s) for s in SKELETONS}, (label, day)
            assert not re.fullmatch(r"[\d.:]+", label) or re.fullmatch(r"\d{4}", label), label
        left, right = figure.axes[0].get_xlim()
        assert num2date(left).date() <= ticks[0][0]
        assert ticks[-1][0] <= num2date(right).date()
        assert pace.words() in figure.axes[0].get_title(loc="left")
        figure.clear()


def test_a_one_day_goal_is_labelled_with_its_day_not_hours() -> None:
    figure, _pace = burnup_figure(EDGES["one day"], tz=TZ, now=NOW)
    assert date_ticks_of(figure) == [(date(2026, 11, 30), "Nov 30")]


def test_spanish_ticks_are_spanish() -> None:
    with i18n.language("es"):
        figure, _pace = burnup_figure(EDGES["two years"], tz=TZ, now=NOW)
        labels = [label for _day, label in date_ticks_of(figure)]
    assert any("nov" in label or "ene" in label or "jul" in label for label in labels), labels


@pytest.mark.parametrize("case", list(EDGES))
def test_every_burnup_is_a_png_with_alt_text_that_says_its_state(case: str) -> None:
    chart = burnup_chart(EDGES[case], tz=TZ, now=NOW)
    assert png_size(chart.png) == (800, 450)
    assert pace_of(EDGES[case], now=NOW, tz=TZ).words() in chart.alt
    assert "Calls to the council" in chart.alt


def test_pace_says_done_on_track_at_risk_overdue() -> None:
    assert pace_of(EDGES["done"], now=NOW).state is GoalState.DONE
    assert pace_of(EDGES["overdue"], now=NOW).state is GoalState.OVERDUE
    assert pace_of(EDGES["created today, no due date"], now=NOW).state is GoalState.NO_DUE_DATE
    assert pace_of(goal(0, days=0, due_in=5), now=NOW).state is GoalState.ON_TRACK  # its first day
    assert pace_of(goal(0, days=10, due_in=10), now=NOW).state is GoalState.AT_RISK
    half = goal(10, days=10, due_in=10, amount=5)  # 50 of 100 at the middle
    assert pace_of(half, now=NOW).state is GoalState.ON_TRACK
    slow = goal(10, days=10, due_in=10, amount=2)  # 20 of 100, needs 8 a day now
    pace = pace_of(slow, now=NOW)
    assert pace.state is GoalState.AT_RISK
    assert pace.projected is not None
    assert pace.projected > (slow.due or NOW.date())
    assert pace.needed_per_day == pytest.approx(80 / (10 + 9 / 24), rel=0.01)  # to the end of the due date, UTC


def test_status_bars_mark_where_each_goal_should_be_and_say_its_state() -> None:
    goals = [EDGES["done"], goal(10, days=10, due_in=10, amount=2), EDGES["overdue"], EDGES["no check-ins"]]
    figure, paces = status_figure(goals, tz=TZ, now=NOW)
    axes = figure.axes[0]
    figure.canvas.draw()
    texts = [t.get_text() for child in axes.child_axes for t in child.get_yticklabels()]  # beside each bar
    for pace in paces:
        assert any(pace.words() in text for text in texts)
    assert [t.get_text() for t in axes.get_xticklabels()][:5] == [i18n.percent(p / 100) for p in (0, 25, 50, 75, 100)]
    markers = [line for line in axes.lines if line.get_marker() == "|"]
    assert len(markers) == 3  # all but the one that is done
    figure.clear()
    chart = status_chart(goals, tz=TZ, now=NOW)
    assert png_size(chart.png)[0] == 800
    for word in ("done", "at risk", "overdue"):
        assert word in chart.alt


@pytest.mark.parametrize("count", [0, 1, 2, 10, 25])
def test_status_bars_at_any_number_of_goals(count: int) -> None:
    goals = [goal(k, days=k + 1) for k in range(count)]
    figure, _paces = status_figure(goals, tz=TZ, now=NOW)
    assert len(figure.axes[0].get_yticklabels()) == min(count, 10)
    figure.clear()
    chart = status_chart(goals, tz=TZ, now=NOW)
    assert png_size(chart.png)[0] == 800
    assert chart.alt


def test_cumulative_sorts_and_sums() -> None:
    points = [(NOW + timedelta(days=2), 5.0), (NOW, 3.0), (NOW + timedelta(days=1), 2.0)]
    assert [total for _, total in cumulative(points)] == [3.0, 5.0, 10.0]


def test_headless_and_the_same_data_gives_the_same_bytes() -> None:
    assert matplotlib.get_backend().lower() == "agg"
    chart_style._cache.clear()
    first = burnup_chart(EDGES["two years"], tz=TZ, now=NOW).png
    chart_style._cache.clear()
    assert burnup_chart(EDGES["two years"], tz=TZ, now=NOW).png == first
    assert status_chart([EDGES["done"]], now=NOW) == status_chart([EDGES["done"]], now=NOW)


def test_charts_are_cached_by_what_they_show_and_language() -> None:
    chart_style._cache.clear()
    one = burnup_chart(EDGES["two check-ins"], tz=TZ, now=NOW)
    assert burnup_chart(EDGES["two check-ins"], tz=TZ, now=NOW + timedelta(seconds=20)) is one
    assert burnup_chart(EDGES["two check-ins"], tz=TZ, now=NOW + timedelta(minutes=1)) is not one
    with i18n.language("es"):
        assert burnup_chart(EDGES["two check-ins"], tz=TZ, now=NOW) is not one


def drawn_where(series: Series) -> chart_style.Chart:
    """A burn-up whose alt text says which process drew it, in which language."""
    chart = burnup_chart(series, now=NOW)
    return chart_style.Chart(chart.png, f"{os.getpid()} {i18n.current()} {chart.alt}")


def test_render_draws_in_the_worker_process_in_the_callers_language() -> None:
    async def main() -> chart_style.Chart:
        with i18n.language("fr"):
            return await render(drawn_where, EDGES["one check-in"])

    chart = asyncio.run(main())
    pid, lang, _alt = chart.alt.split(" ", 2)
    assert int(pid) != os.getpid(), "drawn off the event loop's process"
    assert lang == "fr"
    assert chart.png.startswith(b"\x89PNG")


def test_rendering_leaks_no_figures() -> None:
    """Speed belongs to the benchmarks (a loaded machine makes any bound flaky); leaks do not."""
    burnup_chart(EDGES["two check-ins"], now=NOW)  # warm up fonts and caches
    gc.collect()
    before = sum(isinstance(o, Figure) for o in gc.get_objects())
    for k in range(3):
        chart_style._cache.clear()
        burnup_chart(EDGES["10,000 check-ins"], tz=TZ, now=NOW + timedelta(minutes=k))
        status_chart(list(EDGES.values()), tz=TZ, now=NOW + timedelta(minutes=k))
    gc.collect()
    after = sum(isinstance(o, Figure) for o in gc.get_objects())
    assert after <= before


def test_every_word_on_a_chart_goes_through_the_catalogs() -> None:
    """Under the pseudo-locale no plain English is left on the axes, titles, legends or alt text
    (dates come out Greek: Babel formats the pseudo-locale like ``el``)."""
    english = re.compile(r"\b(Progress|Target|Pace|pace|target|Goals|done|track|risk|overdue|due|should|now)\b")
    with i18n.language(i18n.PSEUDO):
        burnup, _pace = burnup_figure(EDGES["two check-ins"], tz=TZ, now=NOW)
        bars, _paces = status_figure(list(EDGES.values()), tz=TZ, now=NOW)
        for figure in (burnup, bars):
            figure.canvas.draw()
            axes = figure.axes[0]
            words = [axes.get_title(loc="left"), *(t.get_text() for t in axes.texts)]
            words += [t.get_text() for t in axes.get_xticklabels()]
            words += [t.get_text() for child in axes.child_axes for t in child.get_yticklabels()]
            assert figure.legends
            words += [t.get_text() for legend in figure.legends for t in legend.get_texts()]
            assert not [w for w in words if english.search(w.replace("Calls to the council", ""))], words
            figure.clear()
        for chart in (burnup_chart(EDGES["overdue"], now=NOW), status_chart(list(EDGES.values()), now=NOW)):
            assert not english.search(chart.alt.replace("Calls to the council", "")), chart.alt


@pytest.mark.parametrize("groups", [0, 1, 4, 20, 30])
def test_grouped_bars_at_any_number_of_organisations(groups: int) -> None:
    from bot.charts.grouped import grouped_bars

    names = [f"Organisation {k}" for k in range(groups)]
    values = [[k, k + 1, 0, 2] for k in range(groups)]
    png = grouped_bars(names, values, ["offered", "given", "asked", "received"], title="Who", ylabel="Items")
    width, height = png_size(png)
    assert height == 450
    assert width >= 800
