"""The Discord adapter end to end: an unmodified discord.py client against the loopback fake.

One fake and one connected bot serve the whole module; each test works in its own fresh channel
with its own people, so tests share no coalition. Tests that restart the bot start their own.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.app import DiscordAdapter
from bot.commands import build_registry
from bot.core.clock import ManualClock
from bot.core.context import Place
from bot.core.delivery import CalendarEvent, DeliveryError
from bot.core.dispatch import Core
from bot.core.registry import Command
from bot.core.ui import Actions, Attachment, Button, Image, Option, Reply, Section, Select, rich
from bot.store.db import Database
from tests.fakes.apps import bot_database, started
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord
from tests.support import settings, sqlite_copy

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with started(FakeDiscord()) as server:
        yield server


@pytest.fixture(scope="module")
async def bot_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with bot_database(sqlite_template, tmp_path_factory.mktemp("discord")) as db:
        yield db


def adapter_for(fake: FakeDiscord, db: Database, **options: Any) -> DiscordAdapter:
    config = settings(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_IDS=str(fake.guild_id),
    )
    core = Core(db, options.pop("registry", None) or build_registry(), config, ManualClock())
    return DiscordAdapter(core, config, modal_budget=30.0, **options)


async def connect(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    before = fake.identifies
    await adapter.start()
    await fake.until(lambda: fake.identifies > before)


@pytest.fixture(scope="module")
async def bot(fake: FakeDiscord, bot_db: Database) -> AsyncIterator[DiscordAdapter]:
    adapter = adapter_for(fake, bot_db)
    await connect(fake, adapter)
    yield adapter
    await adapter.stop()


# a chat over the fake ----------------------------------------------------------------------------


@dataclass
class Answer:
    fake: FakeDiscord
    interaction_id: int

    @property
    def callback_types(self) -> list[int]:
        return [r.body["type"] for r in self.fake.callbacks(self.interaction_id)]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.fake.messages_of(self.interaction_id)

    def text(self, *, public: bool | None = None) -> str:
        shown = [m for m in self.messages if public is None or self.fake.is_ephemeral(m) != public]
        return "\n".join(visible(m) for m in shown)

    @property
    def modal(self) -> dict[str, Any]:
        modals = [r.body["data"] for r in self.fake.callbacks(self.interaction_id) if r.body["type"] == 9]
        assert modals, f"no modal opened; callbacks {self.callback_types}: {self.text()}"
        return modals[0]

    def payloads(self) -> list[dict[str, Any]]:
        """Every message body the bot sent for this interaction (callbacks, followups, edits)."""
        out = []
        for record in self.fake.records_for(self.interaction_id):
            body = record.body.get("data", record.body) if record.kind == "callback" else record.body
            if "embeds" in body or "content" in body:
                out.append(body)
        return out


def visible(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        for f in embed.get("fields", []):
            parts += [f["name"], f["value"]]
    for row in message.get("components", []):
        parts += [c.get("label", "") for c in row.get("components", [])]
    return "\n".join(p for p in parts if p)


def button(message: dict[str, Any], label: str) -> str:
    for row in message.get("components", []):
        for component in row.get("components", []):
            if component.get("label") == label:
                return component["custom_id"]
    raise AssertionError(f"no button {label!r} in {visible(message)!r}")


class Chat:
    """People in one fresh channel of the fake guild, typing commands and clicking."""

    def __init__(self, fake: FakeDiscord, bot: DiscordAdapter) -> None:
        self.fake = fake
        self.bot = bot
        self.channel = fake.add_channel()
        self.people: dict[str, dict[str, Any]] = {}

    def user(self, name: str) -> dict[str, Any]:
        if name not in self.people:
            self.people[name] = self.fake.add_user(name)
        return self.people[name]

    async def settle(self, interaction_id: int) -> Answer:
        await self.fake.until(lambda: bool(self.fake.records_for(interaction_id)))
        await self.bot.handler.drain()
        return Answer(self.fake, interaction_id)

    async def slash(self, who: str, command: str, *path: str, **options: Any) -> Answer:
        data = self.fake.command_data(command, path, options)
        iid = await self.fake.interact(APPLICATION_COMMAND, self.user(who), data, channel_id=self.channel)
        return await self.settle(iid)

    async def complete(self, who: str, command: str, *path: str, focused: str, **options: Any) -> list[dict[str, Any]]:
        data = self.fake.command_data(command, path, options, focused=focused)
        iid = await self.fake.interact(AUTOCOMPLETE, self.user(who), data, channel_id=self.channel)
        answer = await self.settle(iid)
        assert answer.callback_types == [8]
        return self.fake.callbacks(iid)[0].body["data"]["choices"]

    async def click(self, who: str, message: dict[str, Any], label: str) -> Answer:
        data = {"custom_id": button(message, label), "component_type": 2}
        iid = await self.fake.interact(COMPONENT, self.user(who), data, channel_id=self.channel, message=message)
        return await self.settle(iid)

    async def choose(self, who: str, message: dict[str, Any], placeholder: str, value: str) -> Answer:
        select = next(
            c for row in message["components"] for c in row["components"] if c.get("placeholder") == placeholder
        )
        data = {"custom_id": select["custom_id"], "component_type": 3, "values": [value]}
        iid = await self.fake.interact(COMPONENT, self.user(who), data, channel_id=self.channel, message=message)
        return await self.settle(iid)

    async def submit(self, who: str, modal: dict[str, Any], values: dict[str, str]) -> Answer:
        components = []
        for number, label in enumerate(modal["components"], 1):
            inner = label["component"]
            name = inner["custom_id"]
            if inner["type"] == 23:  # a checkbox
                submitted = {"type": 23, "id": number * 2, "custom_id": name, "value": bool(values.get(name))}
            elif inner["type"] == 3:
                submitted = {
                    "type": 3,
                    "id": number * 2,
                    "custom_id": name,
                    "values": [values[name]] if values.get(name) else [],
                }
            else:
                submitted = {"type": 4, "id": number * 2, "custom_id": name, "value": values.get(name, "")}
            components.append({"type": 18, "id": number * 2 - 1, "component": submitted})
        data = {"custom_id": modal["custom_id"], "components": components}
        iid = await self.fake.interact(MODAL_SUBMIT, self.user(who), data, channel_id=self.channel)
        return await self.settle(iid)


@pytest.fixture
def chat(fake: FakeDiscord, bot: DiscordAdapter) -> Chat:
    return Chat(fake, bot)


async def coalition_with_goal(chat: Chat, who: str = "Alice") -> None:
    await chat.slash(who, "coalition", "create", name="Clean Air")
    await chat.slash(who, "goal", "add", title="Calls to MPs", target=1000, unit="calls")


# the core, slowed down, watched or broken ------------------------------------------------------


class GatedCore:
    """The real core, but commands wait at a gate the test opens: a slow handler without sleeping."""

    def __init__(self, core: Core) -> None:
        self.inner = core
        self.gate = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # everything but what a subclass overrides: the real core

    async def run_command(self, inv: Any) -> Reply:
        await self.gate.wait()
        return await self.inner.run_command(inv)


class RecordingCore(GatedCore):
    """The real core, noting every button or select event it receives."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.events: list[Any] = []

    async def run_action(self, event: Any) -> Reply:
        self.events.append(event)
        return await self.inner.run_action(event)


