"""Confidentiality on the error paths of a flag command, over the Slack and Discord fakes.

When answering a flag command fails, the log says the exception's type and a reference, never its
text (which may quote what the person typed) nor who they are; the apology is private and says
nothing of the flag. A flag form sent back on Discord with a mistake keeps what the person typed
in memory only, never in the database."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from bot.core.ui import Reply
from bot.delivery.dispatcher import Dispatcher
from tests.test_cross_platform import both  # noqa: F401  (the module fixture: Slack and Discord at once)
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_discord_adapter import GatedCore, visible
from tests.test_flag import RECEIPT
from tests.test_flag_platforms import FAKES_AND_TEST_CLIENTS, FORM, coalition_on_both
from tests.test_flag_privacy import every_value, hits
from tests.test_slack_adapter import Chat as SlackChat

Both = tuple[SlackChat, DiscordChat, Dispatcher]
SECRET = "Marguerite shouted at the treasurer"


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the bot's log records say, tracebacks included."""
    ours = [r for r in caplog.records if r.name not in FAKES_AND_TEST_CLIENTS]
    text = []
    for record in ours:
        text.append(record.getMessage())
        if record.exc_info:
            text.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            text.append(record.exc_text)
    return "\n".join(text)


async def test_slack_logs_only_the_type_when_a_flag_answer_fails_twice(
    both: Both,  # noqa: F811  (the imported fixture)
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    slack, _discord, _outbox, people = await coalition_on_both(both, "Slack Error Paths")
    opened = await slack.say(people["Bob"], "/flag")
    await slack.interact(slack.side.submit_payload(people["Bob"], opened.modal, {**FORM, "description": SECRET}))
    receipt = RECEIPT.search(opened.text())
    assert receipt is not None
    interactions = slack.adapter.interactions

    async def broken(client: Any, origin: Any, reply: Reply) -> None:  # e.g. a renderer bug quoting the reply
        raise RuntimeError(f"cannot render {reply.plain()}")

    interactions.deliver = broken  # type: ignore[method-assign]
    caplog.clear()
    try:
        await slack.say(people["Bob"], f"/flag status {receipt.group(0)}")
    finally:
        del interactions.deliver
    text = logged(caplog)
    assert re.search(r"Slack command /flag failed \(ref [0-9a-f]{6}\): RuntimeError", text), text
    assert re.search(r"could not answer Slack command /flag \(ref [0-9a-f]{6}\): RuntimeError", text), text
    assert SECRET not in text
    assert "cannot render" not in text
    assert people["Bob"] not in text


async def test_discord_apology_for_a_flag_is_private_and_logs_only_the_type(
    both: Both,  # noqa: F811  (the imported fixture)
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    _slack, discord, _outbox, people = await coalition_on_both(both, "Discord Error Paths")

    class Broken(GatedCore):
        async def run_command(self, inv: Any) -> Reply:
            raise ValueError(f"could not store {inv.options}")  # quotes what the person typed

    handler = discord.bot.handler
    real = handler.core
    handler.core = Broken(real)  # type: ignore[assignment]
    caplog.clear()
    try:
        answer = await discord.slash(people["Dana"], "flag", "add", receipt="AAAAA-BBBBB", text=SECRET)
    finally:
        handler.core = real
    assert answer.messages
    assert all(discord.fake.is_ephemeral(m) for m in answer.messages)
    assert "Sorry, something went wrong" in answer.text()
    assert SECRET not in answer.text()
    ref = re.search(r"reference ([0-9a-f]{6})", answer.text())
    assert ref is not None
    text = logged(caplog)
    assert f"(ref {ref.group(1)}): ValueError" in text  # the reference the person got is in the log
    assert SECRET not in text
    assert discord.people[people["Dana"]]["id"] not in text

    # Another command keeps its full log line: only confidential ones are cut short.
    handler.core = Broken(real)  # type: ignore[assignment]
    caplog.clear()
    try:
        await discord.slash(people["Dana"], "goal", "list")
    finally:
        handler.core = real
    assert "could not store" in logged(caplog)


async def test_a_discord_flag_form_sent_back_with_a_mistake_is_kept_in_memory_only(
    both: Both,  # noqa: F811  (the imported fixture)
) -> None:
    slack, discord, _outbox, people = await coalition_on_both(both, "Discord Form Mistake")
    typed = "Ottoline kept the minutes from us"
    opened = await discord.slash(people["Dana"], "flag", "raise")
    values = {**FORM, "description": typed, "parties": "Nobody Called This"}
    answered = await discord.submit(people["Dana"], opened.modal, values)
    assert "No member or organisation" in answered.text()
    assert all(discord.fake.is_ephemeral(m) for m in answered.messages)
    assert hits(await every_value(slack.adapter.core.db), (typed,)) == []

    [message] = [m for m in answered.messages if m.get("components")]
    again = await discord.click(people["Dana"], message, "Fix and resubmit")
    modal = again.modal
    description = next(c["component"] for c in modal["components"] if c["component"]["custom_id"] == "description")
    assert description.get("value") == typed  # reopened with what was typed, from memory
    assert typed not in visible(message)
