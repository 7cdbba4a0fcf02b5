"""``./dev gallery [folder]``: every picture the bot draws, for a reviewer to look at.

Each picture — the status bars (``/coalition status``), the check-in digest's bars, a goal's burn-up
(``/goal show``), the pledge resource map, the relationships network and the impact report — is
drawn at the moments a coalition goes through: empty, one point (the first day: one goal, one
check-in minutes after it was created), typical, 10,000 points and two years of history, in every
language, by the same builders and sentences the workflows use. ``index.html`` shows them side by
side with their alt text.
"""

from __future__ import annotations

import html
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.charts import Bars, Chart, Series, burnup_chart, grouped_chart, network_chart, report_chart, status_chart
from bot.commands.impact.command import WINDOW_DAYS
from bot.commands.impact.leaders import Leadership, no_organisation
from bot.commands.impact.measures import Leader, PairWork
from bot.commands.impact.relationships import Relationships
from bot.commands.impact.report import leaders_panel, pulse_panel, wins_panel
from bot.core import i18n
from bot.core.i18n import _
from bot.store.impact_models import Win
from bot.store.models import Organisation

NOW = datetime(2026, 12, 7, 10, 5, tzinfo=UTC)
CASES = ("empty", "one point", "typical", "10,000 points", "two years")
ORGS = (
    "Tenants Union of the Eastern Districts",
    "Cycling Club",
    "Food Bank",
    "Parents for Clean Air",
    "Harbour Aid",
    "River Trust",
    "Clinic Collective",
    "Lone Works",
)
GOALS = ("Calls to the council", "Petition signatures", "Doors knocked in the north", "Letters to editors")


@dataclass(frozen=True)
class History:
    """What a coalition has at one moment, as the pictures need it."""

    goals: list[Series]
    orgs: list[str]
    pairs: list[tuple[int, int, int]]
    pledges: list[tuple[int, int, int, int]]  # per organisation: offered, given, asked, received
    wins: list[tuple[date, bool]]
    leaders: dict[str, int]  # organisation → leaders
    pulses: list[float]


def series(name: str, n: int, days: int, *, target: float, due_in: int, amount: float = 1.0) -> Series:
    start = NOW - timedelta(days=days)
    points = [(start + timedelta(days=days) * (k + 0.5) / max(n, 1), amount) for k in range(n)]
    return Series(name, points, target, "calls", start=start, due=(NOW + timedelta(days=due_in)).date())


def history(case: str) -> History:
    if case == "empty":
        return History([], [], [], [], [], {}, [])
    if case == "one point":
        first = Series(
            GOALS[0],
            [(NOW - timedelta(minutes=2), 4.0)],
            100,
            "calls",
            start=NOW - timedelta(minutes=10),
            due=date(2027, 3, 1),
        )
        return History([first], list(ORGS[:1]), [], [(1, 0, 0, 0)], [(NOW.date(), False)], {no_organisation(): 1}, [])
    if case == "typical":
        goals = [
            series(GOALS[0], 30, 30, target=100, due_in=30, amount=2),
            series(GOALS[1], 12, 40, target=5000, due_in=20, amount=150),
            series(GOALS[2], 8, 60, target=400, due_in=-5, amount=30),
            series(GOALS[3], 6, 20, target=50, due_in=10, amount=10),
        ]
        pairs = [(0, 1, 3), (1, 2, 1), (0, 2, 7), (3, 4, 2), (4, 5, 4), (2, 5, 1), (0, 6, 2)]
        pledges = [(3, 2, 1, 0), (1, 1, 2, 2), (0, 0, 4, 1), (2, 0, 0, 0), (1, 1, 1, 1)]
        wins = [(NOW.date() - timedelta(days=30 * k + 3), k % 2 == 0) for k in range(6)]
        leaders = {ORGS[0]: 4, ORGS[1]: 2, ORGS[2]: 2, no_organisation(): 1}
        return History(goals, list(ORGS), pairs, pledges, wins, leaders, [3.2, 3.8, 4.1])
    if case == "10,000 points":
        goals = [series(GOALS[0], 10_000, 400, target=120, due_in=60, amount=0.01)]
        goals += [
            series(f"Goal number {k} with a long descriptive name", k, 30, target=50, due_in=30) for k in range(24)
        ]
        orgs = [f"Organisation number {k}" for k in range(60)]
        pairs = [(k, (k * 7 + 1) % 60, k % 9 + 1) for k in range(60) if k != (k * 7 + 1) % 60]
        pledges = [(k % 7, k % 3, k % 5, k % 2) for k in range(60)]
        wins = [(NOW.date() - timedelta(days=k % 360), k % 3 == 0) for k in range(10_000)]
        leaders = {org: 60 - k for k, org in enumerate(orgs)}
        return History(goals, orgs, pairs, pledges, wins, leaders, [3 + (k % 5) / 4 for k in range(40)])
    goals = [series(GOALS[k], 1460, 730, target=3000, due_in=365, amount=1 + k) for k in range(4)]
    wins = [(NOW.date() - timedelta(days=11 * k), k % 4 == 0) for k in range(66)]
    leaders = {org: k + 1 for k, org in enumerate(ORGS)}
    return History(
        goals,
        list(ORGS),
        [(0, 1, 30), (1, 2, 12), (2, 3, 5)],
        [(9, 7, 3, 2)] * 8,
        wins,
        leaders,
        [3.0, 3.4, 3.9, 4.2] * 6,
    )


