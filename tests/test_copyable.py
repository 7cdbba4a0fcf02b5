"""What people copy (addresses, codes) reaches them exactly as it is on every platform: a calendar
feed address whose token has an underscore next to a dash used to be shown with a full-width ＿."""

from __future__ import annotations

from bot.adapters.discord.custom_ids import IdBook
from bot.adapters.discord.render import render_reply as discord_render
from bot.adapters.slack.ids import Stash
from bot.adapters.slack.render import render_reply as slack_render
from bot.core.ui import Code, Link, Reply, Section, rich

FEED = "https://bot.example/calendar/clean-air/_Ab-_cd_-x_.ics"
RELATIVE = "/calendar/clean-air/_Ab-_cd_-x_.ics"  # no PUBLIC_URL: not a link Slack can make


def test_slack_shows_addresses_and_codes_verbatim_in_blocks_and_notification_text() -> None:
    for url in (FEED, RELATIVE):
        reply = Reply.private(Section(rich("Subscribe: ", Link(url, url))), Section(rich("Code: ", Code("a_-b_"))))
        [message] = slack_render(reply, Stash())
        shown = " ".join(block["text"]["text"] for block in message.blocks)
        assert url in shown
        assert "`a_-b_`" in shown
        assert url in message.text  # the notification text too
        assert "＿" not in shown + message.text


def test_slack_still_neutralises_formatting_in_plain_user_text() -> None:
    [message] = slack_render(Reply.private("_not italic_ and <!channel>"), Stash())
    assert "_not italic_" not in message.blocks[0]["text"]["text"]
    assert "<!channel>" not in message.text


def test_discord_shows_addresses_verbatim() -> None:
    for url in (FEED, RELATIVE):
        [message] = discord_render(Reply.private(Section(rich("Subscribe: ", Link(url, url)))), IdBook())
        shown = (message.content or "") + " ".join(e.description or "" for e in message.embeds)
        assert url in shown
