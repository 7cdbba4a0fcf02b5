"""Date ticks for a calendar axis: whole days, weeks, months or years, labelled by Babel.

matplotlib's own locators fall back to hours or fractions of a day on short ranges (the
``04.70 04.75`` of a one-day goal); these ticks are always calendar dates inside the range.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.i18n import date_skeleton

MAX_TICKS = 7
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)


def date_ticks(first: date, last: date, *, most: int = MAX_TICKS) -> list[tuple[date, str]]:
    """Ticks from ``first`` to ``last`` (both included), at most ``most`` of them."""
    span = (last - first).days
    for step in DAY_STEPS:
        days = [first + timedelta(days=k) for k in range(0, span + 1, step)]
        if len(days) <= most:
            return [(d, date_skeleton(d, "MMMd" if first.year == last.year else "yMMMd")) for d in days]
    for step in MONTH_STEPS:
        months = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            if (month - 1) % step == 0 and date(year, month, 1) >= first:
                months.append(date(year, month, 1))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if len(months) <= most:
            skeleton = "y" if step >= 12 else "yMMM"
            return [(d, date_skeleton(d, skeleton)) for d in months]
    return [(date(y, 1, 1), date_skeleton(date(y, 1, 1), "y")) for y in range(first.year + 1, last.year + 1)][:most]
