"""Nothing acknowledged is lost on Discord (bot.core.intake), on SQLite and PostgreSQL, through an
unmodified discord.py client over the Discord fake: an interaction is written down (its gateway
payload, token and application id included) before any answer goes to Discord; a process killed
after that (before its deferral, between deferral and answer, or after the core ran) leaves it to
the next process, which runs it through the same handler and answers it exactly once: by a
follow-up through the interaction's token while Discord takes it, else by a direct message saying
which request it answers. What was done before the kill is not done again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.adapters.discord.app import DiscordAdapter
from bot.core.clock import ManualClock
from bot.store import intake_repo
from bot.store.db import Database
from bot.store.models import Checkin, Coalition, Goal
from tests.fakes.apps import started
from tests.fakes.discord_fake import FakeDiscord
from tests.test_discord_adapter import COMPONENT, MODAL_SUBMIT, Chat, adapter_for, button, connect, visible
from tests.test_intake import intake_rows

Die = Callable[..., Awaitable[Any]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with started(FakeDiscord()) as server:
        yield server


@asynccontextmanager
async def discord_bot(fake: FakeDiscord, db: Database, *, minutes: int = 0) -> AsyncIterator[DiscordAdapter]:
    """A bot process on ``db`` started ``minutes`` after the first, connected, its first look for
    what a dead process left done."""
    adapter = adapter_for(fake, db)
    advance(adapter, minutes)
    await connect(fake, adapter)
    await adapter.caught_up.wait()
    try:
        yield adapter
    finally:
        await adapter.stop()


def advance(adapter: DiscordAdapter, minutes: int) -> None:
    clock = adapter.core.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=minutes))


class Kill:
    """Fault injection: the process stops at one point of an interaction's handling (the code after
    it never runs, as when the process is killed), once ``at`` was reached."""

    def __init__(self) -> None:
        self.at = asyncio.Event()
        self.now = asyncio.Event()

    async def here(self, *_args: Any, **_kwargs: Any) -> Any:
        self.at.set()
        await self.now.wait()
        raise asyncio.CancelledError  # the process is gone: nothing after this point runs

    def after(self, work: Die) -> Die:
        async def then_die(*args: Any, **kwargs: Any) -> Any:
            await work(*args, **kwargs)
            return await self.here()

        return then_die


async def count(db: Database, model: type[Any]) -> int:
    async with db.session() as session:
        return len((await session.exec(select(model))).all())


def direct_messages(fake: FakeDiscord, user: dict[str, Any]) -> list[str]:
    channel = str(fake.dm_channel(user))
    return [visible(m) for m in fake.messages.values() if m["channel_id"] == channel]


GOAL_ADD = ("goal", ("add",), {"title": "Calls", "target": 10})


async def killed(
    fake: FakeDiscord, db: Database, where: str, command: tuple[str, tuple[str, ...], dict[str, Any]] = GOAL_ADD
) -> tuple[int, dict[str, Any]]:
    """Alice's coalition (unless she is creating it); then her ``command`` (``/goal add``) in a
    process killed ``where``: before its deferral (``defer``), between deferral and the core
    (``core``), or after the core ran (``answer``). Returns the interaction's id and Alice."""
    async with discord_bot(fake, db) as adapter:
        chat = Chat(fake, adapter)
        alice = chat.user("Alice")
        if command[:2] != ("coalition", ("create",)):
            await chat.slash("Alice", "coalition", "create", name="Clean Air")
        assert await intake_rows(db) == []  # answered: forgotten
        kill = Kill()
        if where == "defer":
            adapter.handler.answer = kill.here  # type: ignore[method-assign]
        elif where == "core":
            adapter.core.run_command = kill.here  # type: ignore[method-assign]
        else:
            adapter.core.run_command = kill.after(adapter.core.run_command)  # type: ignore[method-assign]
        adapter.handler.intake.budget = 60.0  # the answer waits for its row (a loaded test machine)
        data = fake.command_data(*command)
        iid = await fake.interact(2, alice, data, channel_id=chat.channel)
        await asyncio.wait_for(kill.at.wait(), 15)
        [row] = await intake_rows(db)  # written down before Discord got anything
        assert (row.kind, row.request_key) == ("command", str(iid))
        assert row.payload["token"] == fake.interactions[iid].token
        assert row.payload["application_id"] == str(fake.application_id)
        assert [r.body["type"] for r in fake.callbacks(iid)] == ([] if where == "defer" else [5])
        kill.now.set()
        await adapter.handler.drain()
    assert fake.records_for(iid, "followup") == []  # nobody answered
    return iid, alice


