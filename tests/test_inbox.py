"""A person's inbox (``/coalition inbox``, the Slack Home tab), the workflows' sections, on SQLite and
PostgreSQL: each item reaches the right person and nobody else, its button works when clicked from
the person's own place (a DM: the click carries its coalition in the stamped action id), and the
item is gone once done. Flags show counts and ids only: no topic, description or party."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.adapters.slack.app import SlackAdapter
from bot.commands.checkin.timing import fire
from bot.core import scope
from bot.core.clock import ManualClock
from bot.core.context import ActionEvent, Actor, FormSubmission, Invocation, Place
from bot.core.ui import Actions, Button, Reply
from bot.store.db import Database
from bot.store.scheduling_models import CheckinSchedule
from tests.fakes.slack_api import JSON, FakeSlack, Running, SlackSide, block_text, number
from tests.support import Chat, coalition_with_two_channels
from tests.test_flag import coalition as flag_coalition
from tests.test_flag import raise_flag
from tests.test_meet import PROPOSE, START
from tests.test_meet import coalition as meet_coalition
from tests.test_slack_adapter import SECRET, bot, bot_db, fake, person  # noqa: F401  (the module's Slack fixtures)
from tests.test_slack_adapter import Chat as SlackChat


def own_place(who: str) -> Place:
    return Place("console", "local", f"@{who}", "", private=True)


def actor(who: str) -> Actor:
    return Actor("console", "local", who, who.capitalize())


async def inbox(chat: Chat, who: str) -> Reply:
    """``/coalition inbox`` typed in a direct message with the bot."""
    reply = await chat.core.run_command(Invocation("coalition", actor(who), own_place(who), text="inbox"))
    assert not reply.is_error, reply.plain()
    return reply


def buttons(reply: Reply) -> list[Button]:
    return [e for b in reply.blocks if isinstance(b, Actions) for e in b.elements if isinstance(e, Button)]


def labels(reply: Reply) -> list[str]:
    return [b.label for b in buttons(reply)]


async def click(chat: Chat, who: str, reply: Reply, label: str) -> Reply:
    """Click the inbox's button from the DM: the action id is the stamped one the inbox carries."""
    [button] = [b for b in buttons(reply) if b.label == label]
    assert scope.read(button.action_id).coalition_id is not None, button.action_id
    answer = await chat.core.run_action(ActionEvent(button.action_id, button.value, actor(who), own_place(who)))
    assert not answer.is_error, answer.plain()
    return answer


async def submit(chat: Chat, who: str, opened: Reply, values: dict[str, str]) -> Reply:
    """Submit the form a click opened, from the DM (its form id carries the coalition)."""
    assert opened.form is not None, opened.plain()
    submission = FormSubmission(opened.form.form_id, values, actor(who), own_place(who), opened.form.state)
    answer = await chat.core.submit_form(submission)
    assert not answer.is_error, answer.plain()
    assert not answer.form_errors, answer.form_errors
    return answer


# flags ----------------------------------------------------------------------------------------------

FLAG_LINE = re.compile(r"open flags? to handle[^:]*: ([^.]*)\.")


def flag_ids(reply: Reply) -> str | None:
    match = FLAG_LINE.search(reply.plain())
    return match.group(1) if match else None