class BrokenCore(GatedCore):
    async def run_command(self, inv: Any) -> Reply:
        raise RuntimeError("a bug")


# the command tree --------------------------------------------------------------------------------


def test_synced_command_tree_follows_the_spec(fake: FakeDiscord, bot: DiscordAdapter) -> None:
    commands = {c["name"]: c for c in fake.synced[str(fake.guild_id)]}
    assert {"coalition", "goal", "checkin", "unity"} <= set(commands)
    unity = {o["name"]: o for o in commands["unity"]["options"]}
    assert set(unity) >= {"draft", "show", "comment", "comments", "publish", "sign", "signatories", "withdraw"}
    assert [o["name"] for o in unity["draft"]["options"]] == ["text"]
    assert [(o["name"], o["type"]) for o in unity["show"]["options"]] == [("version", 4)]
    assert [o["name"] for o in unity["publish"]["options"]] == ["deadline"]
    assert [o["name"] for o in unity["sign"]["options"]] == ["org", "title"]
    coalition = {o["name"]: o for o in commands["coalition"]["options"]}
    assert coalition["org"]["type"] == 2
    assert [o["name"] for o in coalition["org"]["options"]] == ["add"]
    assert {o["name"] for o in coalition["group"]["options"]} == {"create", "join"}
    assert {
        "create",
        "join",
        "orgs",
        "members",
        "role",
        "groups",
        "link",
        "unlink",
        "status",
        "export",
        "forget-me",
        "help",
    } <= set(coalition)
    role = {o["name"]: o for o in coalition["role"]["options"]}
    assert role["user"]["type"] == 6
    assert [c["value"] for c in role["role"]["choices"]] == ["steering", "facilitator", "member", "observer"]
    goal = {o["name"]: o for o in commands["goal"]["options"]}
    add = {o["name"]: o for o in goal["add"]["options"]}
    assert list(add) == ["title", "target", "unit", "due", "owner"]
    assert (add["title"]["required"], add["target"]["required"], add["unit"]["required"]) == (True, True, False)
    assert add["target"]["type"] == 10
    assert "YYYY-MM-DD" in add["due"]["description"]
    show_id = goal["show"]["options"][0]
    assert (show_id["name"], show_id["type"], show_id["autocomplete"], show_id["required"]) == ("id", 4, True, True)
    log = {o["name"]: o for o in {o["name"]: o for o in commands["checkin"]["options"]}["log"]["options"]}
    assert set(log) == {"amount", "goal", "note", "blockers"}
    assert log["amount"]["type"] == 10
    assert log["goal"]["type"] == 4
    assert log["goal"]["autocomplete"] is True
    assert not any(o.get("required") for o in log.values())
    assert all("help" in {o["name"] for o in c["options"]} for c in commands.values())


