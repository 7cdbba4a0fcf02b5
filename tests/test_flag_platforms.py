"""Conflict flags end to end over the Slack and Discord fakes (real slack_bolt and discord.py talking
to loopback servers), with the outbox delivering to both.

An anonymous flag raised in a Slack modal (by someone from another workspace, in a Slack Connect
channel) reaches the facilitator's direct messages on Discord and each steering member's on Slack,
and nothing reaches a channel; the facilitator replies from Discord and the reporter reads it and
answers on Slack with the receipt; a flag raised in a Discord modal does the same the other way.
Afterwards no table and no log line holds either reporter's account, workspace or name."""

from __future__ import annotations

import logging
import re

import pytest

from bot.delivery.dispatcher import Dispatcher
from tests.fakes.slack_api import block_text, number
from tests.test_cross_platform import (
    Both,
    both,  # noqa: F401  (the module fixture: Slack and Discord at once)
    fresh_channels,
    link_discord,
)
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import visible
from tests.test_flag import RECEIPT
from tests.test_flag_privacy import every_value, hits
from tests.test_slack_adapter import Chat as SlackChat
from tests.test_slack_adapter import person

# The fake Slack and Discord servers' access logs (they stand in for Slack's and Discord's own
# servers, which see who calls) and the test's HTTP client are not the bot's logs.
FAKES_AND_TEST_CLIENTS = frozenset({"aiohttp.access", "httpx"})
FORM = {"topic": "Pressure from a partner org", "description": "Told to keep quiet.", "severity": "high"}


async def coalition_on_both(pair: Both, name: str) -> tuple[SlackChat, DiscordChat, Dispatcher, dict[str, str]]:
    """A coalition in a fresh Slack channel linked to a fresh Discord channel: Alice and Sam steering
    on Slack, Dana facilitator on Discord, Bob a member on Slack."""
    slack, discord = fresh_channels(pair)
    outbox = pair[2]
    people = {n: person(slack.fake, f"{n}{number()}") for n in ("Alice", "Sam", "Bob")}
    await slack.say(people["Alice"], f'/coalition create "{name}"')
    dana = f"Dana{number()}"
    assert name in await link_discord(slack, people["Alice"], discord, dana)
    await slack.say(people["Sam"], '/coalition join org="Harbour Alliance"')
    await slack.say(people["Bob"], '/coalition join org="Acme Trust"')
    await slack.say(people["Alice"], f"/coalition role <@{people['Sam']}> steering")
    assert "facilitator" in (await slack.say(people["Alice"], f"/coalition role @{dana} facilitator")).text()
    await outbox.drain()
    people["Dana"] = dana
    return slack, discord, outbox, people


def slack_dms(slack: SlackChat, text: str) -> list[str]:
    """The users whose Slack direct messages contain ``text``."""
    return sorted(
        m["channel"][1:]
        for m in slack.fake.messages.values()
        if m["channel"].startswith("D") and text in block_text(m["blocks"])
    )


def discord_dms(discord: DiscordChat, text: str) -> list[str]:
    """The user ids whose Discord direct messages contain ``text``."""
    dm_of = {r.body["channel_id"]: str(r.body["recipient_id"]) for r in discord.fake.records if r.kind == "dm"}
    return sorted(
        dm_of[int(m["channel_id"])]
        for m in discord.fake.messages.values()
        if int(m["channel_id"]) in dm_of and text in visible(m)
    )


def in_channels(slack: SlackChat, discord: DiscordChat, text: str) -> list[str]:
    on_slack = [
        m["channel"]
        for m in slack.fake.messages.values()
        if not m["channel"].startswith("D") and text in block_text(m["blocks"])
    ]
    dm_channels = {r.body["channel_id"] for r in discord.fake.records if r.kind == "dm"}
    on_discord = [
        m["channel_id"]
        for m in discord.fake.messages.values()
        if int(m["channel_id"]) not in dm_channels and text in visible(m) and not discord.fake.is_ephemeral(m)
    ]
    return on_slack + on_discord