async def test_flags_show_counts_and_ids_to_their_handlers_only(chat: Chat, clock: ManualClock) -> None:
    clock.set(START)
    await flag_coalition(chat)  # Alice and Sam steering, Fay facilitator (Riverside Group), Bob member (Acme)
    await raise_flag(chat, "bob", parties="Riverside Group", description="Fay's group shouted.")  # #1
    await raise_flag(chat, "sam", topic="Missed deadlines", description="Twice this month.")  # #2

    seen = {who: await inbox(chat, who) for who in ("alice", "sam", "fay", "bob")}
    assert flag_ids(seen["alice"]) == "#1, #2"
    assert "2 open flags to handle" in seen["alice"].plain()
    assert flag_ids(seen["sam"]) == "#1"  # not the one Sam raised
    assert flag_ids(seen["fay"]) == "#2"  # not the one naming her organisation
    assert "flag" not in seen["bob"].plain().lower()  # a member handles no flags
    for reply in seen.values():
        text = reply.plain()
        for secret in ("Shouting", "shouted", "Missed deadlines", "Twice", "Riverside", "high"):
            assert secret not in text, (secret, text)
    assert "/flag list" in seen["alice"].plain()

    clock.set(START + timedelta(days=8))  # a week without acknowledgement: overdue
    assert "2 open flags to handle, 2 overdue" in (await inbox(chat, "alice")).plain()
    assert not (await chat.say("alice", "/flag ack 1")).is_error
    assert not (await chat.say("alice", '/flag resolve 2 "Talked it through."')).is_error
    after = await inbox(chat, "alice")
    assert flag_ids(after) == "#1"
    assert "1 open flag to handle" in after.plain()
    assert "overdue" not in after.plain()
    assert not (await chat.say("alice", '/flag dismiss 1 "Not for us."')).is_error
    assert flag_ids(await inbox(chat, "alice")) is None


async def test_the_inbox_shows_the_flags_flag_list_shows_each_handler(chat: Chat) -> None:
    """The SQL of the inbox and the workflow's own visibility rules agree: recused by name, by
    organisation, as the named reporter; an anonymous reporter is not known, so not recused."""
    await flag_coalition(chat)
    await raise_flag(chat, "bob", parties="Fay")  # 1
    await raise_flag(chat, "bob", parties="Harbour Alliance")  # 2: Sam's organisation
    await raise_flag(chat, "fay", anonymous="yes")  # 3
    await raise_flag(chat, "sam", parties="Acme Trust")  # 4: Sam reported it
    await raise_flag(chat, "bob", parties="Alice")  # 5
    expected = {"alice": "#1, #2, #3, #4", "sam": "#1, #3, #5", "fay": "#2, #3, #4, #5"}
    for who, ids in expected.items():
        assert flag_ids(await inbox(chat, who)) == ids
        listed = sorted(int(n) for n in re.findall(r"#(\d+) ", (await chat.say(who, "/flag list")).plain()))
        assert ", ".join(f"#{n}" for n in listed) == ids


# meetings -------------------------------------------------------------------------------------------


async def test_unanswered_polls_carry_their_vote_buttons_and_leave_once_answered(
    chat: Chat, clock: ManualClock
) -> None:
    clock.set(START)
    await meet_coalition(chat)  # Alice (steering), Bob, Carol, Dave
    assert not (await chat.say("alice", PROPOSE)).is_error  # meeting #1, three slots

    mine = await inbox(chat, "bob")
    assert "1 poll waits for your answer" in mine.plain()
    assert "Poll #1: Steering call" in mine.plain()
    assert labels(mine) == [f"{slot}: {answer}" for slot in (1, 2, 3) for answer in ("Yes", "If need be", "No")]
    assert "Saved your answers for meeting #1" in (await click(chat, "bob", mine, "1: Yes")).plain()
    mine = await inbox(chat, "bob")
    assert "1: Yes" not in labels(mine)
    assert "2: Yes" in labels(mine)
    await click(chat, "bob", mine, "2: No")
    await click(chat, "bob", await inbox(chat, "bob"), "3: If need be")
    assert "Steering call" not in (await inbox(chat, "bob")).plain()
    assert "Steering call" in (await inbox(chat, "carol")).plain()  # Carol has not answered
    assert not (await chat.say("alice", "/coalition role @dave observer")).is_error
    assert "Steering call" not in (await inbox(chat, "dave")).plain()  # an observer does not vote
    assert not (await chat.say("alice", "/coalition role @dave member")).is_error

    # Everyone answers: the proposer (only) is told to close it.
    for who in ("alice", "carol", "dave"):
        await chat.submit(who, "meet.vote", {"slot1": "yes", "slot2": "maybe", "slot3": "no"}, state="1")
    ready = (await inbox(chat, "alice")).plain()
    assert "Everyone has answered your poll #1 Steering call: close it with /meet close 1." in ready
    assert "Everyone has answered" not in (await inbox(chat, "carol")).plain()
    assert not (await chat.say("alice", "/meet close 1")).is_error
    assert "Steering call" not in (await inbox(chat, "alice")).plain()