# commands ----------------------------------------------------------------------------------------


async def test_coalition_create_is_announced_in_the_channel(chat: Chat) -> None:
    answer = await chat.slash("Alice", "coalition", "create", name="Clean Air", tz="Europe/Berlin")
    assert answer.callback_types == [5]
    assert "Clean Air** is created" in answer.text(public=True)
    assert "Time zone Europe/Berlin" in answer.text(public=True)
    status = await chat.slash("Alice", "coalition", "status")
    assert all(chat.fake.is_ephemeral(m) for m in status.messages)
    assert "Clean Air — status" in status.text()
    assert "1 member" in status.text()


async def test_goal_add_list_show_and_checkin_with_options(chat: Chat) -> None:
    await chat.slash("Alice", "coalition", "create", name="Clean Air")
    added = await chat.slash("Alice", "goal", "add", title="Calls to MPs", target=1000, unit="calls", due="2026-12-31")
    assert all(chat.fake.is_ephemeral(m) for m in added.messages)
    found = re.search(r"#(\d+) Calls to MPs", added.text())
    assert found is not None
    goal_id = int(found.group(1))
    logged = await chat.slash(
        "Bob", "checkin", "log", amount=40, goal=goal_id, note="phoned 40 people", blockers="no lists"
    )
    assert "Logged **40 calls** on #" in logged.text()
    assert "Blockers noted: no lists" in logged.text()
    listed = await chat.slash("Alice", "goal", "list")
    assert "40 / 1,000 calls (4%)" in listed.text()
    shown = await chat.slash("Alice", "goal", "show", id=goal_id)
    assert "40 / 1,000 calls (4%)" in shown.text()
    assert re.search(r"<t:\d+:f>", shown.text()), "check-in times are shown in each viewer's zone"
    assert "Bob" in shown.text()
    assert "phoned 40 people" in shown.text()


async def test_subcommand_groups_reach_their_subcommand(chat: Chat) -> None:
    await chat.slash("Alice", "coalition", "create", name="Clean Air")
    added = await chat.slash("Alice", "coalition", "org", "add", name="Friends of the Earth")
    assert "Friends of the Earth** joined Clean Air" in added.text()
    group = await chat.slash("Alice", "coalition", "group", "create", name="Outreach")
    assert "Outreach" in group.text()
    assert "you are in it" in group.text()
    orgs = await chat.slash("Alice", "coalition", "orgs")
    assert "Friends of the Earth — 0 members" in orgs.text()


async def test_help_answers_at_once_without_deferring(chat: Chat) -> None:
    answer = await chat.slash("Alice", "goal", "help")
    assert answer.callback_types == [4]
    assert chat.fake.is_ephemeral(answer.messages[0])
    assert "/goal add" in answer.text()


async def test_a_channel_without_coalition_gets_a_private_hint(chat: Chat) -> None:
    answer = await chat.slash("Alice", "goal", "list")
    assert all(chat.fake.is_ephemeral(m) for m in answer.messages)
    assert "not part of a coalition yet" in answer.text()