async def test_an_anonymous_flag_from_slack_reaches_handlers_on_both_platforms_and_only_them(
    both: Both,  # noqa: F811  (the imported fixture)
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    slack, discord, outbox, people = await coalition_on_both(both, "Flags Across Platforms")
    rex = slack.fake.add_user(f"UREXOLOTL{number()}", "Rexolotl Quandary", team="TREXHOME9")

    opened = await slack.say(rex, "/flag")
    modal = opened.modal
    assert "no trace of me" in block_text(modal["blocks"])
    await slack.interact(slack.side.submit_payload(rex, modal, {**FORM, "anonymous": "yes"}))
    acknowledgement = opened.text()
    receipt_match = RECEIPT.search(acknowledgement)
    assert receipt_match is not None, acknowledgement
    receipt = receipt_match.group(0)
    fid = re.search(r"#(\d+)", acknowledgement)
    assert fid is not None

    assert await outbox.drain() == 3
    dana_id = discord.people[people["Dana"]]["id"]
    assert discord_dms(discord, FORM["topic"]) == [dana_id]
    assert slack_dms(slack, FORM["topic"]) == sorted([people["Alice"], people["Sam"]])
    assert in_channels(slack, discord, FORM["topic"]) == []
    assert "Rexolotl" not in str(slack.fake.messages) + str(discord.fake.messages)

    # Dana replies from Discord; Rex reads it on Slack with the receipt and answers.
    replied = await discord.slash(people["Dana"], "flag", "reply", id=int(fid.group(1)), text="Which partner was it?")
    assert "reply to the reporter" in replied.text().lower()
    assert await outbox.drain() == 0  # an anonymous reporter has no address
    status = await slack.say(rex, f"/flag status {receipt}")
    assert "Which partner was it?" in status.text()
    await slack.say(rex, f'/flag add {receipt} "River Trust, at the March assembly"')
    assert await outbox.drain() == 3
    assert discord_dms(discord, "River Trust, at the March assembly") == [dana_id]
    shown = await discord.slash(people["Dana"], "flag", "show", id=int(fid.group(1)))
    assert "The reporter added" in shown.text()
    assert all(discord.fake.is_ephemeral(m) for m in shown.messages)

    # A facilitator named as a party on Discord gets nothing and cannot show it.
    erin = f"Erin{number()}"
    opened_discord = await discord.slash(erin, "flag", "raise")
    submitted = await discord.submit(
        erin, opened_discord.modal, {**FORM, "topic": "About Dana", "parties": people["Dana"], "anonymous": "yes"}
    )
    assert all(discord.fake.is_ephemeral(m) for m in submitted.messages)
    discord_receipt = RECEIPT.search(submitted.text())
    assert discord_receipt is not None, submitted.text()
    assert await outbox.drain() == 2
    assert discord_dms(discord, "About Dana") == []
    assert slack_dms(slack, "About Dana") == sorted([people["Alice"], people["Sam"]])
    assert in_channels(slack, discord, "About Dana") == []
    listed = await discord.slash(people["Dana"], "flag", "list")
    assert "About Dana" not in listed.text()
    recused = await discord.slash(people["Dana"], "flag", "show", id=int(fid.group(1)) + 1)
    assert "no flag #" in recused.text()
    assert "About Dana" in (await discord.slash(erin, "flag", "status", receipt=discord_receipt.group(0))).text()

    erin_id = discord.people[erin]["id"]
    needles = (rex, "TREXHOME9", "Rexolotl", "Quandary", erin_id, erin)
    assert hits(await every_value(slack.adapter.core.db), needles) == []
    ours = [r.getMessage() for r in caplog.records if r.name not in FAKES_AND_TEST_CLIENTS]
    assert [m for m in ours if any(n.lower() in m.lower() for n in needles)] == []