def relationships(h: History) -> Relationships:
    orgs = [Organisation(id=k + 1, coalition_id=1, name=name, key=name.lower()) for k, name in enumerate(h.orgs)]
    pairs = [PairWork(a + 1, b + 1, total, recent=total // 2, before=total - total // 2) for a, b, total in h.pairs]
    linked = {i for a, b, _w in h.pairs for i in (a, b)}
    return Relationships(orgs, pairs, [name for k, name in enumerate(h.orgs) if k not in linked])


def leadership(h: History) -> Leadership:
    by_org = {
        org: [(f"Member {k}", Leader(k, Counter(goal=1), NOW - timedelta(days=30 * k))) for k in range(count)]
        for org, count in h.leaders.items()
    }
    return Leadership(
        by_org,
        sum(1 for people in by_org.values() for _n, x in people if x.is_new(NOW, WINDOW_DAYS)),
        sum(h.leaders.values()),
    )


def pictures(case: str) -> dict[str, Callable[[], Chart]]:
    h = history(case)
    r = relationships(h)
    wins = [Win(coalition_id=1, text="A win", won_on=day, climate=climate) for day, climate in h.wins]
    trend = [
        (i18n.date((NOW - timedelta(days=30 * (len(h.pulses) - k))).date(), format="short"), mean)
        for k, mean in enumerate(h.pulses)
    ]
    pledge_bars = Bars(
        h.orgs[: len(h.pledges)],
        h.pledges,
        [_("Offered"), _("Given"), _("Asked"), _("Received")],
        _("Who brings what"),
        empty=_('Nothing offered or asked yet. Start with `/pledge offer "…"` or `/pledge need "…"`.'),
        ylabel=_("Offers, needs and hand-overs"),
    )
    burnup = h.goals[0] if h.goals else series(GOALS[0], 0, 0, target=100, due_in=90)
    return {
        "status": lambda: status_chart(h.goals, now=NOW),
        "checkin-digest": lambda: status_chart(h.goals[:10], tz="Europe/Madrid", now=NOW),
        "burnup": lambda: burnup_chart(burnup, tz="Europe/Madrid", now=NOW),
        "pledge-map": lambda: grouped_chart(pledge_bars),
        "relationships": lambda: network_chart(r.network(_("Who worked with whom"))),
        "impact-report": lambda: report_chart(
            wins_panel(per_day(wins), NOW.date()),
            r.network(_("Who worked with whom")),
            leaders_panel(leadership(h), NOW),
            pulse_panel(trend),
        ),
    }


def per_day(wins: Sequence[Win]) -> list[tuple[date, int, int]]:
    """Wins and climate shifts per day, as the report sums them in SQL."""
    days: dict[date, list[int]] = {}
    for win in wins:
        day = days.setdefault(win.won_on, [0, 0])
        day[0] += 1
        day[1] += int(win.climate)
    return [(day, n, shifted) for day, (n, shifted) in sorted(days.items())]


def render_all(
    folder: Path, cases: tuple[str, ...] = CASES, langs: tuple[str, ...] = i18n.LANGUAGES
) -> list[tuple[str, str, str, str, str]]:
    """Every picture in every case and language into ``folder``; rows of (case, lang, name, file, alt)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for case in cases:
        for lang in langs:
            with i18n.language(lang):
                for name, draw in pictures(case).items():
                    chart = draw()
                    file = f"{name}-{case.replace(',', '').replace(' ', '-')}-{lang}.png"
                    (folder / file).write_bytes(chart.png)
                    rows.append((case, lang, name, file, chart.alt))
    return rows


def index(rows: list[tuple[str, str, str, str, str]]) -> str:
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Coalition Bot pictures</title>",
        "<style>body{font-family:sans-serif;margin:1em}figure{display:inline-block;width:420px;margin:.5em;"
        "vertical-align:top}img{width:100%;border:1px solid #ccc}figcaption{font-size:12px}</style>",
        "<h1>Every picture the bot draws</h1>",
    ]
    for case in dict.fromkeys(r[0] for r in rows):
        parts.append(f"<h2>{html.escape(case)}</h2>")
        for name in dict.fromkeys(r[2] for r in rows):
            parts.append(f"<h3>{html.escape(name)}</h3>")
            for _case, lang, _name, file, alt in (r for r in rows if r[0] == case and r[2] == name):
                parts.append(
                    f"<figure><a href='{html.escape(file)}'><img src='{html.escape(file)}' alt='{html.escape(alt)}'></a>"
                    f"<figcaption><b>{lang}</b> · {html.escape(alt)}</figcaption></figure>"
                )
    return "\n".join(parts) + "\n</html>\n"


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "gallery")
    rows = render_all(folder)
    (folder / "index.html").write_text(index(rows), encoding="utf-8")
    print(f"{len(rows)} pictures in {folder}/ — open {folder / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