async def test_user_option_and_choice_reach_the_core(chat: Chat) -> None:
    await chat.slash("Alice", "coalition", "create", name="Clean Air")
    await chat.slash("Bob", "coalition", "join")
    bob_id = chat.user("Bob")["id"]
    answer = await chat.slash("Alice", "coalition", "role", user=bob_id, role="facilitator")
    assert "Bob is now facilitator (was member)" in answer.text()


async def test_export_sends_files(chat: Chat) -> None:
    await coalition_with_goal(chat)
    answer = await chat.slash("Alice", "coalition", "export")
    files = [name for r in chat.fake.records_for(answer.interaction_id) for name in r.files]
    assert len(files) == 2
    assert re.fullmatch(r"clean-air(-\d+)?\.json", files[0])
    assert files[1].endswith("-checkins.csv")


async def test_files_over_the_size_limit_are_left_out_with_a_note(chat: Chat) -> None:
    await coalition_with_goal(chat)
    chat.fake.attachment_size_limit = 300
    try:
        answer = await chat.slash("Alice", "coalition", "export")
    finally:
        chat.fake.attachment_size_limit = 10 * 1024 * 1024
    files = [name for r in chat.fake.records_for(answer.interaction_id) for name in r.files]
    assert files == [next(n for n in files if n.endswith("-checkins.csv"))]
    assert ".json is too large to attach here" in answer.text()


# autocomplete ------------------------------------------------------------------------------------


async def test_goal_ids_autocomplete(chat: Chat) -> None:
    await coalition_with_goal(chat)
    await chat.slash("Alice", "goal", "add", title="Letters", target=50)
    everything = await chat.complete("Alice", "goal", "show", focused="id", id="")
    assert {c["name"].split(" ", 1)[1] for c in everything} == {"Calls to MPs", "Letters"}
    assert all(isinstance(c["value"], int) for c in everything)
    letters = await chat.complete("Bob", "checkin", "log", focused="goal", goal="lett", amount=3)
    assert [c["name"].split(" ", 1)[1] for c in letters] == ["Letters"]


# forms -------------------------------------------------------------------------------------------


async def test_bare_checkin_opens_a_modal_and_records_the_submission(chat: Chat) -> None:
    await coalition_with_goal(chat)
    opened = await chat.slash("Bob", "checkin", "log")
    assert opened.callback_types == [9], "a modal must be the first answer: no deferral"
    modal = opened.modal
    fields = {c["component"]["custom_id"]: c for c in modal["components"]}
    assert list(fields) == ["goal", "amount", "note", "blockers"]
    assert fields["goal"]["component"]["type"] == 3
    assert fields["goal"]["component"]["options"][0]["default"] is True
    assert fields["amount"]["label"] == "How much?"
    goal_id = fields["goal"]["component"]["options"][0]["value"]

    done = await chat.submit("Bob", modal, {"goal": goal_id, "amount": "12", "note": "door to door"})
    assert done.callback_types[0] == 5
    assert "Logged **12 calls**" in done.text()
    status = await chat.slash("Alice", "goal", "list")
    assert "12 / 1,000 calls (1%)" in status.text()


async def test_bad_form_input_shows_errors_and_reopens_prefilled(chat: Chat) -> None:
    await coalition_with_goal(chat)
    modal = (await chat.slash("Bob", "checkin", "log")).modal
    goal_id = modal["components"][0]["component"]["options"][0]["value"]
    bad = await chat.submit("Bob", modal, {"goal": goal_id, "amount": "lots", "note": "tried"})
    assert all(chat.fake.is_ephemeral(m) for m in bad.messages)
    assert "How much?" in bad.text()
    assert "must be a number" in bad.text()
    again = await chat.click("Bob", bad.messages[-1], "Fix and resubmit")
    reopened = again.modal
    amount = next(c["component"] for c in reopened["components"] if c["component"]["custom_id"] == "amount")
    note = next(c["component"] for c in reopened["components"] if c["component"]["custom_id"] == "note")
    assert (amount["value"], note["value"]) == ("lots", "tried")
    fixed = await chat.submit("Bob", reopened, {"goal": goal_id, "amount": "7", "note": "tried"})
    assert "Logged **7 calls**" in fixed.text()
    assert "7 / 1,000 calls (1%)" in (await chat.slash("Alice", "goal", "list")).text()


async def test_a_form_after_deferral_becomes_a_button_that_opens_it(chat: Chat) -> None:
    await coalition_with_goal(chat)
    await chat.slash("Alice", "goal", "add", title="Letters", target=50)
    asked = await chat.slash("Bob", "checkin", "log", amount=5)
    assert "Several goals are open" in asked.text()
    opened = await chat.click("Bob", asked.messages[-1], "Open the form")
    amount = next(c["component"] for c in opened.modal["components"] if c["component"]["custom_id"] == "amount")
    assert amount["value"] == "5"


