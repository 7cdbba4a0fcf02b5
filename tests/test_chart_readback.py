"""Every picture read back as a reviewer looks at it (``tests/chart_checks.py``): no text cut at the
figure's edge, count axes in whole numbers from 0, legends off the data, axes that fit the data, a
sentence instead of an empty frame, and alt text that says what the picture shows.

Run against the pictures before issue 27, these failed: the burn-up's last date label was cut
("Mar 1, 202"), the impact report's wins axis ran from −0.045 to 0.045 and its leaders legend sat on
the bars, a 4 % goal was drawn on a 0–195 % axis with a quarter of the image blank, and one check-in
minutes after a goal was created projected the target for the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from bot.charts import Bars, Network, Series, Trend, burnup_figure, pace_of, status_figure
from bot.charts.burnup import burnup_alt
from bot.charts.grouped import bars_alt, grouped_figure
from bot.charts.impact import network_alt, network_figure, report_chart, report_figure
from bot.charts.pace import too_early
from bot.core import i18n
from tests.chart_checks import blank_margin, count_ticks, legend_overlaps, outside, overlapping_texts, problems

NOW = datetime(2026, 12, 7, 10, 5, tzinfo=UTC)


def fresh_goal(**changes: object) -> Series:
    """The issue's first day: one goal due in March, one check-in minutes after it was created."""
    values: dict[str, object] = {
        "label": "Calls to the council",
        "points": [(NOW - timedelta(minutes=2), 4.0)],
        "target": 100,
        "unit": "calls",
        "start": NOW - timedelta(minutes=10),
        "due": date(2027, 3, 1),
    }
    values.update(changes)
    return Series(**values)  # type: ignore[arg-type]


def steady_goal(n: int, days: int, amount: float = 1.0, target: float = 100, due_in: int = 60) -> Series:
    start = NOW - timedelta(days=days)
    points = [(start + timedelta(days=days) * k / n, amount) for k in range(n)]
    return Series(
        "Doors knocked in the north district",
        points,
        target,
        "doors",
        start=start,
        due=(NOW + timedelta(days=due_in)).date(),
    )


WINS = Bars(
    ["2026-10", "2026-11", "2026-12"], [(1, 0), (3, 1), (1, 1)], ("Wins", "Shifted the climate"), "Wins per month"
)
NO_WINS = Bars([], [], ("Wins", "Shifted the climate"), "Wins per month", empty="No wins yet.")
ONE_ORG_LEADERS = Bars(["No organisation"], [(1, 1)], ("Leaders", "New"), "Leaders per organisation")
LEADERS = Bars(
    ["Tenants Union of the Eastern Districts", "Cycling Club", "No organisation"],
    [(4, 1), (2, 2), (1, 0)],
    ("Leaders", "New"),
    "Leaders per organisation",
)
NETWORK = Network(
    ["Tenants Union of the Eastern Districts", "Cycling Club", "Food Bank", "Parents for Clean Air"],
    [(0, 1, 3), (1, 2, 1), (0, 2, 7)],
    "Who worked with whom",
    empty="Fewer than two organisations.",
    unlinked="No two organisations have worked together yet.",
)
ALONE = Network(["Tenants Union"], [], "Who worked with whom", empty="Fewer than two organisations.")
PULSE = Trend(["Oct 1", "Nov 1", "Dec 1"], [3.2, 3.8, 4.1], "Pulse (average out of 5)", "No closed pulse yet.")
NO_PULSE = Trend([], [], "Pulse (average out of 5)", "No closed pulse yet.")


def drawn_words(figure: Figure) -> str:
    return " ".join(t.get_text() for axes in figure.axes for t in axes.texts)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize(
    "series",
    [fresh_goal(), fresh_goal(points=[]), steady_goal(30, 30), steady_goal(10_000, 730, 0.01, due_in=30)],
    ids=["first day", "no check-in", "typical", "two years, 10,000 check-ins"],
)
def test_the_burnup_cuts_no_label_and_its_legend_covers_nothing(series: Series, lang: str) -> None:
    with i18n.language(lang):
        figure, _pace = burnup_figure(series, tz="Europe/Madrid", now=NOW)
        assert problems(figure) == []


def test_one_early_checkin_is_too_early_to_project_in_the_picture_and_in_words() -> None:
    series = fresh_goal()
    pace = pace_of(series, now=NOW)
    assert pace.projected is None
    assert pace.too_early
    figure, _pace = burnup_figure(series, now=NOW)
    legend = figure.legends[0]
    assert too_early() in [t.get_text().replace("\n", " ") for t in legend.get_texts()]
    assert too_early() in burnup_alt(series, pace)


def test_a_pace_is_projected_with_three_checkins_over_three_days_or_a_tenth_of_the_way() -> None:
    assert pace_of(steady_goal(3, 3), now=NOW).projected is not None
    assert pace_of(steady_goal(2, 10), now=NOW).too_early  # two check-ins are not a pace yet
    assert pace_of(fresh_goal(points=[(NOW, 12.0)]), now=NOW).projected is not None  # 12 % of the way


