"""Property: whatever people type, the core answers with a reply or a clear error — never a crash.

Text is drawn from every Unicode category (surrogates aside), and numbers from every kind of digit:
``²``, ``①``, ``٣`` and ``１２`` look like numbers to ``str.isdigit`` but not to ``int``, and each must be
refused with the usual private error, never answered with an apology.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
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
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))  # every category: letters, marks, digits, symbols, controls
DIGITS = st.characters(categories=("Nd", "Nl", "No"))  # ASCII and every other digit, numeral and number sign
NUMBERISH = st.one_of(
    st.text(DIGITS, min_size=1, max_size=3),
    st.lists(st.one_of(DIGITS, st.sampled_from("0123456789.,:-#/")), min_size=1, max_size=6).map("".join),
)
KEYED = st.tuples(
    st.sampled_from(["", "#", "goal=", "target=", "due=", "at=", "version=", "window=", "amount="]), NUMBERISH
).map("".join)
ARGS = st.one_of(
    st.just(""),
    st.lists(st.one_of(WORDS, KEYED), max_size=4).map(" ".join),
    st.text(ANY_CHARACTER, max_size=60),
)
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
            if "went wrong on our side" in reply.plain() or "something went wrong" in reply.plain().lower():
                crashes.append(f"/{command} {text}")
        await db.dispose()
        return crashes
    finally:
        shutil.rmtree(directory, ignore_errors=True)


ISSUE_11 = [("goal", "show ²"), ("goal", "close ³"), ("checkin", "5 goal=①"), ("checkin", "Ⅻ"), ("goal", "show ¼")]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(LINES, min_size=10, max_size=15))
@example(lines=ISSUE_11 * 2)
def test_any_command_text_gets_a_reply_never_a_crash(sqlite_template: Path, lines: list[tuple[str, str]]) -> None:
    assert asyncio.run(run_session(sqlite_template, lines)) == []


async def test_non_ascii_digits_are_refused_privately_not_apologised_for(chat: Chat) -> None:
    await chat.say("alice", '/coalition create "Digits"')
    await chat.say("alice", '/goal add "Calls" target=100')
    for line in (
        "/goal show ²",
        "/goal close ³",
        "/checkin 5 goal=①",
        "/checkin ٣",
        "/goal show １",
        "/checkin 1 goal=#²",
    ):
        reply = await chat.say("alice", line)
        assert reply.is_error, line
        assert "went wrong" not in reply.plain(), line
        assert reply.visibility.value == "private", line
    assert "is not a goal id" in (await chat.say("alice", "/goal show ²")).plain()
    assert "must be a number" in (await chat.say("alice", "/checkin ٣")).plain()