# buttons -----------------------------------------------------------------------------------------


async def test_connect_asks_first_and_only_the_typers_click_merges(chat: Chat) -> None:
    """``/coalition connect <code>`` from Discord: a private warning with Connect / Cancel (the code
    and who typed it travel in the button's custom_id); another person's click merges nothing."""
    from tests.support import Chat as CoreChat
    from tests.test_connect import code_in

    await chat.slash("Alice", "coalition", "create", name="Connect Air")
    link = code_in((await chat.slash("Alice", "coalition", "link")).text())
    console = CoreChat(chat.bot.core, platform="console", workspace="local", channel=f"connect-{chat.channel}")
    assert not (await console.say("alice", f"/coalition link {link}")).is_error
    await chat.slash("Bea", "coalition", "join")
    code = code_in((await console.say("bea", "/coalition connect")).plain())
    asked = await chat.slash("Bea", "coalition", "connect", code=code)
    message = asked.messages[-1]
    assert chat.fake.is_ephemeral(message)
    assert "cannot be undone" in asked.text()
    assert "Merge **Bea**" in asked.text()
    assert (await chat.slash("Alice", "coalition", "members")).text().count("Bea") == 2
    await chat.click("Carl", message, "Connect")
    assert (await chat.slash("Alice", "coalition", "members")).text().count("Bea") == 2
    clicked = await chat.click("Bea", message, "Connect")
    edited = chat.fake.messages[int(message["id"])]
    assert "Connected" in visible(edited), clicked.text()
    assert edited["components"] == []
    assert (await chat.slash("Alice", "coalition", "members")).text().count("Bea") == 1


async def test_a_button_edits_its_message_in_place(chat: Chat) -> None:
    await chat.slash("Alice", "coalition", "create", name="Clean Air")
    await chat.slash("Bob", "coalition", "join")
    offer = await chat.slash("Bob", "coalition", "forget-me")
    message = offer.messages[-1]
    clicked = await chat.click("Bob", message, "Erase my data")
    assert clicked.callback_types == [7]
    edited = chat.fake.messages[int(message["id"])]
    assert "your personal data is erased" in visible(edited)
    assert edited["components"] == []
    members = await chat.slash("Alice", "coalition", "members")
    assert "Bob" not in members.text()


async def test_a_posted_prompt_button_opens_the_form_and_selects_carry_their_choice(
    chat: Chat, bot: DiscordAdapter
) -> None:
    await coalition_with_goal(chat)
    place = Place("discord", str(chat.fake.guild_id), str(chat.channel))
    prompt = Reply.channel(
        Section(rich("Weekly check-in: how did it go?")),
        Actions(
            (Button("Check in", "checkin.open", ""), Select("checkin.open", "Which goal?", (Option("Calls", "1"),)))
        ),
    )
    ref = await bot.messenger.post(place, prompt)
    message = chat.fake.messages[int(ref.message_id)]
    opened = await chat.click("Carol", message, "Check in")
    assert opened.callback_types == [9]
    assert opened.modal["title"] == "Check in"

    real = bot.handler.core
    recording = RecordingCore(real)
    bot.handler.core = recording  # type: ignore[assignment]
    try:
        chosen = await chat.choose("Carol", message, "Which goal?", "1")
    finally:
        bot.handler.core = real
    assert [(e.action_id, e.value, e.actor.user_id) for e in recording.events] == [
        ("checkin.open", "1", chat.user("Carol")["id"])
    ]
    assert recording.events[0].place == Place(
        "discord", str(chat.fake.guild_id), str(chat.channel), message_place(chat)
    )
    assert chosen.callback_types == [9]


def message_place(chat: Chat) -> str:
    return "#" + chat.fake.channels[chat.channel]["name"]


# timing, limits, retries and safety ----------------------------------------------------------------


