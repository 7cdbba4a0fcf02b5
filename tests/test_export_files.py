"""Issue 23 item 4: ``/coalition export`` sends files from disk and never holds them in memory, says
how far it has got when it takes long, and leaves no file behind; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import gc
import json
import re
import tempfile
import tracemalloc
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from bot.commands import WORKFLOWS
from bot.core import progress
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.context import Ctx
from bot.core.outbox import encode_reply
from bot.core.ui import Attachment, Reply, discard_files
from bot.core.workflow import Export, Workflow
from bot.store.db import Database
from bot.store.models import Checkin, Goal
from tests.support import Chat, make_core

NOTE = "door to door on the high street, " * 12  # ~400 characters, like a real note


@pytest.fixture(autouse=True)
def scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The export's files go under this test's own temporary directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / "coalition-bot-exports"


def left_behind(scratch: Path) -> list[Path]:
    return list(scratch.iterdir()) if scratch.exists() else []


async def seeded(chat: Chat, db: Database, checkins: int) -> None:
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    assert not (await chat.say("alice", '/goal add "Calls" target=1000')).is_error
    async with db.unit_of_work() as session:
        goal = (await session.exec(Goal.__table__.select())).first()  # type: ignore[attr-defined,call-overload]
        rows = [
            {"coalition_id": goal.coalition_id, "goal_id": goal.id, "amount": float(n % 7), "note": f"{n} {NOTE}"}
            for n in range(checkins)
        ]
        await session.exec(insert(Checkin), params=rows)  # type: ignore[call-overload]


async def test_export_files_stay_on_disk_and_are_never_read_into_memory(
    chat: Chat, db: Database, scratch: Path
) -> None:
    await seeded(chat, db, 12_000)
    discard_files(await chat.say("alice", "/coalition export"))  # warm-up: imports, caches, statements
    gc.collect()
    tracemalloc.start()
    try:
        reply = await chat.say("alice", "/coalition export")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not reply.is_error, reply.plain()
    json_file, csv_file = reply.attachments
    assert json_file.path is not None, "an export is sent from disk"
    assert csv_file.path is not None
    assert json_file.content == b""
    assert csv_file.content == b""
    assert json_file.path.parent == scratch
    size = json_file.size + csv_file.size
    assert json_file.size > 6_000_000
    # The files were written a page at a time and never read back: the whole export's Python
    # allocations stay far below the size of the file (reading it back alone would exceed it).
    assert peak < json_file.size / 2, f"peak {peak / 2**20:.1f} MiB for {size / 2**20:.1f} MiB of files"
    with json_file.open() as handle:
        data = json.load(handle)
    assert len(data["checkins"]) == 12_000
    assert data["checkins"][0]["note"].startswith("0 door to door")
    with csv_file.path.open(encoding="utf-8", newline="") as handle:
        assert sum(1 for _ in csv.reader(handle)) == 12_001
    discard_files(reply)
    assert not json_file.path.exists()
    assert not csv_file.path.exists()
    assert left_behind(scratch) == []


class SlowPages:
    """A table whose pages each take ``step`` on the test's clock."""

    def __init__(self, clock: ManualClock, pages: int, step: timedelta) -> None:
        self.clock, self.pages, self.step = clock, pages, step

    async def batches(self) -> AsyncIterator[Sequence[Mapping[str, Any]]]:
        for page in range(self.pages):
            self.clock.advance(self.step)
            yield [{"page": page}]


def slow_workflow(clock: ManualClock, pages: int, step: timedelta, *, broken: bool = False) -> Workflow:
    async def export(ctx: Ctx) -> Export:
        if broken:
            return Export(tables={"slow": Broken()})
        return Export(tables={"slow": SlowPages(clock, pages, step)})

    async def export_mine(ctx: Ctx, member_id: int) -> dict[str, Any]:
        clock.advance(step * pages)
        return {"slow": [{"member": member_id}]}

    return Workflow(name="slow", export=export, export_mine=export_mine)


