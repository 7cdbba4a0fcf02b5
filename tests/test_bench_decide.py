"""The decisions benchmark in miniature, so it cannot rot: at a small scale every measured command
answers without errors and a ballot queues one in-place update per linked channel."""

from __future__ import annotations

from bench.decide_scale import CHANNELS, run


async def test_decisions_at_a_small_scale_answer() -> None:
    small, larger = await run((2, 20), runs=1)
    assert small["ballots"] == 200
    result = larger
    assert result["ballots"] == 2000
    assert float(result["show_open_ms"]) > 0  # type: ignore[arg-type]
    assert float(result["log_ms"]) > 0  # type: ignore[arg-type]
    assert result["updates_queued"] == CHANNELS