@pytest.mark.parametrize(
    "series",
    [[fresh_goal()], [fresh_goal(), steady_goal(3, 3, amount=80)], [steady_goal(k + 1, 5) for k in range(10)]],
    ids=["one goal at 4 %", "one past its target", "ten goals"],
)
def test_status_bars_fit_their_data_and_leave_no_third_blank(series: list[Series]) -> None:
    figure, paces = status_figure(series, now=NOW)
    axes = figure.axes[0]
    most = max(100 * p.fraction for p in paces)
    assert axes.get_xlim()[1] <= 1.1 * max(100.0, min(most, 150.0)), axes.get_xlim()
    assert axes.get_xlim()[1] >= min(most, 150.0)  # past-target bars still fit
    assert problems(figure) == []
    assert blank_margin(figure) < 0.1


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize(
    "panels",
    [(NO_WINS, ALONE, ONE_ORG_LEADERS, NO_PULSE), (WINS, NETWORK, LEADERS, PULSE)],
    ids=["first day", "typical"],
)
def test_the_impact_report_counts_whole_numbers_cuts_nothing_and_covers_nothing(
    panels: tuple[Bars, Network, Bars, Trend], lang: str
) -> None:
    with i18n.language(lang):
        figure = report_figure(*panels)
        assert outside(figure) == []
        assert legend_overlaps(figure) == []
        assert overlapping_texts(figure) == []
        wins_axes, _network, leaders_axes, _pulse = figure.axes
        for axes, bars in ((wins_axes, panels[0]), (leaders_axes, panels[2])):
            if bars.labels:
                assert count_ticks(axes) == []
                shown = [t.get_text() for t in axes.get_xticklabels()]
                assert all(label in bars.labels or "…" in label for label in shown), shown


def test_an_empty_panel_says_why_instead_of_an_empty_frame() -> None:
    figure = report_figure(
        NO_WINS, ALONE, Bars([], [], ("Leaders", "New"), "Leaders", empty="No leaders yet."), NO_PULSE
    )
    words = drawn_words(figure)
    for sentence in ("No wins yet.", "Fewer than two organisations.", "No leaders yet.", "No closed pulse yet."):
        assert sentence in words
    assert not any(axes.axison for axes in figure.axes)  # no empty frames
    unlinked = Network(["A", "B"], [], "Who", unlinked="No two organisations have worked together yet.")
    assert "No two organisations have worked together yet." in drawn_words(network_figure(unlinked))


def test_alt_text_states_what_each_picture_shows() -> None:
    assert "Shifted the climate 1" in bars_alt(WINS)
    assert "2026-11" in bars_alt(WINS)
    assert bars_alt(NO_WINS) == "No wins yet."
    alt = network_alt(NETWORK)
    assert "4 organisations" in alt
    assert "3 pairs" in alt
    assert "Parents for Clean Air" in alt
    assert network_alt(ALONE) == "Fewer than two organisations."
    chart = report_chart(WINS, NETWORK, LEADERS, PULSE)
    assert "Tenants Union of the Eastern Districts" in chart.alt
    assert "4.1" in chart.alt
    with i18n.language("es"):
        assert "4 organizaciones" in network_alt(NETWORK)


@pytest.mark.parametrize("groups", [1, 4, 20])
def test_the_pledge_map_counts_whole_numbers_and_keeps_its_legend_off_the_bars(groups: int) -> None:
    bars = Bars(
        [f"Organisation number {k}" for k in range(groups)],
        [(k % 3, 1, 0, k % 2) for k in range(groups)],
        ("Offered", "Given", "Asked", "Received"),
        "Who brings what",
        ylabel="Offers, needs and hand-overs",
    )
    figure = grouped_figure(bars)
    assert problems(figure) == []
    assert overlapping_texts(figure) == []
    assert count_ticks(figure.axes[0]) == []


def pairs_of(names: int) -> list[tuple[int, int, int]]:
    """Each organisation works with one other (deterministic), each pair once."""
    pairs = {tuple(sorted((k, (k * 7 + 1) % names))): k % 5 + 1 for k in range(names) if k != (k * 7 + 1) % names}
    return [(a, b, weight) for (a, b), weight in pairs.items()]


@pytest.mark.parametrize("names", [2, 12, 40])
def test_the_network_cuts_no_name_and_no_name_covers_another(names: int) -> None:
    network = Network(
        [f"Organisation with a long name {k}" for k in range(names)], pairs_of(names), "Who worked with whom"
    )
    figure = network_figure(network)
    assert problems(figure) == []
    assert overlapping_texts(figure) == []


def test_the_gallery_draws_every_picture_with_an_index(tmp_path: Path) -> None:
    from bot.gallery import CASES, index, pictures, render_all

    assert set(pictures("typical")) == {
        "status",
        "checkin-digest",
        "burnup",
        "pledge-map",
        "relationships",
        "impact-report",
    }
    rows = render_all(tmp_path, cases=("one point",), langs=("es",))
    assert len(rows) == 6
    page = index(rows)
    for _case, lang, _name, file, alt in rows:
        assert lang == "es"
        assert (tmp_path / file).read_bytes().startswith(b"\x89PNG")
        assert f"src='{file}'" in page
        assert alt
    assert len(CASES) == 5
