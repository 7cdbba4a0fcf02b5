"""How the intake writes (bot.core.intake), on SQLite and PostgreSQL: a burst's requests in one
transaction on the writer's own connection, ahead of the units of work that start meanwhile (so a
request's row does not queue behind the work of the requests acknowledged before it), answered
ones forgotten together, an acknowledgement's wait counted from the request's arrival, and a
database error that only costs the rows it hit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.intake import Intake, arrived
from bot.store import intake_repo
from bot.store.db import Database
from bot.store.intake_models import IntakeRequest
from tests.support import transactions


async def kept_keys(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted(row.request_key for row in (await session.exec(select(IntakeRequest))).all())


async def test_on_sqlite_a_unit_of_work_starting_while_a_request_is_written_down_lets_its_row_go_first(
    sqlite_db: Database,
) -> None:
    """SQLite has one writer: the row goes before the work of requests acknowledged earlier."""
    db = sqlite_db
    intake = Intake(db, ManualClock(), "slack", budget=0.0)  # acknowledged at once, the row still to write
    entry = await intake.receive("command", "t1", {"text": "/checkin 1"})
    assert not entry.written.done()
    async with db.unit_of_work() as session:  # a worker answering an earlier request
        seen = [row.request_key for row in (await session.exec(select(IntakeRequest))).all()]
    assert seen == ["t1"]  # the row was committed before this unit of work began


async def test_an_acknowledgement_waits_for_its_row_counted_from_the_request_s_arrival(db: Database) -> None:
    intake = Intake(db, ManualClock(), "slack", budget=2.0)
    loop = asyncio.get_running_loop()

    async def arriving(key: str, at: float | None) -> bool:
        arrived(at)
        entry = await intake.receive("command", key, {})
        written = entry.written.done()
        assert await entry.written is not None  # written all the same, a moment later if need be
        return written

    assert await asyncio.create_task(arriving("fresh", None)) is True
    assert intake.late == 0
    assert await asyncio.create_task(arriving("stale", loop.time() - 5.0)) is False  # its 2 s had gone
    assert intake.late == 1
    assert await kept_keys(db) == ["fresh", "stale"]

    async def with_more_to_do(key: str) -> bool:  # a form: the core's own budget comes before its ack
        arrived(loop.time() - 1.0)
        return (await intake.receive("form", key, {}, budget=0.5)).written.done()

    assert await asyncio.create_task(with_more_to_do("form")) is False  # its own 0.5 s had gone
    assert intake.late == 2


async def test_a_burst_is_one_transaction_and_a_retry_within_it_keeps_one_row(db: Database) -> None:
    intake = Intake(db, ManualClock(), "slack")
    with transactions(db) as begun:
        entries = await asyncio.gather(
            *(intake.receive("command", key, {"key": key}) for key in ("a", "b", "a", "c"))  # "a" sent again
        )
        ids = [await entry.written for entry in entries]
    assert len(begun) == 1
    assert ids[0] == ids[2]
    assert len({ids[0], ids[1], ids[3]}) == 3
    assert await kept_keys(db) == ["a", "b", "c"]


async def test_answered_requests_are_forgotten_together(db: Database) -> None:
    intake = Intake(db, ManualClock(), "slack")
    entries = await asyncio.gather(*(intake.receive("action", f"k{n}", {}) for n in range(5)))
    with transactions(db) as begun:
        await asyncio.gather(*(intake.answered(entry) for entry in entries))
    assert len(begun) == 1
    assert await kept_keys(db) == []


async def test_a_database_error_costs_only_the_rows_it_hit(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    record_group = intake_repo.record_group
    failures = [OperationalError("INSERT", {}, Exception("disk I/O error"))]

    async def failing_once(*args: Any, **kwargs: Any) -> list[int]:
        if failures:
            raise failures.pop()
        return await record_group(*args, **kwargs)

    monkeypatch.setattr(intake_repo, "record_group", failing_once)
    intake = Intake(db, ManualClock(), "slack")
    lost = await intake.receive("command", "during", {})
    assert await lost.written is None  # the request goes on without its row
    assert "could not record 1 slack request" in caplog.text
    await intake.answered(lost)  # nothing to forget
    async with db.unit_of_work():  # nothing left waiting ahead of the units of work
        pass
    kept = await intake.receive("command", "after", {})
    assert await kept.written is not None  # a fresh connection for the next one
    assert await kept_keys(db) == ["after"]
