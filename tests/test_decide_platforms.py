"""A consent decision across a Slack workspace and a Discord server, both fakes at once and the real
libraries talking to them: proposed by typing in Slack, posted in both channels; an objection from
Discord (the Vote button, the Object button, its reason in a modal) shows with its reason on both
copies, updated in place; withdrawn from Discord; the decision passes at the injected deadline
through the real scheduler and the outcome is announced on both platforms."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.commands import WORKFLOWS
from bot.core.clock import ManualClock
from bot.core.workflow import jobs_of
from bot.delivery.dispatcher import Dispatcher
from bot.scheduling.runner import Scheduler
from tests.fakes.slack_api import block_text
from tests.test_cross_platform import (
    both,  # noqa: F401  (the fixture: Slack and Discord at once)
    copies,
    link_discord,
)
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import visible
from tests.test_slack_adapter import Chat as SlackChat
from tests.test_slack_adapter import person

REASON = "The charter says nothing about accessibility"


def now_on_both(slack: SlackChat, discord: DiscordChat, on_slack: dict, on_discord: dict) -> list[str]:  # type: ignore[type-arg]
    shown_discord = visible(discord.fake.messages[int(on_discord["id"])])
    shown_slack = block_text(next(m for m in slack.fake.messages.values() if m["ts"] == on_slack["ts"])["blocks"])
    return [shown_slack, shown_discord]


async def test_a_consent_decision_on_slack_and_discord(both: tuple[SlackChat, DiscordChat, Dispatcher]) -> None:  # noqa: F811
    slack, discord, outbox = both
    clock = outbox.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    alice = person(slack.fake, "Alice")
    await slack.say(alice, '/coalition create "Decide Both" tz=Europe/Berlin')
    assert "Decide Both" in await link_discord(slack, alice, discord)
    await discord.slash("Erin", "coalition", "join")

    proposed = await slack.say(alice, '/decide propose "Adopt the charter?" deadline="2026-03-05 18:00"')
    assert re.search(r"Decision #1 posted in 2 channels", proposed.text()), proposed.text()
    assert await outbox.drain() == 2
    [on_slack], [on_discord] = copies(slack, discord, "Adopt the charter?")
    for shown in now_on_both(slack, discord, on_slack, on_discord):
        assert "Method: consent" in shown
        assert "Vote" in shown

    ballot = await discord.click("Erin", on_discord, "Vote")
    [private] = ballot.messages
    assert discord.fake.is_ephemeral(private)
    modal = (await discord.click("Erin", private, "Object…")).modal
    reason = modal["components"][0]["component"]["custom_id"]
    objected = await discord.submit("Erin", modal, {reason: REASON})
    assert "To withdraw your objection" in objected.text()
    await outbox.drain()
    for shown in now_on_both(slack, discord, on_slack, on_discord):
        assert f"Objection from Erin: {REASON}" in shown
        assert "1 of 3 members have voted" in shown

    shown_on_discord = await discord.slash("Dana", "decide", "show", id=1)
    assert REASON in shown_on_discord.text()

    again = await discord.click("Erin", on_discord, "Vote")
    withdrawn = await discord.click("Erin", again.messages[0], "Consent")
    assert "Your ballot on decision #1: Consent" in withdrawn.text()
    await outbox.drain()
    for shown in now_on_both(slack, discord, on_slack, on_discord):
        assert "Objection" not in shown

    clock.set(datetime(2026, 3, 5, 17, 0, tzinfo=UTC))  # 18:00 in Berlin
    scheduler = Scheduler(outbox.db, jobs=jobs_of(WORKFLOWS), clock=clock, after_tick=outbox.kick)
    assert await scheduler.tick() >= 1
    await scheduler.stop()
    await outbox.drain()
    decided_slack, decided_discord = copies(slack, discord, "Decided: Adopt the charter?")
    assert len(decided_slack) == len(decided_discord) == 1
    assert "Passed: no objection stands." in visible(decided_discord[0])
    for shown in now_on_both(slack, discord, on_slack, on_discord):
        assert "Closed." in shown
        assert "Vote" not in shown.replace("Voted", "")
    assert discord.fake.problems == []
