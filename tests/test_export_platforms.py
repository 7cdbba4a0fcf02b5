"""Issue 23 item 4 on the platforms: an export's files go from disk through the real slack-sdk and
discord.py code to the loopback fakes, which receive the very bytes of the export; a long export
first says how far it has got (privately), then sends its files; nothing stays on disk after."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.app import DiscordAdapter
from bot.adapters.slack.app import SlackAdapter
from bot.commands import WORKFLOWS, build_registry
from bot.core.clock import ManualClock
from bot.core.context import Ctx
from bot.core.workflow import Export, Workflow
from bot.store.db import Database
from tests.fakes.apps import bot_database, slack_bot, started
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_api import FakeSlack, Running, SlackSide, block_text, number
from tests.test_console import DEMO, run_console
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import adapter_for, connect, visible
from tests.test_slack_adapter import SECRET, person
from tests.test_slack_adapter import Chat as SlackChat


class SlowPages:
    """A table whose pages each take two seconds on the core's clock (no sleeping)."""

    def __init__(self, clock: ManualClock, pages: int) -> None:
        self.clock, self.pages = clock, pages

    async def batches(self) -> AsyncIterator[Sequence[Mapping[str, Any]]]:
        for page in range(self.pages):
            self.clock.advance(timedelta(seconds=2))
            yield [{"page": page}]


async def slow_export(ctx: Ctx) -> Export:
    """Slow for a coalition whose name starts with "Slow"; nothing for the others."""
    if not ctx.c.name.startswith("Slow"):
        return Export()
    assert isinstance(ctx.clock, ManualClock)
    return Export(tables={"slow": SlowPages(ctx.clock, 4)})


REGISTRY = build_registry([*WORKFLOWS, Workflow(name="slow", export=slow_export)])


@pytest.fixture(autouse=True)
def scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / "coalition-bot-exports"


def left_behind(scratch: Path) -> list[Path]:
    return list(scratch.iterdir()) if scratch.exists() else []


# Slack -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def slack_fake() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as server:
        yield server


@pytest.fixture(scope="module")
async def slack_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with bot_database(sqlite_template, tmp_path_factory.mktemp("slack-export")) as db:
        yield db


@pytest.fixture(scope="module")
async def slack(slack_fake: FakeSlack, slack_db: Database) -> AsyncIterator[tuple[SlackAdapter, Running]]:
    async with slack_bot(slack_fake, slack_db, REGISTRY, SECRET) as served:
        yield served


@pytest.fixture
async def slack_chat(slack_fake: FakeSlack, slack: tuple[SlackAdapter, Running]) -> AsyncIterator[SlackChat]:
    adapter, running = slack
    side = SlackSide(slack_fake, running.url, SECRET)
    yield SlackChat(slack_fake, side, adapter, f"C{number():06d}")
    await side.aclose()


async def test_slack_receives_the_exports_bytes_streamed_from_disk(slack_chat: SlackChat, scratch: Path) -> None:
    fake = slack_chat.fake
    alice = person(fake, "Alice")
    await slack_chat.say(alice, '/coalition create "Clean Air"')
    await slack_chat.say(alice, '/goal add "Calls" target=1000 unit=calls')
    await slack_chat.say(alice, '/checkin 40 "door to door"')
    before = len(fake.calls_to("files.completeUploadExternal"))
    exported = await slack_chat.say(alice, "/coalition export")
    assert "Export of Clean Air" in exported.text()
    [complete] = fake.calls_to("files.completeUploadExternal")[before:]
    assert complete.args["channel_id"] == f"D{alice}", "a private export goes to a direct message"
    shared = complete.args["files"]
    shared = json.loads(shared) if isinstance(shared, str) else shared
    files = {fake.files[item["id"]]["name"]: fake.files[item["id"]] for item in shared}
    assert set(files) == {"clean-air.json", "clean-air-checkins.csv"}
    for record in files.values():
        assert record["length"] == len(record["uploaded"]), "the announced length is what was sent"
    data = json.loads(files["clean-air.json"]["uploaded"])
    assert [c["note"] for c in data["checkins"]] == ["door to door"]
    rows = list(csv.reader(io.StringIO(files["clean-air-checkins.csv"]["uploaded"].decode())))
    assert len(rows) == 2
    assert "door to door" in rows[1]
    assert left_behind(scratch) == [], "the files are removed once sent"


