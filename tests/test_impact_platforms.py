"""Impact end to end through the real Bolt and discord.py paths, both fakes at once: a win posted in
Slack appears in the linked Discord channel (user text escaped); the pulse started in Slack is
answered privately from its Discord copy through a modal, and counted without the answerer."""

from __future__ import annotations

from tests.fakes.slack_api import block_text
from tests.test_cross_platform import (
    Both,
    both,  # noqa: F401  (the fixture: one coalition over both fakes)
    copies,
    fresh_channels,
    link_discord,
)
from tests.test_discord_adapter import visible
from tests.test_slack_adapter import person


async def test_a_win_from_slack_reaches_discord_and_the_pulse_is_answered_there(both: Both) -> None:  # noqa: F811
    slack, discord = fresh_channels(both)
    outbox = both[2]
    alice, bob = person(slack.fake, "Alice"), person(slack.fake, "Bob")
    await slack.say(alice, '/coalition create "Impact Both"')
    await link_discord(slack, alice, discord)
    await slack.say(bob, '/coalition join org="Clinic Collective"')
    await discord.slash("Erin", "coalition", "join", org="River Trust")

    logged = await slack.say(bob, '/impact win "The council adopted our plan @everyone" climate=yes')
    assert "Win *#1* logged. Announced in 2 channels." in logged.text()
    assert await outbox.drain() == 2
    on_slack, on_discord = copies(slack, discord, "The council adopted our plan")
    assert len(on_slack) == 1
    assert len(on_discord) == 1
    shown = visible(on_discord[0])
    assert "It shifted the political climate." in shown
    assert "@everyone" not in shown.replace("@\u200beveryone", "")  # escaped: it pings nobody
    listed = await discord.slash("Erin", "impact", "wins")
    assert "The council adopted our plan" in listed.text()

    started = await slack.say(alice, "/impact pulse start")
    assert "Posted in 2 channels." in started.text()
    await outbox.drain()
    [pulse_slack], [pulse_discord] = copies(slack, discord, "How well are the organisations")
    assert "Answer anonymously" in block_text(pulse_slack["blocks"])
    opened = await discord.click("Erin", pulse_discord, "Answer anonymously")
    modal = opened.modal
    answered = await discord.submit("Erin", modal, {"score": "4", "comment": "Good start"})
    assert "counted anonymously" in answered.text()
    again = await discord.slash("Erin", "impact", "pulse")
    assert "You have answered this pulse" in again.text()
    closed = await slack.say(alice, "/impact pulse close")
    assert "1 answered: results are shown from 5 answers on, so 4 more are needed." in closed.text()
    assert "Good start" not in closed.text()
    assert discord.fake.problems == []
