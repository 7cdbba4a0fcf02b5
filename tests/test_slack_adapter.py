"""The Slack adapter end to end: signed requests over HTTP to the running app (uvicorn on a free
port), Bolt unmodified, every Web API call and response_url answer going to the loopback fake.

One fake and one running app serve the module; each test works in its own channel with its own
people, so tests share no coalition.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from bot.adapters.slack.app import SlackAdapter
from bot.adapters.slack.manifest import render as render_manifest
from bot.commands import build_registry
from bot.commands.home import home_view
from bot.core.clock import ManualClock
from bot.core.context import Place
from bot.core.delivery import DeliveryError
from bot.core.dispatch import Core
from bot.core.intake import _arrival as intake_arrival
from bot.core.ui import Actions, Button, ButtonStyle, Reply, Section, rich
from bot.store.db import Database
from bot.store.models import Checkin, Identity
from tests.fakes.apps import bot_database, slack_bot, started
from tests.fakes.slack_api import JSON, FakeSlack, Running, SlackSide, block_text, free_socket, number, sign
from tests.support import settings

SECRET = "test-signing-secret-0123456789abcdef"
MANIFEST = Path(__file__).resolve().parent.parent / "slack" / "manifest.yml"


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as server:
        yield server


@pytest.fixture(scope="module")
async def bot_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with bot_database(sqlite_template, tmp_path_factory.mktemp("slack")) as db:
        yield db


@pytest.fixture(scope="module")
async def bot(fake: FakeSlack, bot_db: Database) -> AsyncIterator[tuple[SlackAdapter, Running]]:
    async with slack_bot(fake, bot_db, build_registry(), SECRET) as served:
        yield served


@dataclass
class Said:
    """What the bot answered to one request."""

    fake: FakeSlack
    body: JSON
    status: int
    content: bytes

    @property
    def responses(self) -> list[JSON]:
        return self.fake.responses_of(self.body["response_url"]) if "response_url" in self.body else []

    @property
    def message(self) -> JSON:
        """The last message answered through the response_url, with a ts to click on."""
        key = self.body["response_url"].rsplit("/", 1)[1]
        shown = [m for m in self.fake.ephemeral if m.get("response_key") == key]
        assert shown, f"no answer; responses: {self.responses}"
        return shown[-1]

    @property
    def modal(self) -> JSON:
        views = [v for v in self.fake.views if v["trigger_id"] == self.body.get("trigger_id")]
        assert views, f"no modal opened: {self.text()}"
        return views[0]

    def text(self) -> str:
        return "\n".join(block_text(r.get("blocks", [])) for r in self.responses)


@dataclass
class Chat:
    fake: FakeSlack
    side: SlackSide
    adapter: SlackAdapter
    channel: str

    async def say(self, user: str, line: str, **options: Any) -> Said:
        body = self.side.command_body(user, line, channel=self.channel)
        return await self.send_command(body, **options)

    async def send_command(self, body: JSON, **options: Any) -> Said:
        response = await self.side.command(body, **options)
        assert response.status_code == 200, response.text
        assert response.content == b"", "a command is acknowledged with an empty body"
        await self.settle()
        return Said(self.fake, body, response.status_code, response.content)

    async def interact(self, payload: JSON, **options: Any) -> Said:
        response = await self.side.interaction(payload, **options)
        assert response.status_code == 200, response.text
        await self.settle()
        return Said(self.fake, payload, response.status_code, response.content)

    async def settle(self) -> None:
        await self.adapter.drain()
        self.fake.check()


def person(fake: FakeSlack, name: str, team: str = "T0001") -> str:
    return fake.add_user(f"U{name.upper()}{number()}", name, team)


@pytest.fixture
async def chat(fake: FakeSlack, bot: tuple[SlackAdapter, Running]) -> AsyncIterator[Chat]:
    adapter, running = bot
    side = SlackSide(fake, running.url, SECRET)
    yield Chat(fake, side, adapter, f"C{number():06d}")
    await side.aclose()


async def coalition_with_goal(chat: Chat, alice: str) -> str:
    """A coalition in the chat's channel with one goal; the goal's id."""
    await chat.say(alice, '/coalition create "Clean Air"')
    added = await chat.say(alice, '/goal add "Calls" target=1000 unit=calls')
    found = re.search(r"#(\d+)", added.text())
    assert found, added.text()
    return found.group(1)


# the signature -------------------------------------------------------------------------------------

SLACK_EXAMPLE_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_requests_are_signed_as_in_slacks_published_example() -> None:
    secret, stamp = "8f742231b10e8888abcd99yyyzzz85a5", "1531420618"
    assert sign(secret, stamp, SLACK_EXAMPLE_BODY) == SLACK_EXAMPLE_SIGNATURE
    verifier = SignatureVerifier(secret, clock=type("At", (), {"now": lambda self: 1531420618.0})())
    assert verifier.is_valid(SLACK_EXAMPLE_BODY, stamp, SLACK_EXAMPLE_SIGNATURE)


async def test_bad_signature_and_stale_timestamp_are_rejected(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    body = chat.side.command_body(alice, '/coalition create "Forged"', channel=chat.channel)
    forged = await chat.side.command(body, secret="not-the-secret")
    stale_stamp = str(int(chat.side.now()) - 6 * 60)
    stale = await chat.side.command(body, timestamp=stale_stamp)
    assert (forged.status_code, stale.status_code) == (401, 401)
    await chat.settle()
    assert chat.fake.responses_of(body["response_url"]) == []


# commands ------------------------------------------------------------------------------------------


async def test_coalition_commands_answer_in_channel_or_privately(chat: Chat) -> None:
    alice, bob = person(chat.fake, "Alice"), person(chat.fake, "Bob")
    created = await chat.say(alice, '/coalition create "Clean Air" tz=Europe/Berlin')
    assert created.responses[0]["response_type"] == "in_channel"
    assert "Clean Air" in created.text()
    joined = await chat.say(bob, "/coalition join org=Acme")
    assert "Acme" in joined.text()
    org = await chat.say(alice, '/coalition org add "River Trust"')
    assert "River Trust" in org.text()
    orgs = await chat.say(bob, "/coalition orgs")
    assert "Acme" in orgs.text()
    assert "River Trust" in orgs.text()
    members = await chat.say(alice, "/coalition members")
    assert "Alice" in members.text()
    assert "Bob" in members.text()
    status = await chat.say(bob, "/coalition status")
    assert status.responses[0]["response_type"] == "ephemeral"
    assert "Clean Air — status" in status.text()
    unknown = await chat.say(bob, "/coalition frobnicate")
    assert "has no subcommand" in unknown.text()
    assert unknown.responses[0]["response_type"] == "ephemeral"


async def test_goal_family_and_a_chart_uploaded_privately(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    await chat.say(alice, '/coalition create "Goals"')
    added = await chat.say(alice, '/goal add "Calls" target=1000 unit=calls due=2026-03-01')
    assert "Calls" in added.text()
    await chat.say(alice, "/checkin 40")
    listed = await chat.say(alice, "/goal list")
    assert "40 / 1,000 calls (4%)" in listed.text()
    uploads_before = len(chat.fake.calls_to("files.completeUploadExternal"))
    shown = await chat.say(alice, "/goal show 1")
    assert "sent as a file" in shown.text()
    [complete] = chat.fake.calls_to("files.completeUploadExternal")[uploads_before:]
    assert complete.args["channel_id"] == f"D{alice}", "a private chart goes to a direct message"
    [uploaded] = [f for f in chat.fake.files.values() if f["channels"] == [f"D{alice}"] and f["uploaded"]]
    assert uploaded["uploaded"].startswith(b"\x89PNG")
    closed = await chat.say(alice, "/goal close 1")
    assert "closed" in closed.text().lower()
    helped = await chat.say(alice, "/goal help")
    assert "/goal add" in helped.text()


async def test_checkin_modal_round_trip_with_field_errors(chat: Chat) -> None:
    alice, bob = person(chat.fake, "Alice"), person(chat.fake, "Bob")
    goal = await coalition_with_goal(chat, alice)
    opened = await chat.say(bob, "/checkin")
    modal = opened.modal
    assert modal["callback_id"] == "coalition_bot.form"
    assert opened.responses == []
    inputs = {b["block_id"]: b for b in modal["blocks"]}
    assert "amount" in inputs
    bad = await chat.interact(chat.side.submit_payload(bob, modal, {"goal": goal, "amount": "lots"}))
    answer = json.loads(bad.content)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"amount"}
    good = await chat.interact(chat.side.submit_payload(bob, modal, {"goal": goal, "amount": "12", "note": "phoned"}))
    assert good.content == b"", "a good submission closes the modal"
    answered = chat.fake.responses_of(opened.body["response_url"])
    assert "12 / 1,000 calls (1%)" in block_text(answered[-1]["blocks"])


async def test_a_form_that_opens_too_late_becomes_a_button_that_opens_it(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    await coalition_with_goal(chat, alice)
    body = chat.side.command_body(alice, "/checkin", channel=chat.channel)
    body["trigger_id"] = "expired.trigger"
    late = await chat.send_command(body)
    assert "Open the form" in late.text()
    opened = await chat.interact(chat.side.click_payload(alice, late.message, "Open the form", ephemeral=True))
    [modal] = [v for v in chat.fake.views if v["trigger_id"] == opened.body["trigger_id"]]
    assert modal["callback_id"] == "coalition_bot.form"


async def test_a_slow_form_closes_the_modal_and_answers_afterwards(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    goal = await coalition_with_goal(chat, alice)
    opened = await chat.say(alice, "/checkin")
    chat.adapter.interactions.form_budget = 0.0  # the core "takes too long" for the ack
    try:
        done = await chat.interact(chat.side.submit_payload(alice, opened.modal, {"goal": goal, "amount": "7"}))
    finally:
        chat.adapter.interactions.form_budget = 2.5
    assert done.content == b""
    assert "7 / 1,000 calls" in block_text(chat.fake.responses_of(opened.body["response_url"])[-1]["blocks"])


async def test_a_retried_command_and_a_double_submit_record_nothing_twice(chat: Chat, bot_db: Database) -> None:
    alice, bob = person(chat.fake, "Alice"), person(chat.fake, "Bob")
    goal = await coalition_with_goal(chat, alice)
    body = chat.side.command_body(bob, '/checkin 20 "first"', channel=chat.channel)
    await chat.send_command(body)
    again = await chat.send_command(body, retry=1)
    assert "Already done" in again.text()
    opened = await chat.say(bob, "/checkin")
    submit = chat.side.submit_payload(bob, opened.modal, {"goal": goal, "amount": "5"})
    await chat.interact(submit)
    await chat.interact(submit)
    listed = await chat.say(alice, "/goal list")
    assert "25 / 1,000 calls" in listed.text()
    async with bot_db.session() as session:
        notes = (await session.exec(select(Checkin.note).where(Checkin.note == "first"))).all()
    assert len(notes) == 1


async def test_a_button_replaces_its_ephemeral_message_once_even_on_a_double_click(chat: Chat) -> None:
    alice, bob = person(chat.fake, "Alice"), person(chat.fake, "Bob")
    await chat.say(alice, '/coalition create "Forgetful"')
    await chat.say(bob, "/coalition join")
    asked = await chat.say(bob, "/coalition forget-me")
    click = chat.side.click_payload(bob, asked.message, "Erase my data", channel=chat.channel, ephemeral=True)
    done = await chat.interact(click)
    [replaced] = done.responses
    assert replaced["replace_original"] is True
    assert "personal data is erased" in block_text(replaced["blocks"])
    twice = chat.side.click_payload(bob, asked.message, "Erase my data", channel=chat.channel, ephemeral=True)
    twice["actions"][0]["action_ts"] = click["actions"][0]["action_ts"]
    second = await chat.interact(twice)
    assert "Already done" in block_text(second.responses[0]["blocks"])


async def test_a_button_on_a_channel_message_updates_it_with_chat_update(chat: Chat) -> None:
    alice, bob = person(chat.fake, "Alice"), person(chat.fake, "Bob")
    await chat.say(alice, '/coalition create "Updates"')
    await chat.say(bob, "/coalition join")
    reply = Reply.channel(
        Section(rich("Erase?")), Actions((Button("Erase my data", "coalition.forget", "yes", ButtonStyle.DANGER),))
    )
    ref = await chat.adapter.messenger.post(Place("slack", "T0001", chat.channel), reply)
    posted = chat.fake.messages[ref.message_id]
    await chat.interact(chat.side.click_payload(bob, posted, "Erase my data", channel=chat.channel))
    assert posted.get("edited") is True
    assert "personal data is erased" in block_text(posted["blocks"])


async def test_user_text_never_pings_or_formats(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    await chat.say(alice, '/coalition create "<!channel> crew"')
    added = await chat.say(alice, '/goal add "@here *now* <@U999> <!everyone> <https://evil.test|x>" target=10')
    sent = chat.fake.everything_sent()
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<https://evil.test"):
        assert ping not in sent
    shown = added.text()
    assert "&lt;!everyone&gt;" in shown
    assert "@\u2060here" in shown
    assert "*now*" not in shown


async def test_a_slack_connect_user_keeps_their_own_workspace(chat: Chat, bot_db: Database) -> None:
    alice = person(chat.fake, "Alice")
    guest = person(chat.fake, "Gita", team="T0EXTERNAL")
    await chat.say(alice, '/coalition create "Shared"')
    joined = await chat.say(guest, "/coalition join org=Partners")
    assert "Partners" in joined.text()
    async with bot_db.session() as session:
        identity = (await session.exec(select(Identity).where(Identity.user_id == guest))).one()
    assert (identity.platform, identity.workspace) == ("slack", "T0EXTERNAL")
    members = await chat.say(alice, "/coalition members")
    assert "Gita" in members.text()


async def test_app_home_shows_the_inbox_of_each_coalition(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    await coalition_with_goal(chat, alice)
    await chat.say(alice, "/checkin 250")
    response = await chat.side.event({"type": "app_home_opened", "user": alice, "tab": "home"})
    assert response.status_code == 200
    await chat.settle()
    home = chat.fake.home[alice]
    shown = block_text(home["blocks"])
    assert "Clean Air" in shown
    assert "Your inbox" in shown
    assert "Your role: steering." in shown
    stranger = person(chat.fake, "Sam")
    await chat.side.event({"type": "app_home_opened", "user": stranger, "tab": "home"})
    await chat.settle()
    assert "coalition create" in block_text(chat.fake.home[stranger]["blocks"])


async def test_a_retried_event_is_acknowledged_and_ignored(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    retried = await chat.side.event({"type": "app_home_opened", "user": alice, "tab": "home"}, retry=1)
    assert retried.status_code == 200
    await chat.settle()
    assert alice not in chat.fake.home


async def test_people_are_looked_up_once_and_cached(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    await chat.say(alice, '/coalition create "Cache"')
    await chat.say(alice, "/coalition orgs")
    looked_up = [c for c in chat.fake.calls_to("users.info") if c.args.get("user") == alice]
    assert len(looked_up) == 1


# the messenger ---------------------------------------------------------------------------------------


async def test_messenger_posts_with_outbox_metadata_updates_and_sends_direct_messages(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    messenger = chat.adapter.messenger
    place = Place("slack", "T0001", chat.channel)
    long = Reply.channel(*[Section(rich(f"line {n}")) for n in range(70)])
    ref = await messenger.post(place, long, outbox_key="digest:7")  # type: ignore[call-arg]
    first = chat.fake.messages[ref.message_id]
    assert first["metadata"] == {"event_type": "coalition_bot_outbox", "event_payload": {"key": "digest:7"}}
    assert len(first["blocks"]) == 50
    assert [m for m in chat.fake.messages.values() if m["channel"] == chat.channel and len(m["blocks"]) == 20]
    await messenger.update(ref, Reply.channel("changed"))
    assert block_text(chat.fake.messages[ref.message_id]["blocks"]) == "changed"
    dm = await messenger.direct("T0001", alice, Reply.private("psst"))
    assert dm.channel == f"D{alice}"


async def test_messenger_finds_what_it_sent_by_key_in_channels_and_direct_messages(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    messenger = chat.adapter.messenger
    place = Place("slack", "T0001", f"C{number():06d}")
    sent = await messenger.post(place, Reply.channel("prompt"), outbox_key="k-channel")  # type: ignore[call-arg]
    for n in range(120):  # newer chatter pushes it onto the second page of history
        await messenger.post(place, Reply.channel(f"chatter {n}"))
    assert await messenger.find(place, "k-channel") == sent
    assert await messenger.find(place, "k-never-sent") is None
    dm = await messenger.direct("T0001", alice, Reply.private("reminder"), outbox_key="k-dm")  # type: ignore[call-arg]
    assert await messenger.find(Place("slack", "T0001", alice), "k-dm") == dm
    assert await messenger.find(Place("slack", "T0001", alice), "k-channel") is None
    with pytest.raises(DeliveryError):  # the outbox then sends again rather than lose the message
        await messenger.find(Place("slack", "T0001", "CGONE"), "k-channel")


async def test_messenger_waits_out_a_short_rate_limit(chat: Chat) -> None:
    before = len(chat.fake.calls_to("chat.postMessage"))
    chat.fake.fail_next("chat.postMessage", 429, retry_after=0)
    ref = await chat.adapter.messenger.post(Place("slack", "T0001", chat.channel), Reply.channel("after a pause"))
    assert ref.message_id in chat.fake.messages
    assert len(chat.fake.calls_to("chat.postMessage")) - before == 2


async def test_messenger_errors_for_the_outbox(chat: Chat) -> None:
    messenger = chat.adapter.messenger
    chat.fake.fail_next("chat.postMessage", 429, retry_after=120)
    with pytest.raises(DeliveryError) as limited:
        await messenger.post(Place("slack", "T0001", chat.channel), Reply.channel("x"))
    assert limited.value.retry_after == 120
    with pytest.raises(DeliveryError) as gone:
        await messenger.post(Place("slack", "T0001", "CGONE"), Reply.channel("x"))
    assert gone.value.permanent
    chat.fake.fail_next("chat.postMessage", 500, times=2)
    with pytest.raises(DeliveryError) as broken:
        await messenger.post(Place("slack", "T0001", chat.channel), Reply.channel("x"))
    assert not broken.value.permanent
    assert broken.value.retry_after is None


async def test_an_interactive_answer_survives_a_rate_limit(chat: Chat) -> None:
    alice = person(chat.fake, "Alice")
    await chat.say(alice, '/coalition create "Limits"')
    await chat.say(alice, '/goal add "Calls" target=10')
    chat.fake.fail_next("views.open", 429, retry_after=0)
    opened = await chat.say(alice, "/checkin")
    assert opened.modal["title"]["text"]


async def test_a_published_statement_is_signed_by_button_and_updated_in_place(chat: Chat, bot_db: Database) -> None:
    from sqlmodel import select

    from bot.delivery.dispatcher import Dispatcher, delivery_key
    from bot.store.outbox_models import OutboxMessage

    outbox = Dispatcher(bot_db, {"slack": chat.adapter.messenger}, clock=chat.adapter.core.clock)
    alice, bob = person(chat.fake, "Alice"), person(chat.fake, "Bob")
    await chat.say(alice, '/coalition create "Unity Slack"')
    await chat.say(bob, '/coalition join org="Acme Trust"')
    await chat.say(alice, '/unity draft "We stand together, <!channel>."')
    published = await chat.say(alice, "/unity publish")
    assert "Published" in published.text()
    assert await outbox.drain() >= 1
    [statement] = [
        m
        for m in chat.fake.messages.values()
        if m["channel"] == chat.channel and "Sign for my organisation" in block_text(m["blocks"])
    ]
    assert "<!channel>" not in json.dumps(statement)
    key = statement["metadata"]["event_payload"]["key"]  # the outbox row's delivery key travels with it
    async with bot_db.session() as session:
        rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.message_id == statement["ts"]))).all()
    assert [delivery_key(row) for row in rows] == [key]
    assert rows[0].key.startswith("unity:publish:")
    opened = await chat.interact(
        chat.side.click_payload(bob, statement, "Sign for my organisation", channel=chat.channel)
    )
    [modal] = [v for v in chat.fake.views if v["trigger_id"] == opened.body["trigger_id"]]
    values = {"org": "Acme Trust", "name": "Bob Ray", "title": "Director", "authorised": "yes"}
    signed = await chat.interact(chat.side.submit_payload(bob, modal, values))
    assert signed.content == b""
    assert await outbox.drain() >= 1
    assert statement.get("edited") is True
    assert "Acme Trust" in block_text(statement["blocks"])


# Socket Mode -------------------------------------------------------------------------------------------


async def test_socket_mode_takes_commands_over_the_websocket(fake: FakeSlack, bot_db: Database) -> None:
    app_token = next(iter(fake.app_tokens))
    config = settings(SLACK_BOT_TOKEN=fake.teams["T0001"].token, SLACK_APP_TOKEN=app_token, SLACK_API_URL=fake.api_url)
    adapter = SlackAdapter(Core(bot_db, build_registry(), config, ManualClock(), home=home_view), config)
    assert adapter.routes() == [], "no HTTP endpoint to verify: the socket is authenticated by the app token"
    intake = adapter.interactions.intake
    stamped: list[float | None] = []
    receive = intake.receive

    async def seen(*args: Any, **kwargs: Any) -> Any:
        stamped.append(intake_arrival.get())  # when the request came off the socket
        return await receive(*args, **kwargs)

    intake.receive = seen  # type: ignore[method-assign]
    await adapter.start()
    try:
        await fake.until(lambda: bool(fake.sockets))
        side = SlackSide(fake, "http://unused", "")
        body = side.command_body(person(fake, "Sol"), '/coalition create "Over the socket"', channel=f"C{number():06d}")
        envelope = await fake.push("slash_commands", body)
        await fake.until(lambda: any(a.get("envelope_id") == envelope for a in fake.socket_acks))
        await adapter.drain()
        assert "Over the socket" in block_text(fake.responses_of(body["response_url"])[0]["blocks"])
        assert len(stamped) == 1
        assert stamped[0] is not None  # its acknowledgement's clock started as it came off the socket
    finally:
        await adapter.stop()
    await fake.until(lambda: not fake.sockets)


# deployment ------------------------------------------------------------------------------------------


def test_manifest_declares_every_registry_command() -> None:
    registry = build_registry()
    written = MANIFEST.read_text()
    assert written == render_manifest(registry), "run: python -m bot.adapters.slack.manifest > slack/manifest.yml"
    declared = {line.split('"')[1].lstrip("/") for line in written.splitlines() if "- command:" in line}
    assert declared == {c.name for c in registry}


async def test_coalition_bot_serve_answers_slack(fake: FakeSlack, tmp_path: Path) -> None:
    port = free_socket().getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "SLACK_BOT_TOKEN": fake.teams["T0001"].token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DISCORD_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client, asyncio.timeout(30):
            while True:
                try:
                    health = await client.get(f"{url}/healthz")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
        assert health.json()["platforms"] == ["slack"]
        side = SlackSide(fake, url, SECRET)
        body = side.command_body(person(fake, "Ola"), "/goal help")
        assert (await side.command(body)).status_code == 200
        await side.aclose()
        await fake.until(lambda: bool(fake.responses_of(body["response_url"])))
        assert "/goal add" in block_text(fake.responses_of(body["response_url"])[0]["blocks"])
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()[-2000:]


async def test_settings_fail_fast_without_a_signing_secret(bot_db: Database) -> None:
    from bot.core.errors import ConfigError

    config = settings(SLACK_BOT_TOKEN="xoxb-1")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(Core(bot_db, build_registry(), config, ManualClock(), home=home_view), config)
