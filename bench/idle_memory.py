"""Idle memory of ``serve``: the core, the Slack and Discord adapters and the web app built as ``serve``
builds them (no network, so nothing connects), then the process's peak resident memory.

    .venv/bin/python -m bench.idle_memory
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import tempfile
from pathlib import Path


async def run() -> dict[str, object]:
    from bot.commands import build_registry
    from bot.config import Settings
    from bot.core.dispatch import Core
    from bot.server import Metrics, build_app, make_adapters
    from bot.store.db import Database
    from bot.store.migrate import upgrade

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-idle-')) / 'idle.db'}"
    db = Database.from_url(url)
    await upgrade(db)
    settings = Settings(  # type: ignore[call-arg]
        DATABASE_URL=url,
        SLACK_BOT_TOKEN="xoxb-idle",
        SLACK_SIGNING_SECRET="idle",
        DISCORD_TOKEN="idle",
        PUBLIC_URL="http://bot.test",
    )
    core = Core(db, build_registry(), settings)
    adapters = make_adapters(core, settings)
    build_app(core, adapters, Metrics())
    gc.collect()
    await db.dispose()
    return {
        "adapters": [type(a).__name__ for a in adapters],
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "matplotlib_loaded": "matplotlib" in sys.modules,
        "numpy_loaded": "numpy" in sys.modules,
        "icalendar_loaded": "icalendar" in sys.modules,
        "rapidfuzz_loaded": "rapidfuzz" in sys.modules,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run())))
