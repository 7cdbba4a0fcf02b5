"""One coalition across a Slack workspace and a Discord server, both fakes running at once: a unity
statement published from Slack reaches both channels through the outbox, and a signature made on
either platform updates every posted copy on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.adapters.discord.app import DiscordAdapter
from bot.adapters.slack.app import SlackAdapter
from bot.commands import build_registry
from bot.commands.home import home_view
from bot.core.clock import ManualClock
from bot.core.dispatch import Core
from bot.delivery.dispatcher import Dispatcher
from bot.store.outbox_models import OutboxMessage
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_api import JSON, FakeSlack, Running, SlackSide, block_text, number, run_app
from tests.support import link_code_in, settings, sqlite_copy
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import connect, visible
from tests.test_slack_adapter import SECRET, person
from tests.test_slack_adapter import Chat as SlackChat

Both = tuple[SlackChat, DiscordChat, Dispatcher]


@pytest.fixture(scope="module")
async def both(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[SlackChat, DiscordChat, Dispatcher]]:
    db = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("both"), "bot")
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    config = settings(
        SLACK_BOT_TOKEN=slack.teams["T0001"].token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        DISCORD_TOKEN=discord.token,
        DISCORD_API_URL=discord.api_url,
        DISCORD_GATEWAY_URL=discord.gateway_url,
        DISCORD_GUILD_IDS=str(discord.guild_id),
    )
    core = Core(db, build_registry(), config, ManualClock(), home=home_view)
    slack_adapter = SlackAdapter(core, config)
    discord_adapter = DiscordAdapter(core, config, modal_budget=30.0)
    running: Running = await run_app(core, slack_adapter)
    await connect(discord, discord_adapter)
    side = SlackSide(slack, running.url, SECRET)
    outbox = Dispatcher(db, {"slack": slack_adapter.messenger, "discord": discord_adapter.messenger}, clock=core.clock)
    try:
        yield (
            SlackChat(slack, side, slack_adapter, f"C{number():06d}"),
            DiscordChat(discord, discord_adapter),
            outbox,
        )
    finally:
        await side.aclose()
        await running.stop()
        await slack_adapter.stop()
        await discord_adapter.stop()
        await slack.close()
        await discord.close()
        await db.dispose()


def fresh_channels(both: Both) -> tuple[SlackChat, DiscordChat]:
    """Chats over the module's fakes in a new Slack channel and a new Discord channel, so that a
    test's coalition is its own."""
    first_slack, first_discord, _ = both
    return (
        SlackChat(first_slack.fake, first_slack.side, first_slack.adapter, f"C{number():06d}"),
        DiscordChat(first_discord.fake, first_discord.bot),
    )


async def link_discord(slack: SlackChat, founder: str, discord: DiscordChat, linker: str = "Dana") -> str:
    """``founder`` asks for the link code of the Slack channel's coalition and ``linker`` links the
    Discord channel with it; the text of the bot's answer to the link."""
    code = link_code_in((await slack.say(founder, "/coalition link")).text())
    return (await discord.slash(linker, "coalition", "link", code=code)).text()


async def test_a_statement_signed_on_either_platform_updates_both(
    both: tuple[SlackChat, DiscordChat, Dispatcher],
) -> None:
    slack, discord, outbox = both
    alice, bob = person(slack.fake, "Alice"), person(slack.fake, "Bob")
    await slack.say(alice, '/coalition create "Both Platforms"')
    assert "Both Platforms" in await link_discord(slack, alice, discord)
    await slack.say(bob, '/coalition join org="Acme Trust"')
    await discord.slash("Erin", "coalition", "join", org="River Trust")

    await slack.say(alice, '/unity draft "Clean air for all, on every platform."')
    await slack.say(alice, "/unity publish")
    assert await outbox.drain() == 2  # one copy in the Slack channel, one in the Discord channel
    [on_slack] = [
        m
        for m in slack.fake.messages.values()
        if m["channel"] == slack.channel and "Sign for my" in block_text(m["blocks"])
    ]
    [on_discord] = [
        m
        for m in discord.fake.messages.values()
        if m["channel_id"] == str(discord.channel) and "Sign for my organisation" in visible(m)
    ]
    assert "Clean air for all" in visible(on_discord)

    # Erin signs on Discord: both copies list River Trust.
    opened = await discord.click("Erin", on_discord, "Sign for my organisation")
    org = opened.modal["components"][0]["component"]
    river = next(o["value"] for o in org["options"] if o["label"] == "River Trust")
    await discord.submit(
        "Erin", opened.modal, {"org": river, "name": "Erin Moss", "title": "Chair", "authorised": "yes"}
    )
    assert await outbox.drain() == 2
    assert "River Trust" in visible(discord.fake.messages[int(on_discord["id"])])
    assert "River Trust" in block_text(on_slack["blocks"])

    # Bob signs on Slack: both copies list both organisations.
    opened_slack = await slack.interact(
        slack.side.click_payload(bob, on_slack, "Sign for my organisation", channel=slack.channel)
    )
    [modal] = [v for v in slack.fake.views if v["trigger_id"] == opened_slack.body["trigger_id"]]
    await slack.interact(
        slack.side.submit_payload(
            bob, modal, {"org": "Acme Trust", "name": "Bob", "title": "Director", "authorised": "yes"}
        )
    )
    assert await outbox.drain() == 2
    assert "Signed by 2 organisations" in block_text(on_slack["blocks"])
    assert "River Trust, Acme Trust" in visible(discord.fake.messages[int(on_discord["id"])])  # in signing order


