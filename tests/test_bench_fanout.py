"""The fan-out benchmark in miniature, so it cannot rot: every message delivered, none twice."""

from __future__ import annotations

from pathlib import Path

from bench.fanout import run


async def test_small_fanout_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    result = await run(
        40, per_channel_rate=100.0, overall_rate=400.0, failure_rate=0.2, seed=3, trace=False, folder=tmp_path
    )
    assert result.lost == 0
    assert result.duplicates == 0
    assert result.server_errors > 0  # the injected 500s happened and were retried
    assert result.requests == 40 + result.server_errors + result.throttled