class Broken:
    async def batches(self) -> AsyncIterator[Sequence[Mapping[str, Any]]]:
        yield [{"row": 1}]
        raise RuntimeError("the disk is full")


def progress_chat(db: Database, clock: ManualClock, pages: int, step: timedelta, **options: bool) -> Chat:
    return Chat(make_core(db, clock, workflows=[*WORKFLOWS, slow_workflow(clock, pages, step, **options)]))


async def said_while(chat: Chat, who: str, line: str) -> tuple[list[Reply], Reply]:
    """The words said before the answer (through :func:`bot.core.progress.interim`), and the answer."""
    words: list[Reply] = []

    async def say(word: Reply) -> None:
        words.append(word)

    with progress.interim(say):
        reply = await chat.say(who, line)
    return words, reply


async def test_a_long_export_says_once_how_far_it_has_got_then_sends_its_files(db: Database) -> None:
    clock = ManualClock()
    chat = progress_chat(db, clock, pages=4, step=timedelta(seconds=2))
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    words, reply = await said_while(chat, "alice", "/coalition export")
    assert not reply.is_error, reply.plain()
    [word] = words
    said = re.search(r"Preparing your export… \((\d+) of (\d+) parts written\)", word.plain())
    assert said is not None, word.plain()
    assert 0 <= int(said.group(1)) < int(said.group(2)), "said once, while the slow table was being written"
    assert word.visibility.value == "private"
    assert word.lang == "en"
    json_file = next(a for a in reply.attachments if a.filename.endswith(".json"))
    assert json.loads(json_file.read())["slow"] == [{"page": n} for n in range(4)]
    discard_files(reply)

    quick = progress_chat(db, ManualClock(), pages=4, step=timedelta(milliseconds=100))
    words, reply = await said_while(quick, "alice", "/coalition export")
    assert not reply.is_error
    assert words == [], "a quick export says nothing before its files"
    discard_files(reply)


async def test_progress_is_said_in_the_persons_language_and_for_export_mine(db: Database) -> None:
    clock = ManualClock()
    chat = progress_chat(db, clock, pages=3, step=timedelta(seconds=2))
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    assert not (await chat.say("bea", "/coalition join")).is_error
    assert not (await chat.say("bea", "/coalition language es")).is_error
    words, reply = await said_while(chat, "bea", "/coalition export mine")
    assert not reply.is_error, reply.plain()
    [word] = words
    assert "Preparando tu exportación…" in word.plain()
    assert word.lang == "es"
    assert all(a.path is not None for a in reply.attachments), "export mine is sent from disk too"
    mine = next(a for a in reply.attachments if a.filename.endswith("-mine.json"))
    [row] = json.loads(mine.read())["slow"]
    assert isinstance(row["member"], int)
    discard_files(reply)


async def test_a_failed_export_leaves_no_file_behind(db: Database, scratch: Path) -> None:
    chat = progress_chat(db, ManualClock(), pages=1, step=timedelta(0), broken=True)
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    failed = await chat.say("alice", "/coalition export")
    assert failed.is_error
    assert not failed.attachments
    assert left_behind(scratch) == []


def test_a_file_on_disk_waits_in_the_outbox_as_bytes_and_an_unsent_one_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "meeting.ics"
    path.write_bytes(b"BEGIN:VCALENDAR")
    reply = Reply.private("Your file")
    reply.attachments = [Attachment.on_disk(path, "meeting.ics", "text/calendar", "Meeting")]
    stored = decode_reply(json.loads(json.dumps(encode_reply(reply))))
    assert stored.attachments == [Attachment("meeting.ics", b"BEGIN:VCALENDAR", "text/calendar", "Meeting")]
    assert not path.exists(), "a file on disk would not survive a restart: the outbox keeps the bytes"

    dropped = tmp_path / "dropped.json"
    dropped.write_bytes(b"{}")
    attachment = Attachment.on_disk(dropped, "export.json", "application/json")
    assert attachment.size == 2
    assert attachment.read() == b"{}"
    del attachment
    gc.collect()
    assert not dropped.exists(), "a reply dropped without being sent takes its file with it"
