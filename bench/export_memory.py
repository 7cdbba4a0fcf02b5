"""Export's memory against a coalition's history (issue 23 item 4): does ``/coalition export`` need
more memory when the coalition has ten times the history?

    .venv/bin/python -m bench.export_memory                       # 1/10 and full, SQLite
    .venv/bin/python -m bench.export_memory --history 0.1 1 2
    .venv/bin/python -m bench.export_memory --database-url postgresql://…/coalition_bench   # emptied!

Each size runs in a process of its own: the coalition of :mod:`bench.history_scale` (100
organisations, 1,000 members; 100,000 check-ins with their audit entries, 10,000 pledge items,
1,000 meetings, 500 flags, 2,500 wins at full size) seeded by :mod:`bench.history_seed`; one
warm-up export; then ``/coalition export`` through the real core (``Core.run_command``), and its
files sent with the Slack adapter's own upload (:func:`bot.adapters.slack.files.upload`, the real
slack-sdk client) to a loopback sink that counts the bytes and keeps none. Measured:

- the peak Python allocation (tracemalloc) of the export, and of sending its files, each alone;
- the process's peak resident memory above what it held before (``VmHWM`` after resetting it with
  ``/proc/self/clear_refs``, minus ``VmRSS`` before), for the export and the sending together, in
  a run without tracemalloc;
- the files' sizes and the time the export took.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bench.history_seed import NOW, Size, seed
from bot.adapters.slack.files import upload
from bot.core.clock import ManualClock
from bot.core.ui import Reply, discard_files
from bot.server import release_free_memory
from bot.store import tables  # noqa: F401
from bot.store.db import Database
from tests.support import Chat, bench_database, make_core


class Sink:
    """Just enough of Slack's Web API for an upload: URLs to send to, bytes counted, none kept."""

    def __init__(self) -> None:
        self.received: dict[str, int] = {}
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 34)
        app.router.add_post("/api/files.getUploadURLExternal", self.slot)
        app.router.add_post("/api/files.completeUploadExternal", self.complete)
        app.router.add_post("/upload/{file}", self.take)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def slot(self, request: web.Request) -> web.Response:
        name = f"F{len(self.received) + 1}"
        self.received[name] = 0
        return web.json_response({"ok": True, "file_id": name, "upload_url": f"{self.url}/upload/{name}"})

    async def complete(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "files": []})

    async def take(self, request: web.Request) -> web.Response:
        name = request.match_info["file"]
        async for chunk in request.content.iter_chunked(1 << 16):
            self.received[name] += len(chunk)
        return web.Response(text="OK")


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def traced(work: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    gc.collect()
    tracemalloc.start()
    try:
        result = await work()
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def run(size: Size, database_url: str | None) -> dict[str, Any]:
    async with bench_database(database_url, "bench-export-") as db:
        return await measure(db, size)


async def measure(db: Database, size: Size) -> dict[str, Any]:
    clock = ManualClock()
    clock.set(NOW)
    chat = Chat(make_core(db, clock))
    sink = Sink()
    await sink.start()
    client = AsyncWebClient(token="xoxb-bench", base_url=sink.url + "/api/")
    try:
        assert not (await chat.say("lead", '/coalition create "Bench"')).is_error
        async with db.session() as session:
            coalition_id = int((await session.exec(text("SELECT id FROM coalition"))).scalar_one())  # type: ignore[call-overload]
        await seed(db, coalition_id, size, random.Random(23))

        async def export() -> Reply:
            reply = await chat.say("lead", "/coalition export")
            chat.transcript.clear()
            assert not reply.is_error, reply.plain()
            return reply

        async def send(reply: Reply) -> None:
            await upload(client, "C1", reply.attachments)

        reply = await export()  # warm-up
        await send(reply)
        sizes = {a.filename: a.size for a in reply.attachments}
        discard_files(reply)
        del reply

        gc.collect()
        release_free_memory()
        before_kib = status_kib("VmRSS")
        rss_peak_known = reset_peak_rss()
        started = time.perf_counter()
        reply = await export()
        export_s = time.perf_counter() - started
        await send(reply)
        rss_peak_kib = status_kib("VmHWM") - before_kib if rss_peak_known else None
        discard_files(reply)
        del reply

        reply, export_peak = await traced(export)
        _, send_peak = await traced(lambda: send(reply))
        received = sum(sink.received.values()) / 3  # three exports were sent
        discard_files(reply)
        return {
            "database": db.engine.dialect.name,
            "history": size.history,
            "files_mib": round(sum(sizes.values()) / 2**20, 1),
            "largest_file_mib": round(max(sizes.values()) / 2**20, 1),
            "sent_mib": round(received / 2**20, 1),
            "export_s": round(export_s, 2),
            "export_traced_peak_mib": round(export_peak, 1),
            "send_traced_peak_mib": round(send_peak, 1),
            "rss_before_mib": round(before_kib / 1024, 1),
            "rss_peak_above_before_mib": round(rss_peak_kib / 1024, 1) if rss_peak_kib is not None else None,
        }
    finally:
        await sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a fresh SQLite file (emptied!)")
    args = parser.parse_args()
    if len(args.history) == 1:
        print(json.dumps(asyncio.run(run(Size(history=args.history[0]), args.database_url))), flush=True)
        return
    for history in args.history:  # each size in a fresh process, so one's memory is not the other's
        command = [sys.executable, "-m", "bench.export_memory", "--history", str(history)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
