"""README "Run it on a server", followed without docker on the PostgreSQL CI already runs: the
commands of its plain-Python block (after install and setup) migrate the database and start a bot
that answers ``GET /healthz``."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.slack_api import free_socket
from tests.support import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
STARTUP_LIMIT = 60.0  # turns a hang into a failure; not a speed measure


def server_commands() -> list[list[str]]:
    """The ``coalition-bot`` lines of the section's plain-Python block, comments dropped, setup
    left out (it is interactive; tests/test_ops_setup.py follows it)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Run it on a server", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    plain = next(b for b in blocks if "pip install ." in b)
    lines = [line.split("#", 1)[0].split() for line in plain.splitlines()]
    return [words for words in lines if words and words[0] == "coalition-bot" and words[1] != "setup"]


def executable() -> str:
    return shutil.which("coalition-bot") or str(Path(sys.executable).parent / "coalition-bot")


def test_the_section_is_migrate_then_serve() -> None:
    assert server_commands() == [["coalition-bot", "migrate"], ["coalition-bot", "serve"]]


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set TEST_POSTGRES_URL)")
async def test_following_the_section_gives_a_bot_answering_healthz(tmp_path: Path) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT)),
        "DATABASE_URL": POSTGRES_URL,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    migrate, serve = server_commands()
    done = await asyncio.create_subprocess_exec(
        executable(), *migrate[1:], env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
    )
    out, _err = await asyncio.wait_for(done.communicate(), STARTUP_LIMIT)
    assert done.returncode == 0, out
    assert "up to date" in out.decode()
    bot = await asyncio.create_subprocess_exec(
        executable(), *serve[1:], env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert bot.stderr is not None
        async with asyncio.timeout(STARTUP_LIMIT):
            while b"serving on port" not in (line := await bot.stderr.readline()):
                assert line, "serve exited before serving"
        # "serving" is logged as uvicorn starts: a refused first connection is retried by the transport.
        async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=8)) as client:
            response = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), STARTUP_LIMIT)
    assert bot.returncode == 0
