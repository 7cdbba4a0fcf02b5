"""Nothing acknowledged is lost (bot.core.intake), on SQLite and PostgreSQL, through the real
slack-bolt app over the Slack fake: a request is written down before Slack gets its 200, the
process dies before answering, and the next process to start runs it and answers it, through the
response URL while Slack takes it, else in a direct message. A request answered normally leaves
nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.commands import build_registry
from bot.core.clock import ManualClock
from bot.core.intake import Intake
from bot.store.db import Database
from bot.store.intake_models import IntakeRequest
from bot.store.models import Coalition
from tests.fakes.apps import slack_bot, started
from tests.fakes.slack_api import FakeSlack, SlackSide, block_text
from tests.test_slack_adapter import SECRET, person

CHANNEL = "C0424"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as server:
        yield server


async def intake_rows(db: Database) -> list[IntakeRequest]:
    async with db.session() as session:
        return list((await session.exec(select(IntakeRequest))).all())


async def coalitions(db: Database) -> list[str]:
    async with db.session() as session:
        return [c.name for c in (await session.exec(select(Coalition))).all()]


async def killed_after_the_ack(fake: FakeSlack, db: Database, user: str, line: str) -> dict[str, Any]:
    """A process acknowledges ``line`` and dies before the core ran it; returns the request."""
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, running):
        dying = asyncio.Event()

        async def dies(*_args: Any, **_kwargs: Any) -> Any:
            await dying.wait()
            raise asyncio.CancelledError  # the process is gone: nothing after this point runs

        adapter.core.run_command = dies  # type: ignore[method-assign]
        adapter.interactions.intake.budget = 60.0  # the ack waits for its row (a loaded test machine)
        side = SlackSide(fake, running.url, SECRET)
        body = side.command_body(user, line, channel=CHANNEL)
        acked = await side.command(body)
        assert acked.status_code == 200  # Slack will not send it again
        assert [row.kind for row in await intake_rows(db)] == ["command"]  # written down before the ack
        dying.set()
        await adapter.drain()
        await side.aclose()
    assert fake.responses_of(body["response_url"]) == []  # nobody answered
    return body


async def test_a_request_acknowledged_then_killed_is_run_and_answered_by_the_next_process(
    fake: FakeSlack, db: Database
) -> None:
    alice = person(fake, "Alice")
    body = await killed_after_the_ack(fake, db, alice, '/coalition create "Kept Promise"')
    assert await coalitions(db) == []
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, _running):
        assert await adapter.answer_unanswered() == 0  # the dead process's hold has not run out yet
        clock = adapter.core.clock
        assert isinstance(clock, ManualClock)
        clock.advance(timedelta(minutes=3))
        assert await adapter.answer_unanswered() == 1
        assert await adapter.answer_unanswered() == 0  # once
    assert await coalitions(db) == ["Kept Promise"]
    [answer] = fake.responses_of(body["response_url"])
    assert "Kept Promise" in block_text(answer["blocks"])
    assert await intake_rows(db) == []


async def test_too_late_for_the_response_url_the_answer_comes_as_a_direct_message(
    fake: FakeSlack, db: Database
) -> None:
    alice = person(fake, "Alice")
    body = await killed_after_the_ack(fake, db, alice, "/coalition help")
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, _running):
        clock = adapter.core.clock
        assert isinstance(clock, ManualClock)
        clock.advance(timedelta(minutes=40))
        assert await adapter.answer_unanswered() == 1
    assert fake.responses_of(body["response_url"]) == []
    direct = [m for m in fake.messages.values() if m["channel"] == f"D{alice}"]
    assert len(direct) >= 1  # the private answer, where Alice will see it
    assert await intake_rows(db) == []


async def test_an_answered_request_leaves_no_intake_row(fake: FakeSlack, db: Database) -> None:
    alice = person(fake, "Alice")
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, running):
        side = SlackSide(fake, running.url, SECRET)
        body = side.command_body(alice, '/coalition create "Answered"', channel=CHANNEL)
        assert (await side.command(body)).status_code == 200
        await adapter.drain()
        await side.aclose()
    assert fake.responses_of(body["response_url"])
    assert await intake_rows(db) == []


async def test_a_form_submission_is_kept_until_answered(fake: FakeSlack, db: Database) -> None:
    alice = person(fake, "Alice")
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, running):
        side = SlackSide(fake, running.url, SECRET)
        for line in ('/coalition create "Forms"', '/goal add "Calls" target=10'):
            await side.command(side.command_body(alice, line, channel=CHANNEL))
            await adapter.drain()
        opening = side.command_body(alice, "/checkin", channel=CHANNEL)
        await side.command(opening)
        await adapter.drain()
        [modal] = [v for v in fake.views if v["trigger_id"] == opening["trigger_id"]]
        seen: list[int] = []
        listener = adapter.interactions.view_submission

        async def watching(*args: Any, **kwargs: Any) -> None:
            seen.append(len(await intake_rows(db)))  # the submission is written down while it runs
            await listener(*args, **kwargs)

        adapter.interactions.view_submission = watching  # type: ignore[method-assign]
        adapter.app._async_listeners.clear()  # register again with the watching listener
        adapter.interactions.register(adapter.app)
        submitted = await side.interaction(side.submit_payload(alice, modal, {"amount": "3"}))
        assert submitted.status_code == 200
        await adapter.drain()
        await side.aclose()
    assert seen == [1]
    assert await intake_rows(db) == []


async def test_requests_arriving_together_are_written_in_one_group_and_forgotten_once_answered(db: Database) -> None:
    intake = Intake(db, ManualClock(), "slack", budget=0.0)  # acknowledged before the row is written
    entries = await asyncio.gather(*(intake.receive("command", f"t{n}", {"n": n}) for n in range(3)))
    assert intake.late == 3
    ids = [await entry.written for entry in entries]  # written a moment later all the same
    assert len(set(ids)) == 3
    assert sorted(row.payload["n"] for row in await intake_rows(db)) == [0, 1, 2]
    again = await intake.receive("command", "t0", {"n": 0})  # Slack's retry of the same request
    assert await again.written == ids[0]
    for entry in entries:
        await intake.answered(entry)
    assert await intake_rows(db) == []


async def test_a_confidential_command_is_never_written_down(fake: FakeSlack, db: Database) -> None:
    """What a flag's reporter types stays out of the database, even for the moment before its answer."""
    alice = person(fake, "Alice")
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, running):
        assert adapter.core.registry.is_confidential(command="flag")
        seen: list[int] = []
        run_command = adapter.core.run_command

        async def watching(*args: Any, **kwargs: Any) -> Any:
            seen.append(len(await intake_rows(db)))
            return await run_command(*args, **kwargs)

        adapter.core.run_command = watching  # type: ignore[method-assign]
        side = SlackSide(fake, running.url, SECRET)
        await side.command(side.command_body(alice, '/flag raise "my manager shouts"', channel=CHANNEL))
        await adapter.drain()
        await side.aclose()
    assert seen == [0]
    assert await intake_rows(db) == []
