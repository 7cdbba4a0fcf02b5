"""``coalition-bot backup`` and ``restore``: a copy taken while check-ins are written restores to
exactly that moment, on SQLite and PostgreSQL; a copy from a newer schema is refused and changes
nothing; an older one is migrated forward; rotation keeps the newest of each day, week and month."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sqlite3
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.ops import dump
from bot.ops.backup import MANIFEST, make_backup, read_manifest
from bot.ops.restore import Refused, restore_into, verify_copy
from bot.ops.rotation import backup_name, backups_in, stale, to_keep
from bot.store.db import Database
from bot.store.migrate import current_revisions, script, upgrade
from tests.support import Chat, make_core


async def sums(db: Database) -> dict[str, dict[str, Any]]:
    if db.is_sqlite:
        path = Path(db.engine.url.database or "")
        await db.dispose()

        def read() -> dict[str, dict[str, Any]]:
            with sqlite3.connect(path) as connection:
                return dump.sqlite_sums(connection)

        return await asyncio.to_thread(read)
    async with db.engine.connect() as connection:
        return await dump.postgres_sums(connection)


def as_manifest(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {"rows": t["rows"], "sha256": t["sha256"]} for name, t in found.items()}


async def test_a_copy_taken_while_checkins_are_written_restores_to_that_moment(db: Database, tmp_path: Path) -> None:
    chat = Chat(make_core(db))
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')
    started = asyncio.Event()

    async def write() -> None:
        for n in range(100):
            reply = await chat.say("alice", "/checkin 1")
            assert not reply.is_error
            if n == 9:
                started.set()

    writer = asyncio.create_task(write())
    await started.wait()
    path, manifest = await make_backup(db, tmp_path / "backups")
    await writer
    copied = manifest["tables"]["checkin"]["rows"]
    assert 10 <= copied <= 100
    assert manifest["schema_revision"] == script().get_current_head()
    assert await verify_copy(db, path, manifest) == []
    assert (await sums(db))["checkin"]["rows"] == 100

    await restore_into(db, path, manifest)
    restored = await sums(db)
    assert as_manifest(restored) == as_manifest(manifest["tables"])
    assert restored["checkin"]["rows"] == copied
    reply = await Chat(make_core(db)).say("alice", "/checkin 2")  # the ids carry on after the restored rows
    assert not reply.is_error


async def test_a_copy_from_a_newer_schema_is_refused_and_changes_nothing(db: Database, tmp_path: Path) -> None:
    chat = Chat(make_core(db))
    await chat.say("alice", '/coalition create "Clean Air"')
    path, manifest = await make_backup(db, tmp_path)
    newer = tmp_path / "newer.tar.gz"
    future = {**manifest, "schema_revision": "0099"}
    with tarfile.open(path, "r:gz") as source, tarfile.open(newer, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name == MANIFEST:
                body = json.dumps(future).encode()
                member.size = len(body)
                target.addfile(member, io.BytesIO(body))
            else:
                target.addfile(member, data)
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')
    before = await sums(db)
    with pytest.raises(Refused, match="newer version of the bot"):
        await restore_into(db, newer, read_manifest(newer))
    with pytest.raises(Refused):
        await verify_copy(db, newer, read_manifest(newer))
    assert await sums(db) == before


async def test_an_older_copy_is_migrated_forward(sqlite_db: Database, tmp_path: Path) -> None:
    old = Database.from_url(f"sqlite:///{tmp_path / 'old.db'}")
    await upgrade(old, "0015")
    path, manifest = await make_backup(old, tmp_path / "backups")
    await old.dispose()
    assert manifest["schema_revision"] == "0015"
    assert await verify_copy(sqlite_db, path, manifest) == []
    await restore_into(sqlite_db, path, manifest)
    assert await current_revisions(sqlite_db) == {script().get_current_head()}


def test_rotation_keeps_the_newest_of_each_day_week_and_month() -> None:
    start = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    times = [start - timedelta(hours=12 * n) for n in range(400)]  # two a day for 200 days
    keep = to_keep(times, daily=7, weekly=4, monthly=6)
    days = {t.date() for t in keep}
    assert max(keep) == start
    assert {(start - timedelta(days=n)).date() for n in range(7)} <= days
    assert all(t == max(x for x in times if x.date() == t.date()) for t in keep)  # each day's newest
    assert len({t.isocalendar()[:2] for t in keep}) >= 4
    assert len({t.strftime("%Y-%m") for t in keep}) == 6
    assert len(keep) <= 7 + 4 + 6


def test_rotation_deletes_only_what_it_does_not_keep(tmp_path: Path) -> None:
    start = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    for n in range(10):
        (tmp_path / backup_name(start - timedelta(days=n))).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("kept")
    old = stale(tmp_path, daily=3, weekly=0, monthly=0)
    assert [p.name for p in old] == [backup_name(start - timedelta(days=n)) for n in range(3, 10)]
    assert len(backups_in(tmp_path)) == 10


def test_the_commands_name_what_they_change_and_ask_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["migrate"]) == 0
    assert re.search(r"Applying \d+ migrations to sqlite:///", capsys.readouterr().out)
    assert main(["backup", "--to", str(tmp_path / "copies")]) == 0
    out = capsys.readouterr().out
    assert "Copying sqlite:///" in out
    assert "Wrote " in out
    copy = backups_in(tmp_path / "copies")[0][0]
    assert main(["restore", str(copy)]) == 1  # not a terminal and no --yes: nothing replaced
    out = capsys.readouterr().out
    assert "This replaces everything in" in out
    assert "Nothing was changed" in out
    assert main(["restore", str(copy), "--verify"]) == 0
    assert "Verified" in capsys.readouterr().out
    assert main(["restore", str(copy), "--yes"]) == 0
    assert main(["restore", str(tmp_path / "notes.txt")]) == 2


async def test_the_scheduler_leader_backs_up_daily_when_asked(db: Database, tmp_path: Path) -> None:
    """The copy is ``coalition-bot backup`` in a child process, named by the wall clock."""
    from bot.core.clock import ManualClock
    from bot.ops.backup_job import DailyBackup, backup_jobs
    from bot.scheduling.runner import Scheduler
    from tests.support import settings

    config = settings(BACKUP_DAILY="on", BACKUP_DIR=str(tmp_path / "daily"))
    assert backup_jobs(db, settings()) == []
    daily = DailyBackup(db, config)
    clock = ManualClock(datetime.now(UTC))
    scheduler = Scheduler(db, jobs=[daily.job()], clock=clock)
    try:
        await scheduler.tick()
        assert daily.running is not None
        await daily.running
        [(first, _taken)] = backups_in(tmp_path / "daily")
        clock.advance(timedelta(hours=12))
        await scheduler.tick()
        await daily.running
        assert len(backups_in(tmp_path / "daily")) == 1  # not due again the same day
        clock.advance(timedelta(hours=13))
        await scheduler.tick()
        await daily.running
        [(newest, _taken)] = backups_in(tmp_path / "daily")  # the same real day: rotation kept the newest
        assert newest != first
        assert await verify_copy(db, newest, read_manifest(newest)) == []
    finally:
        await scheduler.leadership.release()


async def test_a_restore_that_fails_halfway_changes_nothing_on_postgresql(db: Database, tmp_path: Path) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite's restore is one backup-API copy, not a load")
    chat = Chat(make_core(db))
    await chat.say("alice", '/coalition create "Clean Air"')
    path, _manifest = await make_backup(db, tmp_path)
    broken = tmp_path / "broken.tar.gz"
    with tarfile.open(path, "r:gz") as source, tarfile.open(broken, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name == "tables/coalition.jsonl":
                body = b'["not", "a", "row"]\n'
                member.size = len(body)
                target.addfile(member, io.BytesIO(body))
            else:
                target.addfile(member, data)
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')
    before = await sums(db)
    with pytest.raises(ValueError, match="zip"):  # a row of the wrong shape, after the tables were rebuilt
        await restore_into(db, broken, read_manifest(broken))
    assert await sums(db) == before
