"""``serve`` settles the heap once its platforms are connected (issue 23): full garbage collections
then skip what start-up created, which held the event loop 90–100 ms each (bench/README.md)."""

from __future__ import annotations

import asyncio
import gc
import signal
from typing import Any

import pytest
from starlette.routing import BaseRoute

from bot import server
from bot.core.clock import ManualClock
from bot.ops.heap import FULL, YOUNG, settle_heap
from bot.store.db import Database
from tests.support import make_core, settings


class Ready(Exception):
    """Raised where serve settles its heap, to stop it there."""


class Silent:
    async def post(self, *args: Any) -> None:
        raise AssertionError("nothing is delivered before serving")

    async def direct(self, *args: Any) -> None:
        raise AssertionError("nothing is delivered before serving")


class FakeAdapter:
    platform = "fake"

    def __init__(self, steps: list[str]) -> None:
        self.steps = steps
        self.messenger = Silent()

    def routes(self) -> list[BaseRoute]:
        return []

    async def start(self) -> None:
        self.steps.append("connected")

    async def stop(self) -> None:
        self.steps.append("stopped")


def test_settling_freezes_what_exists_and_spaces_collections_out() -> None:
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG
        assert gc.get_threshold()[2] == FULL
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_serve_settles_the_heap_once_its_platforms_are_connected(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []

    def settled() -> None:
        steps.append("settled")
        raise Ready

    monkeypatch.setattr(server, "make_adapters", lambda core, settings: [FakeAdapter(steps)])
    monkeypatch.setattr(server, "settle_heap", settled)
    try:
        with pytest.raises(Ready):
            await server.serve(make_core(db, ManualClock()), settings())
    finally:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    assert steps == ["connected", "settled"]
