"""The console as a newcomer uses it: a real subprocess fed a script on standard input."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.console.app import TICK, Console, keep_time
from bot.store.db import Database
from tests.support import make_core

DEMO = '/coalition create "Clean Air"\n/goal add "Calls" target=1000 unit=calls\n/checkin 40\n/coalition status\n'


def run_console(
    tmp_path: Path, script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'console.db'}"
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


def test_scripted_demo_prints_progress(tmp_path: Path) -> None:
    result = run_console(tmp_path, DEMO, "--as", "alice")
    assert result.returncode == 0, result.stderr
    assert "40 / 1,000 calls (4%)" in result.stdout
    assert "Clean Air is created" in result.stdout
    assert result.stderr == ""


def test_switching_users_buttons_and_forms(tmp_path: Path) -> None:
    script = (
        DEMO
        + ":as bob\n"
        + "/checkin\n1\n60\ncalled the council\n\n"
        + "/goal show 1\n"
        + "/coalition forget-me\n1\n"
        + ":as alice\n/coalition members\n"
    )
    result = run_console(tmp_path, script, "--as", "alice")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "You are now bob." in out
    assert "100 / 1,000 calls (10%)" in out
    assert "called the council" in out
    assert "your personal data is erased" in out
    assert out.rstrip().endswith("(only you can see this)")
    members_part = out.rsplit("/coalition members", 1)[1]
    assert "alice — steering" in members_part
    assert "bob" not in members_part


def test_bad_input_gets_an_error_and_the_console_goes_on(tmp_path: Path) -> None:
    result = run_console(tmp_path, DEMO + '/goal add "x" target=abc\n/goal nope\nhello\n/checkin 1\n', "--as", "alice")
    assert result.returncode == 0
    assert "target must be a number" in result.stdout
    assert "has no subcommand nope" in result.stdout
    assert "Commands start with /" in result.stdout
    assert "41 / 1,000 calls (4%)" in result.stdout


def test_wrong_setting_fails_fast_naming_the_variable(tmp_path: Path) -> None:
    result = run_console(tmp_path, "", env={"PORT": "ninety"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PORT" in result.stderr
    result = run_console(tmp_path, "", env={"DATABASE_URL": "mysql://x"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    result = run_console(tmp_path, "", env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr


async def test_newcomer_is_greeted_with_what_to_type(sqlite_db: Database) -> None:
    out = io.StringIO()
    console = Console(make_core(sqlite_db), user="alice", out=out)
    await console.greet()
    assert '/coalition create "Clean Air Alliance"' in out.getvalue()
    assert "/goal add" in out.getvalue()
    await console.handle('/coalition create "Clean Air"')
    out.truncate(0)
    await console.greet()
    assert "/coalition create" not in out.getvalue()


async def test_at_a_terminal_due_work_runs_while_waiting_for_input(sqlite_db: Database) -> None:
    out = io.StringIO()
    console = Console(make_core(sqlite_db), user="alice", out=out)
    runs: list[int] = []

    async def due_work() -> None:  # what the scheduler and the outbox would do
        runs.append(len(runs) + 1)
        if len(runs) == 2:
            console.say("── posted in #general (message 1) ──")
        if len(runs) == 3:
            raise RuntimeError("database is locked")

    console.after = due_work
    ticks: list[float] = []

    async def clock(seconds: float) -> None:  # a virtual half-minute per tick; stop after four
        ticks.append(seconds)
        if len(ticks) > 4:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await keep_time(console, clock)
    assert runs == [1, 2, 3, 4]  # a failing run does not stop the clock
    assert set(ticks) == {TICK}
    shown = out.getvalue()
    assert "── posted in #general (message 1) ──\nalice@#general> " in shown  # the prompt comes back
    assert "(could not run scheduled work: database is locked)" in shown
    assert shown.count("alice@#general> ") == 2


def test_unity_statement_from_draft_to_new_version(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    script = "\n".join(
        [
            '/coalition create "Clean Air"',
            '/coalition join org="Acme"',
            ":as bob",
            '/coalition join org="River Trust"',
            ":as carol",
            '/coalition join org="Harbour"',
            ":as dave",
            '/coalition join org="Acme"',
            ":as alice",
            '/unity draft "We want clean air."',
            ":as bob",
            '/unity comment "Say schools too"',
            ":as alice",
            "/unity comments",
            '/unity draft "We want clean air, for schools too. <!channel> @everyone"',
            f"/unity publish deadline={tomorrow}",
            # Alice signs with the button on the posted statement: org (a number off the list is
            # asked again; a name works too), new org, name, title, confirmation (yes or no).
            "1",
            "9",
            "acme",
            "",
            "",
            "Director",
            "maybe",
            "y",
            # Bob signs with the command; his organisation is preselected.
            ":as bob",
            "/unity sign title=Chair",
            "",
            "",
            "Bob Ray",
            "",
            "y",
            # Dave's organisation has signed already: he is told who, and cancels.
            ":as dave",
            "/unity sign",
            "",
            "",
            "",
            "CEO",
            "y",
            ".",
            ":as bob",
            "/unity withdraw",
            ":as alice",
            "/unity signatories",
            '/unity draft "We want clean air for everyone."',
            "/unity publish",
        ]
    )
    result = run_console(tmp_path, script + "\n", "--as", "alice")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Say schools too" in out
    assert "Type the number of a choice (1–4), or '.' to cancel." in out
    assert "Answer yes or no, or '.' to cancel." in out
    assert "── posted in #general (message 1) ──" in out
    assert "CLEAN AIR: UNITY STATEMENT (V2)" in out
    assert "<!channel> @everyone" in out  # shown as typed, as text
    assert "── private message to carol ──" in out  # the deadline is within 48 hours: a reminder
    assert "has not signed v2" in out
    assert "Signed by 1 organisation: Acme." in out
    assert "Signed by 2 organisations: Acme, River Trust." in out
    assert "Acme already signed" in out
    assert "by alice (Director)" in out
    assert "Withdrew River Trust" in out
    assert "── message 1 in #general updated ──" in out
    assert "Superseded by v3" in out
    assert "needs a new signature" in out  # Alice signed v2; v3 asks her again
    assert out.count("CLEAN AIR: UNITY STATEMENT (V3)") == 1


def test_lang_sets_the_console_persons_language_and_lang_switches_it(tmp_path: Path) -> None:
    from bot.core.i18n import pseudo

    script = "/goal help\n/goal show ²\n:lang en\n/goal help\n"
    result = run_console(tmp_path, script, "--as", "alice", "--lang", "qps")
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.split(":lang en", 1)
    for sentence in ("Arguments: ", "(only you can see this)", " is not a goal id: ids are numbers like "):
        assert sentence not in before, sentence
        assert pseudo(sentence) in before, sentence
    assert "went wrong" not in before
    assert pseudo("went wrong") not in before
    assert "Your language is now en." in after
    assert "Arguments: " in after
    refused = run_console(tmp_path, "", "--lang", "tlh")
    assert refused.returncode == 2
    assert "unknown language" in refused.stderr


async def test_the_console_locale_is_remembered_on_the_member(sqlite_db: Database) -> None:
    from sqlmodel import select

    from bot.store.models import Member

    console = Console(make_core(sqlite_db), user="alice", out=io.StringIO(), locale="fr")
    await console.handle('/coalition create "Air Pur"')
    async with sqlite_db.session() as session:
        [member] = (await session.exec(select(Member))).all()
    assert member.locale == "fr"


def test_readme_spanish_session_shows_numbers_as_babel_formats_them(tmp_path: Path) -> None:
    """The README's console session in Spanish, run as written there."""
    import re
    import shlex

    from babel.numbers import format_decimal, format_percent

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    line = next(line for line in readme.splitlines() if "--lang es" in line and line.startswith("printf"))
    script_part, _, command = line.partition(" | ")
    script = shlex.split(script_part)[1].encode().decode("unicode_escape")
    args = shlex.split(command)[shlex.split(command).index("console") + 1 :]
    result = run_console(tmp_path, script, *args, env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert result.returncode == 0, result.stderr
    expected = f"{format_decimal(12000, locale='es')} / {format_decimal(50000, locale='es')} llamadas ({format_percent(0.24, locale='es')})"
    assert expected == "12.000 / 50.000 llamadas (24\xa0%)"
    assert expected in result.stdout, result.stdout
    assert re.search(r"\bcreated\b|\bLogged\b", result.stdout) is None  # the sentences are Spanish too