async def test_slow_command_defers_before_following_up(chat: Chat, bot: DiscordAdapter) -> None:
    await coalition_with_goal(chat)
    real = bot.handler.core
    gated = GatedCore(real)
    bot.handler.core = gated  # type: ignore[assignment]
    try:
        data = chat.fake.command_data("goal", ("list",), {})
        iid = await chat.fake.interact(APPLICATION_COMMAND, chat.user("Alice"), data, channel_id=chat.channel)
        await chat.fake.until(lambda: bool(chat.fake.callbacks(iid)))
        assert [r.kind for r in chat.fake.records_for(iid)] == ["callback"]
        assert chat.fake.callbacks(iid)[0].body == {"type": 5, "data": {"flags": EPHEMERAL}}
        gated.gate.set()
        answer = await chat.settle(iid)
    finally:
        bot.handler.core = real
    kinds = [r.kind for r in chat.fake.records_for(iid)]
    assert kinds == ["callback", "edit"]
    assert "0 / 1,000 calls (0%)" in answer.text()


async def test_rate_limited_callback_is_retried_and_answered_once(chat: Chat) -> None:
    await chat.slash("Alice", "coalition", "create", name="Clean Air")
    chat.fake.rate_limit_once("POST", r"^/api/v10/interactions/\d+/[^/]+/callback$", retry_after=0.0)
    limited_before = len(chat.fake.rate_limited)
    answer = await chat.slash("Alice", "coalition", "orgs")
    assert len(chat.fake.rate_limited) == limited_before + 1
    assert answer.callback_types == [5]
    assert "No organisations yet" in answer.text()


async def test_everyone_in_user_text_never_pings(chat: Chat) -> None:
    created = await chat.slash("Alice", "coalition", "create", name="@everyone **party** <@&123456789012345678>")
    await chat.slash("Alice", "goal", "add", title="@here calls", target=10)
    logged = await chat.slash("Alice", "checkin", "log", amount=1, note="hi @everyone")
    for answer in (created, logged):
        payloads = answer.payloads()
        assert payloads
        assert all(p.get("allowed_mentions") == {"parse": []} for p in payloads)
    public = created.text(public=True)
    assert "@everyone" not in public
    assert "@\u200beveryone" in public
    assert "\\*\\*party\\*\\*" in public
    assert "<@&" not in public
    assert "@here" not in logged.text()
    assert "@\u200bhere" in logged.text()


async def test_a_repeated_interaction_records_nothing_twice(chat: Chat) -> None:
    await coalition_with_goal(chat)
    data = chat.fake.command_data("checkin", ("log",), {"amount": 20})
    iid = await chat.fake.interact(APPLICATION_COMMAND, chat.user("Bob"), data, channel_id=chat.channel)
    await chat.settle(iid)
    await chat.fake.interact(APPLICATION_COMMAND, chat.user("Bob"), data, channel_id=chat.channel, interaction_id=iid)
    await chat.fake.until(lambda: bool(chat.fake.records_for(iid, "rejected")))
    await chat.bot.handler.drain()
    listed = await chat.slash("Alice", "goal", "list")
    assert "20 / 1,000 calls (2%)" in listed.text()


# the messenger (proactive messages) ----------------------------------------------------------------


async def test_messenger_posts_updates_and_sends_direct_messages(fake: FakeDiscord, bot: DiscordAdapter) -> None:
    channel = fake.add_channel("announcements")
    place = Place("discord", str(fake.guild_id), str(channel))
    chart = Attachment("chart.png", b"\x89PNG fake", "image/png")
    reply = Reply.channel(
        Section(rich("Check in now, @everyone!")),
        Image(chart, "progress chart"),
        Actions((Button("Check in", "checkin.open", "7"),)),
    )
    fake.rate_limit_once("POST", rf"^/api/v10/channels/{channel}/messages$", retry_after=0.0, is_global=True)
    ref = await bot.messenger.post(place, reply)
    posted = fake.messages[int(ref.message_id)]
    assert [r.kind for r in fake.records if r.message_id == int(ref.message_id)] == ["post"]
    assert ("POST", f"/api/v10/channels/{channel}/messages") in fake.rate_limited
    assert posted["allowed_mentions"] == {"parse": []}
    assert "@\u200beveryone" in visible(posted)
    assert posted["embeds"][-1]["image"]["url"] == "attachment://chart.png"
    assert [a["filename"] for a in posted["attachments"]] == ["chart.png"]
    assert button(posted, "Check in") == "a|checkin.open|7"

    await bot.messenger.update(ref, Reply.channel("Window closed."))
    assert visible(fake.messages[int(ref.message_id)]) == "Window closed."

    person = fake.add_user("Dana")
    dm = await bot.messenger.direct(str(fake.guild_id), person["id"], Reply.private("A private reminder"))
    assert fake.records[-1].kind == "post"
    assert "A private reminder" in visible(fake.messages[int(dm.message_id)])
    assert fake.channels[int(dm.channel)]["recipients"][0]["id"] == person["id"]