async def published_on_both(
    both: tuple[SlackChat, DiscordChat, Dispatcher], name: str, statement: str
) -> tuple[SlackChat, DiscordChat, Dispatcher]:
    """A new coalition in a fresh Slack channel and a fresh Discord channel, with a statement
    published (one outbox post queued for each channel, not yet sent)."""
    slack, discord = fresh_channels(both)
    outbox = both[2]
    carol = person(slack.fake, "Carol")
    await slack.say(carol, f'/coalition create "{name}"')
    assert name in await link_discord(slack, carol, discord)
    await slack.say(carol, f'/unity draft "{statement}"')
    await slack.say(carol, "/unity publish")
    return slack, discord, outbox


def copies(slack: SlackChat, discord: DiscordChat, text: str) -> tuple[list[JSON], list[JSON]]:
    on_slack = [
        m for m in slack.fake.messages.values() if m["channel"] == slack.channel and text in block_text(m["blocks"])
    ]
    on_discord = [
        m for m in discord.fake.messages.values() if m["channel_id"] == str(discord.channel) and text in visible(m)
    ]
    return on_slack, on_discord


async def test_429s_server_errors_and_dropped_connections_on_both_platforms_still_deliver_once(
    both: tuple[SlackChat, DiscordChat, Dispatcher],
) -> None:
    """Real HTTP through slack_sdk and discord.py: long 429s wait their Retry-After without counting
    as failures; a 502/503 and a connection dropped unanswered retry with backoff (virtual time)."""
    slack, discord, outbox = await published_on_both(both, "Rough Weather", "Delivered through the storm.")
    slack.fake.fail_next("chat.postMessage", 429, retry_after=120)
    slack.fake.fail_next("chat.postMessage", 502)
    route = rf"^/api/v10/channels/{discord.channel}/messages$"
    discord.fake.rate_limit_once("POST", route, retry_after=120.0)
    discord.fake.fail_once("POST", route, 503)
    discord.fake.drop_once("POST", route)
    clock = outbox.clock
    assert isinstance(clock, ManualClock)

    async def virtual_sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    worker = Dispatcher(outbox.db, outbox.messengers, clock=clock, sleep=virtual_sleep)
    waits: list[float] = []
    for _ in range(10):
        await worker.drain()
        async with outbox.db.session() as session:
            waiting = (
                await session.exec(select(OutboxMessage).where(col(OutboxMessage.status).in_(["pending", "sending"])))
            ).all()
        if not waiting:
            break
        next_try = min(row.not_before for row in waiting)
        waits.append((next_try - clock.now()).total_seconds())
        clock.set(next_try)

    on_slack, on_discord = copies(slack, discord, "Delivered through the storm")
    assert len(on_slack) == 1
    assert len(on_discord) == 1
    assert [status for _, _, status in discord.fake.failed] == [503, 0]
    assert max(waits) >= 119  # a long Retry-After is waited out, not retried early
    assert worker.stats.rate_limited == 2
    async with outbox.db.session() as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.message_id).in_([on_slack[0]["ts"], on_discord[0]["id"]]))
            )
        ).all()
    assert sorted((r.platform, r.status, r.attempts) for r in rows) == [
        ("discord", "sent", 2),  # the 503 and the dropped connection; the 429 is not a failure
        ("slack", "sent", 1),  # the 502
    ]


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the dispatcher may swallow it)."""


async def test_a_crash_after_the_platform_accepted_never_posts_twice_on_either_platform(
    both: tuple[SlackChat, DiscordChat, Dispatcher],
) -> None:
    """Each copy is accepted by its platform and the process dies before recording it. After the
    lease, Slack's copy is found again by its metadata key (conversations.history) and Discord's
    resend carries the same enforced nonce, so Discord hands back the message it already has."""
    slack, discord, outbox = await published_on_both(both, "Crash Safe", "Every message once.")

    died_on: set[int] = set()

    async def die_once_per_message(row: OutboxMessage) -> None:  # after the platform accepted it
        assert row.id is not None
        if row.id not in died_on:
            died_on.add(row.id)
            raise Crash

    def process(**options: object) -> Dispatcher:
        return Dispatcher(outbox.db, outbox.messengers, clock=outbox.clock, concurrency=1, **options)  # type: ignore[arg-type]

    for _ in range(2):  # each round: one copy accepted, then the process dies; then the lease runs out
        with pytest.raises(BaseExceptionGroup) as died:
            await process(on_send=die_once_per_message).drain()
        assert died.group_contains(Crash)
        assert isinstance(outbox.clock, ManualClock)
        outbox.clock.advance(timedelta(minutes=3))
    await process().drain()

    assert len(died_on) == 2
    on_slack, on_discord = copies(slack, discord, "Every message once")
    assert len(on_slack) == 1
    assert len(on_discord) == 1
    assert any(c.args.get("channel") == slack.channel for c in slack.fake.calls_to("conversations.history"))
    deduplicated = {r.message_id for r in discord.fake.records if r.kind == "post_deduplicated"}
    assert deduplicated == {int(on_discord[0]["id"])}  # the resend got the first message back
    async with outbox.db.session() as session:
        rows = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.status) != "sent"))).all()
    assert rows == []
