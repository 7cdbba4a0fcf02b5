"""A meeting across a Slack workspace and a Discord server, both fakes running at once and the real
libraries talking to them: a poll proposed in Slack shows in the linked Discord channel; votes from
both platforms appear on both copies; closing creates the Discord scheduled event and uploads the
.ics to Slack; the reminder 15 minutes before goes out through the real scheduler on an injected
clock; cancel deletes the event."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.commands import WORKFLOWS
from bot.core.clock import ManualClock
from bot.core.workflow import jobs_of
from bot.delivery.dispatcher import Dispatcher
from bot.scheduling.runner import Scheduler
from tests.fakes.slack_api import block_text, number
from tests.test_cross_platform import (
    both,  # noqa: F401  (the fixture: Slack and Discord at once)
    copies,
    link_discord,
)
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import visible
from tests.test_slack_adapter import Chat as SlackChat
from tests.test_slack_adapter import person


async def test_one_meeting_on_slack_and_discord(both: tuple[SlackChat, DiscordChat, Dispatcher]) -> None:  # noqa: F811
    slack, discord, outbox = both
    clock = outbox.clock
    assert isinstance(clock, ManualClock)
    alice = person(slack.fake, "Alice")
    bob = slack.fake.add_user(f"UBOB{number()}", "Bob", tz="America/New_York")
    await slack.say(alice, '/coalition create "Meet Both" tz=Europe/Berlin')
    assert "Meet Both" in await link_discord(slack, alice, discord)
    await slack.say(bob, "/coalition join")

    proposed = await slack.say(alice, '/meet propose "Both call" 2026-02-10 15:00 2026-02-11 08:00 duration=45')
    found = re.search(r"Poll \*#(\d+) Both call\* posted in 2 channels", proposed.text())
    assert found is not None, proposed.text()
    meeting = found.group(1)
    assert await outbox.drain() == 2
    [on_slack], [on_discord] = copies(slack, discord, "Both call")
    assert "<!date^" in block_text(on_slack["blocks"])  # each viewer's own zone on Slack
    assert "<t:" in visible(on_discord)  # and on Discord
    # 08:00 in Berlin is 02:00 in New York, where Bob lives (his zone from Slack's users.info).
    assert r"Outside 08:00–21:00 for 1 member in America/New\_York" in on_discord["embeds"][0]["description"]

    erin = await discord.click("Erin", on_discord, "1: Yes")
    assert "Saved your answers" in erin.text()
    await slack.interact(slack.side.click_payload(bob, on_slack, "2: No", channel=slack.channel))
    await slack.interact(slack.side.click_payload(bob, on_slack, "1: If need be", channel=slack.channel))
    await outbox.drain()
    on_discord_now = visible(discord.fake.messages[int(on_discord["id"])])
    on_slack_now = block_text(next(m for m in slack.fake.messages.values() if m["ts"] == on_slack["ts"])["blocks"])
    for shown in (on_discord_now, on_slack_now):
        assert "1 yes · 1 if need be · 0 no" in shown
        assert "0 yes · 0 if need be · 1 no" in shown

    closed = await slack.say(alice, f"/meet close {meeting}")
    assert "It has the most yes answers (1, against 0)." in closed.text()
    await outbox.drain()
    [event] = discord.fake.events.values()
    assert event["entity_type"] == 3
    assert event["name"] == "Both call"
    assert event["entity_metadata"]["location"]
    start = datetime(2026, 2, 10, 14, 0, tzinfo=UTC)
    assert datetime.fromisoformat(event["scheduled_start_time"]) == start
    assert datetime.fromisoformat(event["scheduled_end_time"]) == start + timedelta(minutes=45)
    uploaded = [f for f in slack.fake.files.values() if f["name"] == f"meeting-{meeting}.ics"]
    assert any(slack.channel in f["channels"] for f in uploaded)
    assert discord.fake.problems == []

    clock.set(start - timedelta(minutes=15))
    scheduler = Scheduler(outbox.db, jobs=jobs_of(WORKFLOWS), clock=clock, after_tick=outbox.kick)
    assert await scheduler.tick() == 2  # the reminder job of WORKFLOWS, on the injected clock
    await scheduler.stop()
    await outbox.drain()
    soon_slack, soon_discord = copies(slack, discord, "Starting soon")
    assert len(soon_slack) == 1
    assert len(soon_discord) == 1

    cancelled = await slack.say(alice, f"/meet cancel {meeting}")
    assert "1 Discord event is being removed." in cancelled.text()
    await outbox.drain()
    assert discord.fake.events == {}
    assert [r.kind for r in discord.fake.records if r.kind.startswith("event")] == ["event", "event_delete"]