async def test_slack_says_how_far_a_long_export_has_got_then_sends_it(slack_chat: SlackChat, scratch: Path) -> None:
    alice = person(slack_chat.fake, "Alice")
    await slack_chat.say(alice, '/coalition create "Slow Coalition"')
    exported = await slack_chat.say(alice, "/coalition export")
    texts = [block_text(r.get("blocks", [])) for r in exported.responses]
    assert len(texts) == 2, texts
    assert "Preparing your export…" in texts[0]
    assert "parts written" in texts[0]
    assert "Export of Slow Coalition" in texts[1]
    assert all(r["response_type"] == "ephemeral" for r in exported.responses)
    assert left_behind(scratch) == []


# Discord -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with started(FakeDiscord()) as server:
        yield server


@pytest.fixture(scope="module")
async def discord_bot(
    discord_fake: FakeDiscord, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DiscordAdapter]:
    async with bot_database(sqlite_template, tmp_path_factory.mktemp("discord-export")) as db:
        adapter = adapter_for(discord_fake, db, registry=REGISTRY)
        await connect(discord_fake, adapter)
        yield adapter
        await adapter.stop()


@pytest.fixture
def discord_chat(discord_fake: FakeDiscord, discord_bot: DiscordAdapter) -> DiscordChat:
    return DiscordChat(discord_fake, discord_bot)


def uploads(chat: DiscordChat, interaction_id: int) -> dict[str, bytes]:
    return {name: getattr(name, "data", b"") for r in chat.fake.records_for(interaction_id) for name in r.files}


async def test_discord_receives_the_exports_bytes_streamed_from_disk(discord_chat: DiscordChat, scratch: Path) -> None:
    await discord_chat.slash("Alice", "coalition", "create", name="Clean Air")
    added = await discord_chat.slash("Alice", "goal", "add", title="Calls", target=1000, unit="calls")
    found = re.search(r"#(\d+) Calls", added.text())
    assert found is not None, added.text()
    await discord_chat.slash("Alice", "checkin", "log", amount=40, goal=int(found.group(1)), note="door to door")
    answer = await discord_chat.slash("Alice", "coalition", "export")
    files = uploads(discord_chat, answer.interaction_id)
    json_name = next(name for name in files if name.endswith(".json"))
    csv_name = next(name for name in files if name.endswith("-checkins.csv"))
    data = json.loads(files[json_name])
    assert [c["note"] for c in data["checkins"]] == ["door to door"]
    assert "door to door" in files[csv_name].decode()
    assert left_behind(scratch) == [], "the files are removed once sent"


async def test_discord_says_how_far_a_long_export_has_got_then_sends_it(
    discord_chat: DiscordChat, scratch: Path
) -> None:
    await discord_chat.slash("Alice", "coalition", "create", name="Slow Coalition")
    answer = await discord_chat.slash("Alice", "coalition", "export")
    assert answer.callback_types == [5], "deferred at once: the ack does not wait for the export"
    edits = [r for r in discord_chat.fake.records_for(answer.interaction_id) if r.kind != "callback"]
    assert len(edits) == 2, [r.kind for r in edits]
    assert "Preparing your export…" in visible(edits[0].body)
    assert not edits[0].files
    assert edits[1].files
    assert all(discord_chat.fake.is_ephemeral(m) for m in answer.messages)
    assert "Export of Slow Coalition" in answer.text()
    assert left_behind(scratch) == []


# the console ---------------------------------------------------------------------------------------


def test_the_console_moves_the_exports_files_where_it_saves_files(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    script = DEMO + "/coalition export\n"
    result = run_console(tmp_path, script, "--as", "alice", env={"TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    saved = tmp_path / "coalition-bot-files"
    assert f"[file saved: {saved / 'clean-air.json'}]" in result.stdout
    data = json.loads((saved / "clean-air.json").read_text(encoding="utf-8"))
    assert [c["amount"] for c in data["checkins"]] == [40.0]
    assert (saved / "clean-air-checkins.csv").exists()
    assert left_behind(scratch / "coalition-bot-exports") == [], "moved, not copied"
