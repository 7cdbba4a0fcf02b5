"""The history benchmark in miniature, so it cannot rot: every answer it measures answers without
errors on a coalition grown in every workflow (a tiny one, to keep the suite fast)."""

from __future__ import annotations

from bench.history_scale import ANSWERS, growth, run
from bench.history_seed import Size

TINY = Size(history=0.01, organisations=6, members=40, groups=3, goals=10, open_polls=2, coming=3)


async def test_every_answer_at_a_tiny_scale() -> None:
    result = await run(TINY, runs=1)
    assert result["history"] == 0.01
    for name in ANSWERS:
        assert float(result[f"{name}_ms"]) > 0, name
        assert float(result[f"{name}_stall_ms"]) >= 0, name
        assert float(result[f"{name}_stall_cpu_ms"]) >= 0, name
    assert float(result["export_traced_peak_mib"]) > 0
    assert growth({"a_ms": 2.0, "a_stall_ms": 1.0}, {"a_ms": 5.0, "a_stall_ms": 9.0}) == {"a": 2.5}