async def test_a_poll_past_its_deadline_waits_for_nobody(chat: Chat, clock: ManualClock) -> None:
    clock.set(START)
    await meet_coalition(chat)
    assert not (await chat.say("alice", PROPOSE)).is_error  # deadline 2026-03-08 18:00 Berlin
    assert "Steering call" in (await inbox(chat, "dave")).plain()
    clock.set(datetime(2026, 3, 8, 17, 1, tzinfo=UTC))
    assert "Steering call" not in (await inbox(chat, "dave")).plain()


# check-ins ------------------------------------------------------------------------------------------


async def test_an_open_check_in_window_waits_until_the_member_checks_in(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00 in Berlin
    await coalition_with_two_channels(chat)  # Alice (steering), Bob, Carol, Dave
    assert not (await chat.say("alice", '/goal add "Calls" target=100 unit=calls')).is_error
    assert not (await chat.say("alice", "/checkin schedule daily 09:00 window=2")).is_error
    assert "Check in" not in labels(await inbox(chat, "bob"))  # no window open yet
    opened_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    async with db.unit_of_work() as session:
        [schedule] = (await session.exec(select(CheckinSchedule))).all()
        assert await fire(session, schedule.id or 0, opened_at) == 2

    clock.set(opened_at + timedelta(minutes=30))
    mine = await inbox(chat, "bob")
    assert "you have not checked in yet" in mine.plain()
    assert "daily 09:00" in mine.plain()
    form = await click(chat, "bob", mine, "Check in")
    assert form.form is not None
    assert [f.name for f in form.form.fields][:2] == ["goal", "amount"]
    done = await submit(chat, "bob", form, {"goal": "1", "amount": "12"})
    assert "12" in done.plain()
    assert "Check in" not in labels(await inbox(chat, "bob"))
    assert "Check in" in labels(await inbox(chat, "carol"))  # Carol has not checked in
    clock.set(opened_at + timedelta(hours=2))  # the window closed
    assert "Check in" not in labels(await inbox(chat, "carol"))


# pledges --------------------------------------------------------------------------------------------


async def test_needs_the_organisation_could_meet_and_its_own_open_pledges(chat: Chat, clock: ManualClock) -> None:
    clock.set(START)
    # Alice (steering, no organisation); Bob and Dave of Acme Trust; Carol of River Group.
    await coalition_with_two_channels(chat, (("bob", "Acme Trust"), ("carol", "River Group"), ("dave", "Acme Trust")))
    assert not (await chat.say("bob", '/pledge offer "A box of FFP2 masks" amount=50 unit=masks')).is_error  # 1
    assert not (await chat.say("carol", '/pledge need "200 FFP2 masks for the clinic" amount=200 unit=masks')).is_error
    assert not (await chat.say("carol", '/pledge need "A meeting room" kind=space')).is_error  # 3: no offer fits

    for who in ("bob", "dave"):  # both of Acme Trust
        mine = await inbox(chat, who)
        assert "1 open need your organisation's offers could meet" in mine.plain()
        assert "#2 Other · River Group: 200 FFP2 masks for the clinic" in mine.plain()
        assert "meeting room" not in mine.plain()
        assert labels(mine) == ["I can help"]
    bob = (await inbox(chat, "bob")).plain()
    assert "1 open offer or need of Acme Trust" in bob
    assert "#1 Other · Acme Trust: A box of FFP2 masks" in bob
    carol = await inbox(chat, "carol")
    assert "could meet" not in carol.plain()  # her own needs are not offered back to her
    assert "2 open offers and needs of River Group" in carol.plain()
    assert "I can help" not in labels(carol)
    assert "pledge" not in (await inbox(chat, "alice")).plain().lower()  # no organisation, nothing of hers

    form = await click(chat, "bob", await inbox(chat, "bob"), "I can help")
    helped = await submit(
        chat, "bob", form, {"description": "Masks from our stock", "kind": "other", "quantity": "200 masks"}
    )
    assert "is matched to need #2" in helped.plain()
    bob_after = (await inbox(chat, "bob")).plain()
    assert "could meet" not in bob_after  # the need is fully promised
    assert "2 open offers and needs of Acme Trust" in bob_after
    assert "/pledge fulfill 4" in bob_after  # the new offer waits to be handed over
    assert "/pledge fulfill 1" not in bob_after  # the first offer has no match
    assert "/pledge fulfill 2" in (await inbox(chat, "carol")).plain()

    assert not (await chat.say("carol", "/pledge fulfill 2")).is_error
    carol_after = (await inbox(chat, "carol")).plain()
    assert "#2" not in carol_after
    assert "1 open offer or need of River Group" in carol_after
    assert "#4" not in (await inbox(chat, "bob")).plain()


# the Slack Home tab ---------------------------------------------------------------------------------


@pytest.fixture
async def slack(fake: FakeSlack, bot: tuple[SlackAdapter, Running]) -> AsyncIterator[SlackChat]:  # noqa: F811
    adapter, running = bot
    side = SlackSide(fake, running.url, SECRET)
    yield SlackChat(fake, side, adapter, f"C{number():06d}")
    await side.aclose()


async def home_of(slack: SlackChat, user: str) -> JSON:
    """The Home view published for ``user`` when they open the tab (checked against Slack's rules)."""
    await slack.side.event({"type": "app_home_opened", "user": user, "tab": "home"})
    await slack.settle()
    return slack.fake.home[user]


def home_click(slack: SlackChat, user: str, view: JSON, label: str) -> JSON:
    """The block_actions payload of a click on the Home tab: a ``view`` container, no channel."""
    [element] = [
        e
        for block in view["blocks"]
        for e in block.get("elements", [])
        if e.get("type") == "button" and e["text"]["text"] == label
    ]
    action = {
        "type": "button",
        "action_id": element["action_id"],
        "block_id": "b",
        "value": element.get("value", ""),
        "text": element["text"],
        "action_ts": f"{slack.side.now():.6f}",
    }
    team = slack.fake.users[user]["team_id"]
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "home"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0001",
        "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": slack.fake.trigger(),
        "view": {**view, "id": "VHOME", "team_id": team},
        "actions": [action],
    }


