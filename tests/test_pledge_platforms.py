"""Pledges end to end through the real Bolt and discord.py paths, both fakes at once: a need posted
in Slack reaches the linked Discord channel with the best offer first; "I can help" clicked in
Discord creates a matched offer; every posted copy shows what is still missing; both organisations'
posters are told privately on their own platform; ``/pledge map`` shows both and uploads a chart."""

from __future__ import annotations

from typing import Any

from tests.fakes.slack_api import block_text
from tests.test_cross_platform import (
    Both,
    both,  # noqa: F401  (the fixture: one coalition over both fakes)
    fresh_channels,
    link_discord,
)
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import visible
from tests.test_slack_adapter import person


def dm_to(discord: DiscordChat, user_id: str) -> list[dict[str, Any]]:
    channels = {
        cid for cid, c in discord.fake.channels.items() if any(r["id"] == user_id for r in c.get("recipients", []))
    }
    return [m for m in discord.fake.messages.values() if int(m["channel_id"]) in channels]


async def test_a_need_from_slack_is_met_from_discord_and_every_copy_follows(both: Both) -> None:  # noqa: F811
    slack, discord = fresh_channels(both)
    outbox = both[2]
    alice, bob = person(slack.fake, "Alice"), person(slack.fake, "Bob")
    await slack.say(alice, '/coalition create "Masks Across Platforms"')
    await link_discord(slack, alice, discord)
    await slack.say(bob, '/coalition join org="Clinic Collective"')
    await discord.slash("Erin", "coalition", "join", org="River Trust")
    await discord.slash("Dana", "coalition", "join", org="Harbour Aid")

    # Offers first, on Discord: the masks fit the need best; the sanitiser is the same kind, other unit.
    await discord.slash(
        "Dana", "pledge", "offer", description="Hand sanitiser", kind="other", amount=20, unit="bottles"
    )
    offered = await discord.slash(
        "Erin", "pledge", "offer", description="FFP2 masks, boxed", kind="other", amount=100, unit="masks"
    )
    assert "Offer #2 is posted for River Trust" in offered.text()

    # The need, typed in Slack, is posted in both channels with the masks ranked first.
    posted = await slack.say(bob, '/pledge need "200 FFP2 masks for the clinic" amount=200 unit=masks')
    assert "in 2 channels" in posted.text()
    assert await outbox.drain() == 2
    [on_slack] = [
        m
        for m in slack.fake.messages.values()
        if m["channel"] == slack.channel and "I can help" in block_text(m["blocks"])
    ]
    [on_discord] = [
        m
        for m in discord.fake.messages.values()
        if m["channel_id"] == str(discord.channel) and "I can help" in visible(m)
    ]
    text = visible(on_discord)
    assert "200 FFP2 masks for the clinic" in text
    assert text.index("#2 River Trust") < text.index("#1 Harbour Aid")

    # Dana clicks "I can help" in Discord: the offer form is already for need #3.
    opened = await discord.click("Dana", on_discord, "I can help")
    modal = opened.modal
    names = [c["component"]["custom_id"] for c in modal["components"]]
    assert names == ["description", "kind", "quantity"]
    helped = await discord.submit(
        "Dana", modal, {"description": "Masks from Harbour", "kind": "other", "quantity": "50 masks"}
    )
    assert "matched to need #3" in helped.text()
    assert await outbox.drain() == 3  # both copies updated, and Bob told privately in Slack
    assert "50 promised, 150 masks still missing" in visible(discord.fake.messages[int(on_discord["id"])])
    assert "50 promised, 150 masks still missing" in block_text(on_slack["blocks"])
    [to_bob] = [m for m in slack.fake.messages.values() if m["channel"] == f"D{bob}"]
    assert "Dana matched offer #4 of Harbour Aid to need #3 of Clinic Collective" in block_text(to_bob["blocks"])

    # Steering matches Erin's masks from Slack: both posters hear of it, each on their platform.
    await slack.say(alice, "/pledge match 2 3")
    assert await outbox.drain() == 4
    assert "150 promised, 50 masks still missing" in visible(discord.fake.messages[int(on_discord["id"])])
    assert "150 promised, 50 masks still missing" in block_text(on_slack["blocks"])
    assert len([m for m in slack.fake.messages.values() if m["channel"] == f"D{bob}"]) == 2
    erin = discord.user("Erin")["id"]
    [to_erin] = dm_to(discord, erin)
    assert "Alice matched offer #2 of River Trust to need #3" in visible(to_erin)

    # The map, on Discord: every organisation, and the chart as a file.
    mapped = await discord.slash("Dana", "pledge", "map")
    for org in ("Clinic Collective", "River Trust", "Harbour Aid"):
        assert org in mapped.text()
    files = [name for r in discord.fake.records_for(mapped.interaction_id) for name in r.files]
    assert any(name.startswith("pledge-map-") and name.endswith(".png") for name in files)
    uploads = len(slack.fake.calls_to("files.completeUploadExternal"))
    on_slack_map = await slack.say(alice, "/pledge map")
    assert "Totals per kind" in on_slack_map.text()
    assert len(slack.fake.calls_to("files.completeUploadExternal")) == uploads + 1
