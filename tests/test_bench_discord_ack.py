"""The Discord deferral benchmark in miniature, so it cannot rot: a small burst of check-ins over
the fake gateway, each deferred once and answered, with and without writing them down."""

from __future__ import annotations

import pytest

from bench.discord_ack import run


@pytest.mark.parametrize("intake", [True, False])
async def test_a_small_burst_is_deferred_and_answered(intake: bool) -> None:
    result = await run(5, intake)
    assert result["deferred"] == 5
    assert result["logged"] == 5  # each check-in was recorded and confirmed
    assert (result["acked_before_written"] is None) is not intake
