"""The outage benchmark in miniature, so it cannot rot: after an outage every message arrives,
once, in its channel's order; a quiet channel's post goes out while a busy channel drains."""

from __future__ import annotations

from pathlib import Path

from bench.outage import drain, quiet


async def test_small_outage_drains_everything_once_and_in_order(tmp_path: Path) -> None:
    result = await drain(4, 3, 1.0, folder=tmp_path)
    assert result.refused_during_outage > 0
    assert (result.lost, result.duplicates, result.out_of_order_channels) == (0, 0, 0)


async def test_a_quiet_post_is_sent_while_a_busy_channel_drains(tmp_path: Path) -> None:
    result = await quiet(30, folder=tmp_path)
    assert result.busy_sent_meanwhile < 30  # it did not wait for the backlog