@pytest.mark.parametrize("where", ["core", "answer"])
async def test_killed_between_deferral_and_answer_the_next_process_answers_once_by_follow_up(
    fake: FakeDiscord, db: Database, where: str
) -> None:
    iid, alice = await killed(fake, db, where)
    assert await count(db, Goal) == (1 if where == "answer" else 0)
    async with discord_bot(fake, db) as adapter:
        assert await adapter.answer_unanswered() == 0  # the dead process's hold has not run out yet
        advance(adapter, 3)
        assert await adapter.answer_unanswered() == 1
        assert await adapter.answer_unanswered() == 0  # once
        await adapter.handler.drain()
    assert await count(db, Goal) == 1  # done once, before or after the kill
    [answer] = [visible(fake.messages[r.message_id]) for r in fake.records_for(iid, "followup") if r.message_id]
    if where == "answer":
        assert "Already done" in answer  # done before the crash: answered as such
    else:
        assert "Calls" in answer
    assert [r.body["type"] for r in fake.callbacks(iid)] == [5]  # the dead process's deferral, no other
    assert direct_messages(fake, alice) == []
    assert await intake_rows(db) == []


async def test_a_public_answer_follows_up_in_the_channel(fake: FakeDiscord, db: Database) -> None:
    """The dead process's deferral was ephemeral: its placeholder takes a private note, and the
    answer meant for the channel is a public follow-up."""
    iid, _alice = await killed(fake, db, "core", ("coalition", ("create",), {"name": "Late Air"}))
    async with discord_bot(fake, db, minutes=3):
        pass  # answered as the bot started
    followups = [fake.messages[r.message_id] for r in fake.records_for(iid, "followup") if r.message_id]
    assert [(fake.is_ephemeral(m), "is created" in visible(m)) for m in followups] == [(True, False), (False, True)]
    assert await count(db, Coalition) == 1
    assert await intake_rows(db) == []


async def test_after_the_token_expired_the_answer_comes_by_direct_message(fake: FakeDiscord, db: Database) -> None:
    iid, alice = await killed(fake, db, "core")
    async with discord_bot(fake, db, minutes=20):  # Discord takes an interaction's token for 15 minutes
        pass  # answered as the bot started
    assert fake.records_for(iid, "followup") == []
    said = "\n".join(direct_messages(fake, alice))
    assert "restarted before it could answer your command `/goal add`" in said
    assert "Calls" in said
    assert await count(db, Goal) == 1
    assert await intake_rows(db) == []


async def test_killed_before_its_deferral_the_answer_comes_by_direct_message(fake: FakeDiscord, db: Database) -> None:
    """Never acknowledged, the interaction's token is not valid: Discord refuses the follow-up."""
    iid, alice = await killed(fake, db, "defer")
    async with discord_bot(fake, db) as adapter:
        advance(adapter, 3)
        assert await adapter.answer_unanswered() == 1
    assert fake.records_for(iid, "followup") == []
    said = "\n".join(direct_messages(fake, alice))
    assert "`/goal add`" in said
    assert "Calls" in said
    assert await count(db, Goal) == 1
    assert await intake_rows(db) == []