async def test_the_slack_home_tab_shows_flag_ids_only_and_a_polls_buttons_work_there(slack: SlackChat) -> None:
    alice, bob = person(slack.fake, f"Alice{number()}"), person(slack.fake, f"Bob{number()}")
    await slack.say(alice, '/coalition create "Home Inbox"')
    await slack.say(bob, '/coalition join org="Acme Trust"')
    await slack.say(alice, '/meet propose "Planning" 2026-01-20 09:00 2026-01-20 10:00')
    opened = await slack.say(bob, "/flag")
    topic, description = "Pressure from a partner org", "Told to keep quiet."
    flagged = {"topic": topic, "description": description, "severity": "high"}
    await slack.interact(slack.side.submit_payload(bob, opened.modal, flagged))
    flag_id = re.search(r"#(\d+)", opened.text())
    assert flag_id is not None, opened.text()

    shown = block_text((await home_of(slack, alice))["blocks"])
    assert f"1 open flag to handle: #{flag_id.group(1)}." in shown
    for secret in (topic, description, "high", "Acme"):
        assert secret not in shown

    home = await home_of(slack, bob)
    assert "open flag" not in block_text(home["blocks"])
    assert "Planning" in block_text(home["blocks"])
    await slack.interact(home_click(slack, bob, home, "1: Yes"))
    after = block_text((await home_of(slack, bob))["blocks"])
    assert "1: Yes" not in after
    assert "2: Yes" in after
