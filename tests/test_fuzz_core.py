"""Property: whatever people type, the core answers with a reply or a clear error — never a crash."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.store.db import Database
from tests.support import Chat, make_core

WORDS = st.sampled_from(
    [
        "create",
        "join",
        "org",
        "add",
        "orgs",
        "members",
        "role",
        "group",
        "groups",
        "link",
        "unlink",
        "status",
        "export",
        "list",
        "show",
        "close",
        "log",
        "help",
        "@bob",
        "steering",
        "target=5",
        "goal=1",
        "due=2026-12-01",
        "tz=Europe/Berlin",
        "unit=calls",
        '"Clean Air"',
        "1",
        "-3",
        "x=y",
        '"',
        "“quoted”",
        "<!channel>",
        "\\",
    ]
)
REGISTRY = build_registry()
SUBCOMMANDS = [(c.name, " ".join(path)) for c in REGISTRY for path in c.subcommands]
ARGS = st.one_of(st.just(""), st.lists(WORDS, max_size=4).map(" ".join), st.text(max_size=60))
LINES = st.one_of(
    st.tuples(st.sampled_from(SUBCOMMANDS), ARGS).map(lambda t: (t[0][0], f"{t[0][1]} {t[1]}")),
    st.tuples(st.sampled_from([c.name for c in REGISTRY]), ARGS),
)


async def run_session(template: Path, lines: list[tuple[str, str]]) -> list[str]:
    directory = Path(tempfile.mkdtemp())
    try:
        shutil.copyfile(template, directory / "fuzz.db")
        db = Database.from_url(f"sqlite:///{directory / 'fuzz.db'}")
        chat = Chat(make_core(db))
        await chat.say("alice", '/coalition create "Fuzz"')
        await chat.say("alice", '/goal add "Calls" target=100')
        crashes = []
        for who, (command, text) in zip(["alice", "bob"] * len(lines), lines, strict=False):
            reply = await chat.say(who, f"/{command} {text}")
            if "went wrong on our side" in reply.plain():
                crashes.append(f"/{command} {text}")
        await db.dispose()
        return crashes
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(LINES, min_size=10, max_size=15))
def test_any_command_text_gets_a_reply_never_a_crash(sqlite_template: Path, lines: list[tuple[str, str]]) -> None:
    assert asyncio.run(run_session(sqlite_template, lines)) == []