async def test_a_click_killed_after_its_deferral_is_answered_once_by_follow_up(fake: FakeDiscord, db: Database) -> None:
    async with discord_bot(fake, db) as adapter:
        chat = Chat(fake, adapter)
        await chat.slash("Alice", "coalition", "create", name="Clean Air")
        await chat.slash("Bob", "coalition", "join")
        message = (await chat.slash("Bob", "coalition", "forget-me")).messages[-1]
        kill = Kill()
        adapter.core.run_action = kill.here  # type: ignore[method-assign]
        adapter.handler.modal_budget = 0.0  # deferred at once (a slow core)
        adapter.handler.intake.budget = 60.0
        data = {"custom_id": button(message, "Erase my data"), "component_type": 2}
        iid = await fake.interact(COMPONENT, chat.user("Bob"), data, channel_id=chat.channel, message=message)
        await asyncio.wait_for(kill.at.wait(), 15)
        assert [(row.kind, row.request_key) for row in await intake_rows(db)] == [("action", str(iid))]
        assert [r.body["type"] for r in fake.callbacks(iid)] == [6]  # deferred: the message may be edited
        kill.now.set()
        await adapter.handler.drain()
    async with discord_bot(fake, db) as adapter:
        advance(adapter, 3)
        assert await adapter.answer_unanswered() == 1
        assert await adapter.answer_unanswered() == 0
        members = await Chat(fake, adapter).slash("Alice", "coalition", "members")
    [answer] = [visible(fake.messages[r.message_id]) for r in fake.records_for(iid, "followup") if r.message_id]
    assert "your personal data is erased" in answer
    assert "Bob" not in members.text()
    assert [r.body["type"] for r in fake.callbacks(iid)] == [6]
    assert await intake_rows(db) == []


@pytest.mark.parametrize("minutes", [3, 20])
async def test_a_modal_with_a_mistake_run_again_says_what_was_wrong_and_that_nothing_was_saved(
    fake: FakeDiscord, db: Database, minutes: int
) -> None:
    async with discord_bot(fake, db) as adapter:
        chat = Chat(fake, adapter)
        bob = chat.user("Bob")
        await chat.slash("Alice", "coalition", "create", name="Clean Air")
        await chat.slash("Alice", "goal", "add", title="Calls to MPs", target=1000, unit="calls")
        modal = (await chat.slash("Bob", "checkin", "log")).modal
        goal_id = modal["components"][0]["component"]["options"][0]["value"]
        kill = Kill()
        adapter.core.submit_form = kill.here  # type: ignore[method-assign]
        adapter.handler.intake.budget = 60.0
        values = {"goal": goal_id, "amount": "lots", "note": "tried"}
        submitted = asyncio.ensure_future(chat.submit("Bob", modal, values))
        await asyncio.wait_for(kill.at.wait(), 15)
        [row] = await intake_rows(db)
        assert row.kind == "form"
        kill.now.set()
        await adapter.handler.drain()
        submitted.cancel()
    iid = max(i for i, interaction in fake.interactions.items() if interaction.type == MODAL_SUBMIT)
    async with discord_bot(fake, db) as adapter:
        advance(adapter, minutes)
        assert await adapter.answer_unanswered() == 1
    followups = [visible(fake.messages[r.message_id]) for r in fake.records_for(iid, "followup") if r.message_id]
    said = "\n".join(followups if minutes < 15 else direct_messages(fake, bob))
    assert "Nothing was saved" in said
    assert "must be a number" in said
    assert "Fix and resubmit" in said  # the form again, prefilled
    assert (followups == []) == (minutes >= 15)
    assert await count(db, Checkin) == 0
    assert await intake_rows(db) == []
    # The form again, from where the answer landed: an ephemeral follow-up in the channel, or the DM.
    dm = minutes >= 15
    place = fake.dm_channel(bob) if dm else chat.channel
    [late] = [
        m
        for m in fake.messages.values()
        if m["channel_id"] == str(place) and "Fix and resubmit" in str(m.get("components"))
    ]
    async with discord_bot(fake, db, minutes=minutes) as adapter:
        click = {"custom_id": button(late, "Fix and resubmit"), "component_type": 2}
        opened = await Chat(fake, adapter).settle(
            await fake.interact(COMPONENT, bob, click, channel_id=chat.channel, message=late, dm=dm)
        )
        again = opened.modal
        fields = [c["component"] for c in again["components"]]
        fixed = {
            f["custom_id"]: ("3" if f["custom_id"] == "amount" else values.get(f["custom_id"], "")) for f in fields
        }
        assert {f["custom_id"]: f.get("value") for f in fields if f["custom_id"] == "amount"} == {"amount": "lots"}
        submit = {
            "custom_id": again["custom_id"],
            "components": [
                {"type": 18, "id": n * 2 - 1, "component": resubmitted(n, f, fixed)} for n, f in enumerate(fields, 1)
            ],
        }
        await Chat(fake, adapter).settle(await fake.interact(MODAL_SUBMIT, bob, submit, channel_id=chat.channel, dm=dm))
    assert await count(db, Checkin) == 1