async def test_messenger_reports_a_missing_channel_as_permanent(fake: FakeDiscord, bot: DiscordAdapter) -> None:
    with pytest.raises(DeliveryError) as failure:
        await bot.messenger.post(Place("discord", str(fake.guild_id), "999"), Reply.channel("hello"))
    assert failure.value.permanent


async def test_messenger_hands_long_rate_limits_to_the_outbox(fake: FakeDiscord, bot: DiscordAdapter) -> None:
    channel = fake.add_channel("digests")
    fake.rate_limit_once("POST", rf"^/api/v10/channels/{channel}/messages$", retry_after=120.0)
    with pytest.raises(DeliveryError) as failure:
        await bot.messenger.post(Place("discord", str(fake.guild_id), str(channel)), Reply.channel("Digest"))
    assert failure.value.retry_after == 120.0
    assert not failure.value.permanent
    assert not [m for m in fake.messages.values() if m["channel_id"] == str(channel)]


async def test_with_the_gateway_off_a_process_only_sends(
    fake: FakeDiscord, bot: DiscordAdapter, sqlite_template: Path, tmp_path: Path
) -> None:
    """DISCORD_GATEWAY=off (several processes: one owns the gateway): log in, no gateway connection,
    no command sync, and outbox messages still go out over REST."""
    db = sqlite_copy(sqlite_template, tmp_path, "sender")
    config = settings(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_IDS=str(fake.guild_id),
        DISCORD_GATEWAY="off",
    )
    sender = DiscordAdapter(Core(db, build_registry(), config, ManualClock()), config)
    identifies, syncs = fake.identifies, len([r for r in fake.records if r.kind == "sync"])
    try:
        await sender.start()
        channel = fake.add_channel("from-a-sending-process")
        ref = await sender.messenger.post(Place("discord", str(fake.guild_id), str(channel)), Reply.channel("Hi"))
        assert visible(fake.messages[int(ref.message_id)]) == "Hi"
        start = datetime(2026, 12, 1, 17, tzinfo=UTC)
        event = CalendarEvent("Coalition call", "Agenda", start, start + timedelta(hours=1), "Town hall")
        assert sender.client.get_guild(fake.guild_id) is None  # no gateway, no cache: fetched over REST
        created = await sender.messenger.schedule_event(str(fake.guild_id), event)  # type: ignore[attr-defined]
        assert fake.events[int(created)]["name"] == "Coalition call"
        assert fake.identifies == identifies
        assert len([r for r in fake.records if r.kind == "sync"]) == syncs
    finally:
        await sender.stop()
        await db.dispose()


# restarts and syncing ------------------------------------------------------------------------------


async def test_restart_skips_sync_and_old_buttons_still_work(
    fake: FakeDiscord, bot: DiscordAdapter, sqlite_template: Path, tmp_path: Path
) -> None:
    db = sqlite_copy(sqlite_template, tmp_path, "restart")
    try:
        syncs = len([r for r in fake.records if r.kind == "sync"])
        first = adapter_for(fake, db)
        await connect(fake, first)
        assert len([r for r in fake.records if r.kind == "sync"]) == syncs + 1
        chat = Chat(fake, first)
        await chat.slash("Alice", "coalition", "create", name="Clean Air")
        await chat.slash("Bob", "coalition", "join")
        offer = (await chat.slash("Bob", "coalition", "forget-me")).messages[-1]
        await first.stop()

        second = adapter_for(fake, db)
        await connect(fake, second)
        assert len([r for r in fake.records if r.kind == "sync"]) == syncs + 1, "same commands: no sync"
        chat.bot = second
        clicked = await chat.click("Bob", offer, "Erase my data")
        assert "your personal data is erased" in visible(fake.messages[int(offer["id"])])
        assert clicked.callback_types == [7]
        await second.stop()

        registry = build_registry()
        registry.add(Command("ping", "Check the bot answers"))
        third = adapter_for(fake, db, registry=registry)
        await connect(fake, third)
        last = [r for r in fake.records if r.kind == "sync"][-1]
        assert len([r for r in fake.records if r.kind == "sync"]) == syncs + 2, "changed commands: sync again"
        assert "ping" in {c["name"] for c in last.body["commands"]}
        await third.stop()
    finally:
        await db.dispose()
    assert fake.connected() >= 1  # the module's bot is still connected


