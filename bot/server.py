"""``coalition-bot serve``: one asyncio process for the web server, the platform adapters, the
scheduler and the delivery queue."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.core.delivery import Messenger
from bot.core.dispatch import Core
from bot.core.workflow import jobs_of, routes_of
from bot.delivery.dispatcher import Dispatcher
from bot.ops.backup_job import backup_jobs
from bot.ops.heap import settle_heap
from bot.scheduling.runner import Scheduler

log = logging.getLogger(__name__)

TRIM_EVERY = 60.0  # seconds between two returns of free heap memory to the system


def release_free_memory() -> bool:
    """Ask glibc to return the free memory it keeps to the system (``malloc_trim``). Charts drawn in
    worker threads and the database threads leave freed memory in per-thread arenas that glibc
    keeps mapped: without this, resident memory creeps up ~10% over 10,000 commands although the
    live heap does not grow (bench/command_memory.py). False where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


async def release_free_memory_periodically(every: float = TRIM_EVERY) -> None:
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(release_free_memory)  # a few milliseconds, off the event loop


class PlatformAdapter(Protocol):
    """What ``serve`` needs from each platform: web routes, a lifecycle, and a messenger."""

    platform: str
    messenger: Messenger

    def routes(self) -> list[BaseRoute]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Metrics:
    """Counters for ``GET /metrics`` in the Prometheus text format."""

    def __init__(self) -> None:
        self.started = time.time()
        self.counters: dict[str, float] = {}
        self.sources: list[Callable[[], dict[str, float]]] = []  # live values, read at each scrape

    def inc(self, name: str, amount: float = 1.0) -> None:
        self.counters[name] = self.counters.get(name, 0.0) + amount

    def render(self) -> str:
        lines = [f"coalition_bot_uptime_seconds {time.time() - self.started:.0f}"]
        counters = dict(self.counters)
        for source in self.sources:
            counters.update(source())
        lines += [f"coalition_bot_{name} {number(value)}" for name, value in sorted(counters.items())]
        return "\n".join(lines) + "\n"


def number(value: float) -> str:
    """Whole numbers as integers, others in full (a Unix timestamp keeps its milliseconds)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def build_app(
    core: Core,
    adapters: list[PlatformAdapter],
    metrics: Metrics,
    extra: list[BaseRoute] | None = None,
    *,
    scheduler: Scheduler | None = None,
) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        try:
            async with core.db.session() as session:
                await session.connection()
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        body: dict[str, object] = {"status": "ok", "platforms": [a.platform for a in adapters]}
        if scheduler is not None:  # several processes: which one runs the timed work
            body["scheduler"] = "leader" if scheduler.leadership.held else "follower"
        return JSONResponse(body)

    async def metrics_endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics_endpoint)]
    for adapter in adapters:
        routes.extend(adapter.routes())
    routes.extend(extra or [])
    return Starlette(routes=routes)


def dispatcher_metrics(dispatcher: Dispatcher) -> dict[str, float]:
    stats = dispatcher.stats
    return {
        "outbox_sent_total": stats.sent,
        "outbox_retried_total": stats.retried,
        "outbox_rate_limited_total": stats.rate_limited,
        "outbox_parked_total": stats.parked,
        "outbox_recovered_total": stats.recovered,
        "outbox_lease_expired_total": stats.expired,
    }


def make_adapters(core: Core, settings: Settings) -> list[PlatformAdapter]:
    adapters: list[PlatformAdapter] = []
    if settings.slack_enabled:
        from bot.adapters.slack.app import SlackAdapter
        from bot.store.slack_installations import SlackInstallations

        adapters.append(SlackAdapter(core, settings, installations=SlackInstallations(core.db)))
    if settings.discord_enabled:
        from bot.adapters.discord.app import DiscordAdapter

        adapters.append(DiscordAdapter(core, settings))
    return adapters


async def serve(core: Core, settings: Settings) -> int:
    """Everything in one process. Several of these may share one PostgreSQL database: each serves
    any web request and runs a dispatcher (rows are claimed with ``FOR UPDATE SKIP LOCKED``), and
    the scheduler's advisory lock lets exactly one of them run the timed work."""
    metrics = Metrics()
    adapters = make_adapters(core, settings)
    workflows = core.registry.workflows
    dispatcher = Dispatcher(
        core.db,
        {a.platform: a.messenger for a in adapters},
        clock=core.clock,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    scheduler = Scheduler(
        core.db,
        jobs=[*jobs_of(workflows), *backup_jobs(core.db, settings)],
        clock=core.clock,
        public_url=settings.public_url,
        after_tick=dispatcher.kick,
        leader_interval=settings.scheduler_leader_interval,
    )
    app = build_app(core, adapters, metrics, extra=routes_of(workflows, core.db, core.clock), scheduler=scheduler)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    for adapter in adapters:
        await adapter.start()
    settle_heap()  # start-up's objects live as long as the process: full collections skip them
    core.after_commit.append(dispatcher.kick)
    metrics.sources.append(lambda: dispatcher_metrics(dispatcher))
    metrics.sources.append(scheduler.metrics)
    await dispatcher.start()
    await scheduler.start()
    web = asyncio.create_task(server.serve())
    trimmer = asyncio.create_task(release_free_memory_periodically())
    log.info("serving on port %s with %s", settings.port, ", ".join(a.platform for a in adapters) or "no platforms")
    await stop.wait()
    trimmer.cancel()
    server.should_exit = True
    await scheduler.stop()
    await dispatcher.stop()
    for adapter in adapters:
        await adapter.stop()
    await web
    return 0
