"""CPU-heavy work (charts) in a worker process, so it never holds the event loop.

A thread is not enough: it shares the interpreter lock, and matplotlib's renderer and networkx's
layout keep it for hundreds of milliseconds at a time on a loaded machine, during which no other
command is acknowledged (issue 23 measured 0.3–0.7 s stalls with ``asyncio.to_thread``). One worker
process, started with the first chart (``spawn``: nothing of the bot's threads or sockets is
inherited; it imports the main module again, which is why ``bot/__main__.py`` runs the CLI only
under ``if __name__ == "__main__"``), renders them one after another; the function and its
arguments must pickle (module-level functions, plain data)."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


async def in_worker(build: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``build(*args, **kwargs)`` in the worker process; a worker that died is replaced once."""
    global _pool
    call = functools.partial(build, *args, **kwargs)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_executor(), call)
    except BrokenProcessPool:
        _pool = None
        return await loop.run_in_executor(_executor(), call)
