"""The scale benchmarks in miniature, so they cannot rot: status at a small scale answers without
errors, and ``serve`` idles without matplotlib, icalendar or rapidfuzz loaded."""

from __future__ import annotations

import subprocess
import sys

from bench.status_scale import run


async def test_status_at_a_small_scale_answers() -> None:
    result = await run(500, runs=1)
    assert result["checkins"] == 500
    assert float(result["status_ms"]) > 0  # type: ignore[arg-type]
    assert float(result["status_bare_ms"]) > 0  # type: ignore[arg-type]


def test_serve_idles_without_matplotlib() -> None:
    out = subprocess.run([sys.executable, "-m", "bench.idle_memory"], capture_output=True, text=True, check=True)
    assert '"matplotlib_loaded": false' in out.stdout
    assert '"numpy_loaded": false' in out.stdout
    assert '"icalendar_loaded": false' in out.stdout  # loaded with the first .ics
    assert '"rapidfuzz_loaded": false' in out.stdout  # loaded with the first pledge ranking
