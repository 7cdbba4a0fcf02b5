"""The "I can help" form understands people, end to end through the real Bolt and discord.py paths:
under a need counted in seats, ``4`` means 4 seats; ``4 chairs`` is refused on the "How much?"
field with the need's unit named and the person's text kept (Slack ``response_action: errors``,
Discord: the errors and the form again, prefilled) — never an error naming the offer the refused
form rolled back."""

from __future__ import annotations

import json

from tests.fakes.slack_api import block_text
from tests.test_cross_platform import (
    Both,
    both,  # noqa: F401  (the fixture: one coalition over both fakes)
    fresh_channels,
    link_discord,
)
from tests.test_discord_adapter import visible
from tests.test_slack_adapter import person


async def test_a_bare_number_under_a_need_takes_its_unit_on_slack_and_discord(both: Both) -> None:  # noqa: F811
    slack, discord = fresh_channels(both)
    outbox = both[2]
    alice, bob, carol = person(slack.fake, "Alice"), person(slack.fake, "Bob"), person(slack.fake, "Carol")
    await slack.say(alice, '/coalition create "Seats for the March"')
    await link_discord(slack, alice, discord)
    await slack.say(bob, '/coalition join org="Clinic Collective"')
    await slack.say(carol, '/coalition join org="River Trust"')
    await discord.slash("Dana", "coalition", "join", org="Harbour Aid")
    posted = await slack.say(bob, '/pledge need "Seats in a minibus to the march" amount=10 unit=seats')
    assert "Need #1" in posted.text()
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

    # Slack: "4 chairs" is refused on the field, naming the need's unit and no offer; nothing is kept.
    opened = await slack.interact(slack.side.click_payload(carol, on_slack, "I can help", channel=slack.channel))
    modal = opened.modal
    typed = {"description": "Our van", "kind": "other", "quantity": "4 chairs"}
    refused = await slack.interact(slack.side.submit_payload(carol, modal, typed))
    answer = json.loads(refused.content)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"quantity"}
    assert "seats" in answer["errors"]["quantity"]
    assert "Offer #" not in answer["errors"]["quantity"]
    # The modal stays open as it was (Slack keeps what was typed); the bare number then matches 4 seats.
    good = await slack.interact(slack.side.submit_payload(carol, modal, {**typed, "quantity": "4"}))
    assert good.content == b"", "a good submission closes the modal"
    matched = block_text(slack.fake.responses_of(opened.body["response_url"])[-1]["blocks"])
    assert "matched to need #1" in matched
    assert "4 seats" in matched
    await outbox.drain()
    assert "4 promised, 6 seats still missing" in block_text(on_slack["blocks"])

    # Discord: the same refusal comes back as the errors and the form again, with Dana's text in it.
    opened_d = await discord.click("Dana", on_discord, "I can help")
    typed_d = {"description": "Two cars", "kind": "other", "quantity": "4 chairs"}
    refused_d = await discord.submit("Dana", opened_d.modal, typed_d)
    assert "seats" in refused_d.text()
    assert "Offer #" not in refused_d.text()
    again = await discord.click("Dana", refused_d.messages[-1], "Fix and resubmit")
    kept = {c["component"]["custom_id"]: c["component"].get("value") for c in again.modal["components"]}
    assert kept["description"] == "Two cars"
    assert kept["quantity"] == "4 chairs"
    helped = await discord.submit("Dana", again.modal, {**typed_d, "quantity": "4"})
    assert "matched to need #1" in helped.text()
    assert "4 seats" in helped.text()
    await outbox.drain()
    assert "8 promised, 2 seats still missing" in visible(discord.fake.messages[int(on_discord["id"])])
