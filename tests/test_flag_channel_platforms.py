"""The private flag channel over the Slack and Discord fakes (real slack_bolt and discord.py): a
channel the platform calls private (Slack ``conversations.info`` ``is_private``; Discord: View
Channel denied to @everyone) is accepted and new flags go there instead of direct messages; a
public one, a linked one and one the bot cannot see are refused with nothing changed; ``none``
goes back to direct messages."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.delivery.dispatcher import Dispatcher
from bot.store.db import Database
from bot.store.models import Coalition
from tests.fakes.slack_api import block_text, number
from tests.test_cross_platform import both  # noqa: F401  (the module fixture: Slack and Discord at once)
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import visible
from tests.test_flag_platforms import FORM, coalition_on_both, discord_dms, slack_dms
from tests.test_slack_adapter import Chat as SlackChat

Both = tuple[SlackChat, DiscordChat, Dispatcher]


async def settings_of(db: Database, name: str) -> dict[str, Any]:
    async with db.session() as session:
        coalition = (await session.exec(select(Coalition).where(Coalition.name == name))).one()
        return dict(coalition.settings)


def slack_posts(slack: SlackChat, channel: str, text: str) -> int:
    return sum(1 for m in slack.fake.messages.values() if m["channel"] == channel and text in block_text(m["blocks"]))


def discord_posts(discord: DiscordChat, channel: int, text: str) -> int:
    return sum(1 for m in discord.fake.messages.values() if int(m["channel_id"]) == channel and text in visible(m))


async def test_slack_steering_chooses_a_private_channel_and_new_flags_go_there(
    both: Both,  # noqa: F811  (the imported fixture)
) -> None:
    slack, discord, outbox, people = await coalition_on_both(both, "Slack Flag Channel")
    db = slack.adapter.core.db
    alice, bob = people["Alice"], people["Bob"]
    private = slack.fake.add_channel(f"CPRIV{number():05d}", "flag-handlers", private=True)
    public = slack.fake.add_channel(f"CPUB{number():05d}", "random", private=False)
    hidden = slack.fake.add_channel(f"CHID{number():05d}", "secret-room", private=True, bot_member=False)
    before = await settings_of(db, "Slack Flag Channel")

    refused = await slack.say(alice, f"/coalition settings flag_channel=<#{public}|random>")
    assert "#random is not a private channel" in refused.text()
    unseen = await slack.say(alice, f"/coalition settings flag_channel=<#{hidden}|secret-room>")
    assert "cannot see #secret-room" in unseen.text()
    linked = await slack.say(alice, "/coalition settings flag_channel=here")
    assert "linked to a coalition" in linked.text()
    not_steering = await slack.say(bob, f"/coalition settings flag_channel=<#{private}|flag-handlers>")
    assert "steering" in not_steering.text()
    assert await settings_of(db, "Slack Flag Channel") == before
    assert all(r.get("response_type") == "ephemeral" for r in refused.responses + linked.responses)

    saved = await slack.say(alice, f"/coalition settings flag_channel=<#{private}|flag-handlers>")
    assert "private channel #flag-handlers on Slack" in saved.text()
    assert (await settings_of(db, "Slack Flag Channel"))["flag_channel"]["channel"] == private
    by_name = await slack.say(alice, "/coalition settings flag_channel=#flag-handlers")
    assert "Nothing changed" in by_name.text()  # the same channel, found by its name

    opened = await slack.say(bob, "/flag")
    await slack.interact(slack.side.submit_payload(bob, opened.modal, FORM))
    assert await outbox.drain() == 1
    assert slack_posts(slack, private, FORM["topic"]) == 1
    assert slack_dms(slack, FORM["topic"]) == []
    assert discord_dms(discord, FORM["topic"]) == []

    reset = await slack.say(alice, "/coalition settings flag_channel=none")
    assert "by direct message" in reset.text()
    assert (await settings_of(db, "Slack Flag Channel")).get("flag_channel") is None
    opened = await slack.say(bob, "/flag")
    await slack.interact(slack.side.submit_payload(bob, opened.modal, {**FORM, "topic": "Back to DMs"}))
    assert await outbox.drain() == 3
    assert slack_posts(slack, private, "Back to DMs") == 0
    assert slack_dms(slack, "Back to DMs") == sorted([alice, people["Sam"]])


async def test_discord_steering_chooses_a_private_channel_and_new_flags_go_there(
    both: Both,  # noqa: F811  (the imported fixture)
) -> None:
    slack, discord, outbox, people = await coalition_on_both(both, "Discord Flag Channel")
    db = slack.adapter.core.db
    dana = people["Dana"]
    await slack.say(people["Alice"], f"/coalition role @{dana} steering")
    private = discord.fake.add_channel("flag-handlers", private=True)
    public = discord.fake.add_channel("lobby")
    before = await settings_of(db, "Discord Flag Channel")

    refused = await discord.slash(dana, "coalition", "settings", flag_channel=f"<#{public}>")
    assert "#lobby is not a private channel" in refused.text()
    assert all(discord.fake.is_ephemeral(m) for m in refused.messages)
    linked = await discord.slash(dana, "coalition", "settings", flag_channel="here")
    assert "linked to a coalition" in linked.text()
    gone = await discord.slash(dana, "coalition", "settings", flag_channel="123456789012345678")
    assert "cannot see" in gone.text()
    assert await settings_of(db, "Discord Flag Channel") == before

    saved = await discord.slash(dana, "coalition", "settings", flag_channel=f"<#{private}>")
    assert "private channel #flag-handlers on Discord" in saved.text()
    assert (await settings_of(db, "Discord Flag Channel"))["flag_channel"]["channel"] == str(private)

    opened = await slack.say(people["Bob"], "/flag")
    await slack.interact(slack.side.submit_payload(people["Bob"], opened.modal, FORM))
    assert await outbox.drain() == 1
    assert discord_posts(discord, private, FORM["topic"]) == 1
    assert discord_dms(discord, FORM["topic"]) == []
    assert slack_dms(slack, FORM["topic"]) == []

    await discord.slash(dana, "coalition", "settings", flag_channel="none")
    opened = await slack.say(people["Bob"], "/flag")
    await slack.interact(slack.side.submit_payload(people["Bob"], opened.modal, {**FORM, "topic": "Direct again"}))
    assert await outbox.drain() == 3
    assert discord_posts(discord, private, "Direct again") == 0
    assert discord_dms(discord, "Direct again") == [discord.people[dana]["id"]]