def resubmitted(number: int, field: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """One field of a modal as Discord submits it (a select's values, a text input's value)."""
    name = field["custom_id"]
    if field["type"] == 3:
        return {"type": 3, "id": number * 2, "custom_id": name, "values": [values[name]] if values.get(name) else []}
    return {"type": 4, "id": number * 2, "custom_id": name, "value": values.get(name, "")}


async def test_a_confidential_command_is_never_written_down(fake: FakeDiscord, db: Database) -> None:
    """What a flag's reporter types stays out of the database, even for the moment before its answer."""
    async with discord_bot(fake, db) as adapter:
        chat = Chat(fake, adapter)
        await chat.slash("Alice", "coalition", "create", name="Clean Air")
        assert adapter.core.registry.is_confidential(command="flag")
        seen: list[int] = []
        run_command = adapter.core.run_command

        async def watching(*args: Any, **kwargs: Any) -> Any:
            seen.append(len(await intake_rows(db)))
            return await run_command(*args, **kwargs)

        adapter.core.run_command = watching  # type: ignore[method-assign]
        opened = await chat.slash("Alice", "flag", "raise")
        assert opened.callback_types == [9]  # its form opened
        fields = {c["component"]["custom_id"]: c["component"] for c in opened.modal["components"]}
        seen_submit: list[int] = []
        submit_form = adapter.core.submit_form

        async def watching_submit(*args: Any, **kwargs: Any) -> Any:
            seen_submit.append(len(await intake_rows(db)))
            return await submit_form(*args, **kwargs)

        adapter.core.submit_form = watching_submit  # type: ignore[method-assign]
        severity = fields["severity"]["options"][0]["value"]
        values = {"topic": "Shouting", "description": "my manager shouts", "severity": severity}
        await chat.submit("Alice", opened.modal, values)
    assert seen == [0]
    assert seen_submit == [0]
    assert await intake_rows(db) == []


async def test_a_database_that_cannot_take_the_row_does_not_stand_in_the_way_of_the_answer(
    fake: FakeDiscord, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(intake_repo, "record_group", refused)
    async with discord_bot(fake, db) as adapter:
        created = await Chat(fake, adapter).slash("Alice", "coalition", "create", name="Clean Air")
    assert "Clean Air" in created.text()
    assert await intake_rows(db) == []


async def test_answered_interactions_leave_no_intake_row(fake: FakeDiscord, db: Database) -> None:
    async with discord_bot(fake, db) as adapter:
        chat = Chat(fake, adapter)
        seen: list[int] = []
        run_command = adapter.core.run_command

        async def watching(*args: Any, **kwargs: Any) -> Any:
            seen.append(len(await intake_rows(db)))
            return await run_command(*args, **kwargs)

        adapter.core.run_command = watching  # type: ignore[method-assign]
        created = await chat.slash("Alice", "coalition", "create", name="Clean Air")
        assert "Clean Air" in created.text()
        assert seen == [1]  # written down while it ran
    assert await intake_rows(db) == []


async def test_after_the_token_expired_a_public_answer_is_posted_in_its_channel(
    fake: FakeDiscord, db: Database
) -> None:
    """As on Slack: what everyone in the channel would have seen is posted there, not in a DM."""
    iid, alice = await killed(fake, db, "core", ("coalition", ("create",), {"name": "Late Air"}))
    async with discord_bot(fake, db, minutes=20):
        pass  # answered as the bot started
    assert fake.records_for(iid, "followup") == []
    channel = str(fake.interactions[iid].channel_id)
    posted = [visible(m) for m in fake.messages.values() if m["channel_id"] == channel]
    assert any("is created" in text for text in posted)
    assert direct_messages(fake, alice) == []
    assert await count(db, Coalition) == 1
    assert await intake_rows(db) == []
