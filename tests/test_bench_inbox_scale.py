"""The inbox benchmark in miniature, so it cannot rot: the inbox answers with and without the
indexes of migration 0023, and the plans name the new indexes where they fit."""

from __future__ import annotations

from bench.inbox_scale import run


async def test_a_small_inbox_is_answered_with_and_without_the_indexes() -> None:
    result = await run(0.01, 1, None, explain=True)
    assert result["flags"] == 5
    assert result["inbox_with_indexes_ms"] > 0
    assert result["inbox_without_ms"] > 0
    assert any("ix_meeting_coalition_status" in plan for plan in result["plans_with"])
    assert not any("coalition_status" in plan or "coalition_state" in plan for plan in result["plans_without"])
