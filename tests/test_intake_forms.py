"""A Slack form acknowledged and then killed before its answer (bot.core.intake), run again by the
next process: a form with a mistake would have shown it next to its fields in the acknowledgement,
which is gone with the process, so the mistake reaches the person by direct message (or the
``response_url`` while Slack takes it) saying that nothing was saved. On SQLite and PostgreSQL,
through the real slack-bolt app over the Slack fake."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.commands import build_registry
from bot.core.clock import ManualClock
from bot.store.db import Database
from bot.store.models import Checkin
from tests.fakes.apps import slack_bot, started
from tests.fakes.slack_api import FakeSlack, SlackSide, block_text
from tests.test_intake import CHANNEL, intake_rows
from tests.test_slack_adapter import SECRET, person


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as server:
        yield server


async def checkins(db: Database) -> int:
    async with db.session() as session:
        return len((await session.exec(select(Checkin))).all())


async def form_killed_after_the_ack(fake: FakeSlack, db: Database, user: str, values: dict[str, str]) -> dict[str, Any]:
    """``user`` opens the check-in form and sends ``values``; the process acknowledges the
    submission (the modal closes) and dies before the core ran it. Returns the /checkin command."""
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, running):
        side = SlackSide(fake, running.url, SECRET)
        for line in ('/coalition create "Forms"', '/goal add "Calls" target=10'):
            said = side.command_body(user, line, channel=CHANNEL)
            await side.command(said)
            await adapter.drain()
        found = re.search(r"#(\d+)", block_text(fake.responses_of(said["response_url"])[0]["blocks"]))
        assert found is not None
        values = {"goal": found.group(1), **values}
        opening = side.command_body(user, "/checkin", channel=CHANNEL)
        await side.command(opening)
        await adapter.drain()
        [modal] = [v for v in fake.views if v["trigger_id"] == opening["trigger_id"]]
        dying = asyncio.Event()

        async def dies(*_args: Any, **_kwargs: Any) -> Any:
            await dying.wait()
            raise asyncio.CancelledError  # the process is gone: nothing after this point runs

        adapter.core.submit_form = dies  # type: ignore[method-assign]
        adapter.interactions.form_budget = 0.0  # the modal is closed at once, the answer to follow
        adapter.interactions.intake.budget = 60.0  # the ack waits for its row (a loaded test machine)
        answered = len(fake.responses_of(opening["response_url"]))
        submitted = await side.interaction(side.submit_payload(user, modal, values))
        assert submitted.status_code == 200
        assert submitted.text in ("", "null")  # an empty ack: the modal closed, no errors shown in it
        assert [row.kind for row in await intake_rows(db)] == ["form"]
        dying.set()
        await adapter.drain()
        await side.aclose()
    assert len(fake.responses_of(opening["response_url"])) == answered  # nobody answered
    return opening


def direct_text(fake: FakeSlack, user: str) -> str:
    return "\n".join(block_text(m.get("blocks") or []) for m in fake.messages.values() if m["channel"] == f"D{user}")


@pytest.mark.parametrize("minutes", [3, 40])
async def test_a_form_with_a_mistake_run_again_after_a_crash_says_what_was_wrong_and_that_nothing_was_saved(
    fake: FakeSlack, db: Database, minutes: int
) -> None:
    alice = person(fake, "Alice")
    opening = await form_killed_after_the_ack(fake, db, alice, {"amount": "lots"})
    before = len(fake.responses_of(opening["response_url"]))
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, _running):
        clock = adapter.core.clock
        assert isinstance(clock, ManualClock)
        clock.advance(timedelta(minutes=minutes))
        assert await adapter.answer_unanswered() == 1
        assert await adapter.answer_unanswered() == 0
    if minutes < 30:  # the /checkin command's response_url still answers: privately, there
        [answer] = fake.responses_of(opening["response_url"])[before:]
        assert answer["response_type"] == "ephemeral"
        said = block_text(answer["blocks"])
        assert direct_text(fake, alice) == ""
    else:
        assert fake.responses_of(opening["response_url"])[before:] == []
        said = direct_text(fake, alice)
    assert "Nothing was saved" in said
    assert "number" in said.lower()  # what was wrong with the amount
    assert "Goal" not in said  # and only that
    assert await checkins(db) == 0
    assert await intake_rows(db) == []


async def test_a_form_without_mistakes_run_again_after_a_crash_is_saved_once(fake: FakeSlack, db: Database) -> None:
    alice = person(fake, "Alice")
    await form_killed_after_the_ack(fake, db, alice, {"amount": "3"})
    async with slack_bot(fake, db, build_registry(), SECRET) as (adapter, _running):
        clock = adapter.core.clock
        assert isinstance(clock, ManualClock)
        clock.advance(timedelta(minutes=40))
        assert await adapter.answer_unanswered() == 1
    assert await checkins(db) == 1
    assert await intake_rows(db) == []
