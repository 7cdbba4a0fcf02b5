"""The export memory benchmark in miniature, so it cannot rot: a tiny coalition's export is written,
sent through the Slack adapter's upload to the counting sink, byte for byte, and measured."""

from __future__ import annotations

from bench.export_memory import run
from tests.test_bench_history_scale import TINY


async def test_export_memory_at_a_tiny_scale() -> None:
    result = await run(TINY, None)
    assert result["history"] == 0.01
    assert result["files_mib"] > 0
    assert abs(result["sent_mib"] - result["files_mib"]) <= 0.1, "the sink received every file whole"
    assert result["export_traced_peak_mib"] > 0
    assert result["send_traced_peak_mib"] > 0
