"""The memory benchmark in miniature, so it cannot rot; and serve's periodic release of free memory."""

from __future__ import annotations

import asyncio

import pytest

from bench.command_memory import run
from bot import server


async def test_many_commands_in_miniature_are_all_answered_and_measured() -> None:
    result = await run(45, via="core", warmup=15, trace=True, trim_every=15)
    points = result["points"]
    assert isinstance(points, dict)
    assert set(points) == {"warm-up", "45"}
    assert all(point["rss_mib"] > 0 and point["traced_mib"] > 0 for point in points.values())
    assert result["trim_ms_max"] is not None  # serve's release of free memory ran


async def test_serve_releases_free_memory_periodically(monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[bool] = []
    thrice = asyncio.Event()
    loop = asyncio.get_running_loop()

    def release() -> bool:  # runs in a worker thread, as the real one does
        released.append(True)
        if len(released) == 3:
            loop.call_soon_threadsafe(thrice.set)
        return True

    monkeypatch.setattr(server, "release_free_memory", release)
    task = asyncio.create_task(server.release_free_memory_periodically(every=0))
    try:
        async with asyncio.timeout(10):
            await thrice.wait()
    finally:
        task.cancel()
    assert len(released) >= 3
