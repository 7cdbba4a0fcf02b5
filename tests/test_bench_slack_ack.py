"""The Slack burst benchmark in miniature, so it cannot rot: every command answered, no errors."""

from __future__ import annotations

from bench.slack_ack import run


async def test_a_small_burst_of_checkins_is_answered_without_errors() -> None:
    result = await run(5, '/checkin 1 "burst"')
    assert result["answered"] == 5
    assert result["thanked"] == 5  # each check-in was recorded and confirmed
    assert result["error_answers"] == 0