async def test_a_slow_button_defers_then_edits_its_message(chat: Chat, bot: DiscordAdapter) -> None:
    await chat.slash("Alice", "coalition", "create", name="Clean Air")
    await chat.slash("Bob", "coalition", "join")
    message = (await chat.slash("Bob", "coalition", "forget-me")).messages[-1]
    bot.handler.modal_budget = 0
    try:
        clicked = await chat.click("Bob", message, "Erase my data")
    finally:
        bot.handler.modal_budget = 30.0
    assert clicked.callback_types == [6]
    assert [r.kind for r in chat.fake.records_for(clicked.interaction_id)] == ["callback", "edit"]
    assert "your personal data is erased" in visible(chat.fake.messages[int(message["id"])])


async def test_an_unexpected_failure_is_answered_with_a_private_apology(chat: Chat, bot: DiscordAdapter) -> None:
    real = bot.handler.core
    bot.handler.core = BrokenCore(real)  # type: ignore[assignment]
    try:
        answer = await chat.slash("Alice", "goal", "list")
    finally:
        bot.handler.core = real
    assert all(chat.fake.is_ephemeral(m) for m in answer.messages)
    assert "Sorry, something went wrong" in answer.text()


async def test_serve_builds_the_discord_adapter_and_a_bad_token_fails_fast(fake: FakeDiscord, bot_db: Database) -> None:
    from bot.core.errors import ConfigError
    from bot.server import make_adapters

    config = settings(DISCORD_TOKEN="wrong", DISCORD_API_URL=fake.api_url, DISCORD_GATEWAY_URL=fake.gateway_url)
    adapters = make_adapters(Core(bot_db, build_registry(), config), config)
    assert [(a.platform, a.routes()) for a in adapters] == [("discord", [])]
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await adapters[0].start()


# the runtime ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_coalition_bot_serve_connects_discord_and_stops_cleanly(fake: FakeDiscord, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_GUILD_IDS": str(fake.guild_id),
        "LOG_LEVEL": "WARNING",
    }
    before = fake.identifies
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake.until(lambda: fake.identifies > before)
        alice = fake.add_user("Alice")
        iid = await fake.interact(APPLICATION_COMMAND, alice, fake.command_data("goal", ("help",), {}))
        await fake.until(lambda: bool(fake.callbacks(iid)))
        assert "/goal add" in "\n".join(visible(m) for m in fake.messages_of(iid))
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()[-2000:]


# proactive messages through the outbox -------------------------------------------------------------


async def test_unity_statement_is_posted_signed_by_button_and_updated_in_place(
    chat: Chat, bot: DiscordAdapter, bot_db: Database
) -> None:
    from bot.delivery.dispatcher import Dispatcher

    outbox = Dispatcher(bot_db, {"discord": bot.messenger}, clock=bot.handler.core.clock)
    await chat.slash("Alice", "coalition", "create", name="Unity Discord")
    await chat.slash("Bob", "coalition", "join", org="Acme Trust")
    await chat.slash("Alice", "unity", "draft", text="We stand together, @everyone.")
    published = await chat.slash("Alice", "unity", "publish")
    assert "Published **v1**" in published.text()
    assert await outbox.drain() == 1
    [statement] = [
        m
        for m in chat.fake.messages.values()
        if m["channel_id"] == str(chat.channel) and "Sign for my organisation" in visible(m)
    ]
    assert "No organisation has signed yet" in visible(statement)
    assert statement["allowed_mentions"] == {"parse": []}

    opened = await chat.click("Bob", statement, "Sign for my organisation")
    assert opened.callback_types == [9]
    modal = opened.modal
    org = modal["components"][0]["component"]
    acme = next(o["value"] for o in org["options"] if o["label"] == "Acme Trust")
    signed = await chat.submit("Bob", modal, {"org": acme, "name": "Bob Ray", "title": "Director", "authorised": "yes"})
    assert "Signed **v1** for Acme Trust" in signed.text()
    assert await outbox.drain() == 1
    edited = chat.fake.messages[int(statement["id"])]
    assert "**Signed by 1 organisation:** Acme Trust." in visible(edited)

    again = await chat.click("Carol", edited, "Sign for my organisation")
    duplicate = await chat.submit(
        "Carol", again.modal, {"org": acme, "name": "Carol", "title": "CEO", "authorised": "yes"}
    )
    assert "Acme Trust already signed" in duplicate.text()
    assert "Bob Ray (Director)" in duplicate.text()
