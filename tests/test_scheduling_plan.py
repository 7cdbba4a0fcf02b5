"""When schedules fire: pure functions of time, across the 2026 DST changes in New York and Berlin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.scheduling.plan import default_window, grace, latest_fire, next_fire, validate_cron


def fires(cron: str, tz: str, start: datetime, n: int) -> list[str]:
    out, at = [], start
    for _ in range(n):
        nxt = next_fire(cron, tz, at)
        assert nxt is not None
        out.append(nxt.strftime("%m-%d %H:%M"))
        at = nxt
    return out


def test_weekly_and_daily_prompts_keep_local_time_across_dst() -> None:
    # New York: EST (-5) until 2026-03-08, EDT (-4) until 2026-11-01.
    assert fires("0 9 * * mon", "America/New_York", datetime(2026, 3, 1, tzinfo=UTC), 2) == [
        "03-02 14:00",
        "03-09 13:00",
    ]
    assert fires("0 9 * * sun", "America/New_York", datetime(2026, 10, 20, tzinfo=UTC), 2) == [
        "10-25 13:00",
        "11-01 14:00",
    ]
    assert fires("0 9 * * *", "America/New_York", datetime(2026, 10, 30, 20, tzinfo=UTC), 4) == [
        "10-31 13:00",
        "11-01 14:00",
        "11-02 14:00",
        "11-03 14:00",
    ]
    # Berlin: CET (+1) until 2026-03-29, CEST (+2) until 2026-10-25.
    assert fires("0 9 * * mon", "Europe/Berlin", datetime(2026, 3, 20, tzinfo=UTC), 2) == ["03-23 08:00", "03-30 07:00"]
    assert fires("0 9 * * *", "Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), 2) == [
        "03-29 07:00",
        "03-30 07:00",
    ]
    assert fires("0 9 * * *", "Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC), 2) == [
        "10-25 08:00",
        "10-26 08:00",
    ]


def test_nonexistent_and_repeated_wall_times_fire_once_and_never_backwards() -> None:
    # 02:30 does not exist in New York on 2026-03-08: it fires at 03:30 EDT (07:30 UTC).
    assert fires("30 2 * * *", "America/New_York", datetime(2026, 3, 7, 12, tzinfo=UTC), 2) == [
        "03-08 07:30",
        "03-09 06:30",
    ]
    # 01:30 happens twice on 2026-11-01: it fires at the first, only.
    assert fires("30 1 * * *", "America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC), 2) == [
        "11-01 05:30",
        "11-02 06:30",
    ]
    # Every 30 minutes through the repeated hour: strictly increasing, the repeated hour skipped.
    assert fires("*/30 * * * *", "America/New_York", datetime(2026, 11, 1, 4, 50, tzinfo=UTC), 4) == [
        "11-01 05:00",
        "11-01 05:30",
        "11-01 07:00",
        "11-01 07:30",
    ]
    # Berlin's missing 02:00-03:00 on 2026-03-29 and repeated 02:00-03:00 on 2026-10-25.
    assert fires("15 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), 2) == [
        "03-29 01:15",
        "03-30 00:15",
    ]
    assert fires("15 2 * * *", "Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC), 2) == [
        "10-25 00:15",
        "10-26 01:15",
    ]


def test_every_minute_cron() -> None:
    assert fires("* * * * *", "UTC", datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC), 3) == [
        "11-23 09:01",
        "11-23 09:02",
        "11-23 09:03",
    ]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0 9 * * 1", "0 9 * * mon"),  # crontab: 1 is Monday (APScheduler 3 alone would say Tuesday)
        ("0 9 * * 0", "0 9 * * sun"),
        ("0 9 * * 7", "0 9 * * sun"),
        ("0 9 * * 1-5", "0 9 * * mon,tue,wed,thu,fri"),
        ("0 9 * * MON-FRI", "0 9 * * mon,tue,wed,thu,fri"),
        ("0 9 * * 5-7", "0 9 * * fri,sat,sun"),
        ("0 9 * * */2", "0 9 * * tue,thu,sat,sun"),
        ("0 9 * * 0-6", "0 9 * * *"),
        ("*/5  *  * * *", "*/5 * * * *"),
    ],
)
def test_cron_weekdays_follow_crontab(typed: str, stored: str) -> None:
    assert validate_cron(typed) == stored


def test_weekday_one_fires_on_monday() -> None:
    monday = next_fire(validate_cron("0 9 * * 1"), "UTC", datetime(2026, 11, 22, tzinfo=UTC))  # a Sunday
    assert monday == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_day_of_month_and_weekday_together_match_either_as_in_crontab() -> None:
    # The 1st of the month and every Monday, in Berlin (a CET winter); 1 Dec 2026 is a Tuesday.
    cron = validate_cron("0 9 1 * 1")
    start = datetime(2026, 11, 24, tzinfo=UTC)
    assert fires(cron, "Europe/Berlin", start, 4) == ["11-30 08:00", "12-01 08:00", "12-07 08:00", "12-14 08:00"]
    # A step on either day field still counts as unrestricted, as in crontab: weekdays only.
    assert fires(validate_cron("0 9 */1 * 1-5"), "UTC", datetime(2026, 11, 27, 12, tzinfo=UTC), 2) == [
        "11-30 09:00",
        "12-01 09:00",
    ]


@pytest.mark.parametrize("expr", ["0 9 * *", "61 * * * *", "0 9 * * 8", "0 9 * * 5-1", "0 9 * * funday", "a b c d e"])
def test_bad_cron_is_refused(expr: str) -> None:
    with pytest.raises(ValueError):
        validate_cron(expr)


def test_default_window_and_grace() -> None:
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert default_window("0 9 * * *", "Europe/Berlin", monday) == timedelta(hours=24)
    assert default_window("0 9 * * mon", "Europe/Berlin", monday) == timedelta(hours=24)  # capped
    assert default_window("*/10 * * * *", "UTC", monday) == timedelta(minutes=10)
    # The day before New York falls back is 25 hours long; the window still ends at 24 h.
    assert default_window("0 9 * * *", "America/New_York", datetime(2026, 10, 31, 13, tzinfo=UTC)) == timedelta(
        hours=24
    )
    assert grace(timedelta(hours=24)) == timedelta(hours=1)
    assert grace(timedelta(hours=2)) == timedelta(minutes=12)
    assert grace(timedelta(minutes=1)) == timedelta(minutes=2)


def test_latest_missed_fire_time_is_found_without_stepping_through_each() -> None:
    first = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    now = datetime(2026, 11, 23, 12, 34, 56, tzinfo=UTC)
    assert latest_fire("* * * * *", "UTC", first, now) == datetime(2026, 11, 23, 12, 34, tzinfo=UTC)
    assert latest_fire("0 9 * * *", "Europe/Berlin", first, now) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert latest_fire("0 9 * * mon", "Europe/Berlin", first, now) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert latest_fire("0 9 1 1 *", "UTC", datetime(2020, 1, 1, 9, tzinfo=UTC), now) == datetime(
        2026, 1, 1, 9, tzinfo=UTC
    )
    assert latest_fire("0 9 * * *", "UTC", datetime(2026, 11, 23, 9, tzinfo=UTC), now) == datetime(
        2026, 11, 23, 9, tzinfo=UTC
    )
