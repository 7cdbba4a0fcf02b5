"""Decisions in a person's inbox (``/coalition inbox``, the Slack Home tab): a decision waiting for
their ballot is listed with the posted copy's Vote button, the button works from a DM, and the
decision leaves the inbox once they voted."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import ManualClock
from bot.core.context import ActionEvent, Invocation, Place
from bot.core.ui import Actions, Button, Reply
from bot.store.db import Database
from tests.support import Chat
from tests.test_impact import coalition

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def vote_buttons(reply: Reply) -> list[Button]:
    found = [e for b in reply.blocks if isinstance(b, Actions) for e in b.elements if isinstance(e, Button)]
    return [b for b in found if b.label == "Vote"]


async def test_a_decision_waits_in_the_inbox_until_voted_from_a_dm(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    proposed = await chat.say("alice", '/decide propose "Adopt the spring plan?" deadline="2026-03-05 18:00"')
    assert not proposed.is_error, proposed.plain()
    dm = Place("console", "local", "@bob", "", private=True)
    inbox = await chat.core.run_command(Invocation("coalition", chat.actor("bob"), dm, text="inbox"))
    assert "1 decision awaits your vote" in inbox.plain()
    assert "Adopt the spring plan?" in inbox.plain()
    [vote] = vote_buttons(inbox)
    ballot = await chat.core.run_action(ActionEvent(vote.action_id, vote.value, chat.actor("bob"), dm))
    assert not ballot.is_error, ballot.plain()
    consent = next(
        e for b in ballot.blocks if isinstance(b, Actions) for e in b.elements if getattr(e, "label", "") == "Consent"
    )
    done = await chat.core.run_action(ActionEvent(consent.action_id, consent.value, chat.actor("bob"), dm))
    assert not done.is_error, done.plain()
    after = await chat.core.run_command(Invocation("coalition", chat.actor("bob"), dm, text="inbox"))
    assert "Adopt the spring plan?" not in after.plain()
    others = await chat.say("dave", "/coalition inbox")
    assert "awaits your vote" in others.plain() or "Adopt" not in others.plain()


async def test_a_closed_decision_becomes_the_statements_next_draft(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Which words for the statement?" deadline="2026-03-05 18:00"')
    refused = await chat.say("bob", '/decide close 1 "We stand for clean air." draft=yes')
    assert refused.is_error
    closed = await chat.say("alice", '/decide close 1 "We stand for clean air in every street." draft=yes')
    assert not closed.is_error, closed.plain()
    assert "Draft v1 of the unity statement" in closed.plain()
    shown = await chat.say("bob", "/unity show 1")
    assert "We stand for clean air in every street." in shown.plain()
