"""A person's own place (SPEC §2, §4): every button and form the bot sends works where it lands, and
commands typed in a direct message act for the person's coalition.

The first test is generated from the registry: every action id and every form id, clicked or
submitted with the element as the bot sends it (stamped with its coalition, ``bot.core.scope``)
from every kind of place — the coalition's channel, a channel bound to nothing (an ephemeral reply
left after an unlink), a direct message, the Home tab — by a person who is in two coalitions of one
workspace. The answer is the effect or a refusal of the clicker's role, never "this channel is not
part of a coalition" (or any other way of not finding the coalition) for an element the bot sent.
The platform shapes of the same clicks are driven through the Slack and Discord fakes in
``tests/test_own_place_platforms.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core import own_place, scope, text
from bot.core.context import NOT_BOUND, ActionEvent, FormSubmission, Place
from bot.core.i18n import _
from bot.core.params import Param
from bot.core.registry import Registry
from bot.core.ui import Actions, Code, Section, Select
from bot.core.values import Kind
from bot.store.db import Database
from bot.store.flag_models import ConflictFlag
from bot.store.models import BotState, Member, ProcessedRequest, Role
from tests.support import Chat


def shown(sentence: str) -> str:
    """A sentence as a reply's plain text shows it (code spans lose their backticks)."""
    return _(sentence).replace("`", "")


NOT_FOUND_THE_COALITION = (
    shown(NOT_BOUND),
    shown(own_place.NO_COALITION),
    shown(own_place.WHICH),
    shown(own_place.GONE),
    shown(text.STALE_BUTTON),
    "not a member of",
)

PLACES = {
    "channel": Place("console", "local", "a"),
    "unbound channel": Place("console", "local", "left-behind"),
    "direct message": Place("console", "local", "@bob", "", private=True),
    "home tab": Place("console", "local", "", "", private=True),
}


def sample(param: Param) -> str:
    """A plausible value of the parameter's kind (the handler may still refuse it on its merits)."""
    if param.choices:
        return param.choices[0]
    return {
        Kind.INT: "1",
        Kind.ID: "1",
        Kind.NUMBER: "1",
        Kind.DATE: "2027-01-15",
        Kind.TIME: "10:00",
        Kind.DATETIME: "2027-01-15 10:00",
        Kind.TZ: "UTC",
        Kind.USER: "alice",
        Kind.CHANNEL: "general",
    }.get(param.kind, "Something to say"[: param.max_length])


async def two_coalitions(chat: Chat) -> tuple[int, int]:
    """Coalition A (channel ``a``) and B (channel ``b``); bob is a plain member of both."""
    await chat.say("alice", '/coalition create "Alpha"', channel="a")
    await chat.say("alice", '/goal add "Calls" target=100 unit=calls', channel="a")
    await chat.say("bob", "/coalition join org=Acme", channel="a")
    await chat.say("carol", '/coalition create "Beta"', channel="b")
    await chat.say("bob", "/coalition join org=Acme", channel="b")
    async with chat.core.db.session() as session:
        rows = (await session.exec(select(Member.coalition_id).distinct())).all()
    first, second = sorted(rows)
    return first, second


def every_element(registry: Registry) -> list[tuple[str, str, frozenset[Role]]]:
    found: list[tuple[str, str, frozenset[Role]]] = []
    for command in registry:
        found += [("action", action_id, spec.roles) for action_id, spec in command.actions.items()]
        found += [("form", form_id, spec.roles) for form_id, spec in command.forms.items()]
    return sorted(found)


async def test_every_element_finds_its_coalition_from_every_place(chat: Chat) -> None:
    alpha, _beta = await two_coalitions(chat)
    registry = chat.core.registry
    elements = every_element(registry)
    assert len(elements) >= 20, "the registry lost its buttons and forms"
    checked = 0
    for kind, element_id, roles in elements:
        stamped = scope.stamp(element_id, alpha)
        for where, place in PLACES.items():
            who = f"m{checked}"  # a new member of both coalitions each time: clicks have effects (forget-me)
            await chat.say(who, "/coalition join", channel="a")
            await chat.say(who, "/coalition join", channel="b")
            if kind == "action":
                reply = await chat.core.run_action(ActionEvent(stamped, "1", chat.actor(who), place))
            else:
                spec = registry.form(element_id)
                assert spec is not None
                values = {p.name: sample(p) for p in spec.params if p.required}
                reply = await chat.core.submit_form(FormSubmission(stamped, values, chat.actor(who), place, "1"))
            shown = reply.plain()
            for sign in NOT_FOUND_THE_COALITION:
                assert sign not in shown, f"{kind} {element_id} from the {where}: {shown}"
            if Role.MEMBER not in roles:
                assert "your role in this coalition is member" in shown, f"{element_id} from the {where}: {shown}"
            checked += 1
    assert checked == len(elements) * len(PLACES)


async def test_a_forged_or_foreign_stamp_reaches_nothing(chat: Chat, db: Database) -> None:
    alpha, beta = await two_coalitions(chat)
    await chat.say("dave", "/coalition join", channel="b")  # dave is in Beta only
    forged = scope.stamp("coalition.request", alpha)[:-1] + "0"
    dm = PLACES["direct message"]
    refused = await chat.core.run_action(ActionEvent(forged, "approve:1", chat.actor("dave"), dm))
    assert refused.is_error
    foreign = await chat.core.run_action(
        ActionEvent(scope.stamp("coalition.request", alpha), "approve:1", chat.actor("dave"), dm)
    )
    assert foreign.is_error
    assert "not a member of Alpha" in foreign.plain()
    gone = await chat.core.run_action(ActionEvent(scope.stamp("coalition.request", 999), "x", chat.actor("dave"), dm))
    assert shown(own_place.GONE) in gone.plain()
    assert beta != alpha


async def test_commands_in_a_dm_ask_which_coalition_and_remember(chat: Chat, db: Database) -> None:
    alpha, beta = await two_coalitions(chat)
    dm = PLACES["direct message"]
    from bot.core.context import Invocation

    asked = await chat.core.run_command(Invocation("coalition", chat.actor("bob"), dm, text="status"))
    assert shown(own_place.WHICH) in asked.plain()
    [picker] = [b for b in asked.blocks if isinstance(b, Actions)]
    [select_] = picker.elements
    assert isinstance(select_, Select)
    assert [o.label for o in select_.options] == ["Alpha", "Beta"]
    beta_choice = next(o.value for o in select_.options if o.label == "Beta")
    answered = await chat.core.run_action(ActionEvent(select_.action_id, beta_choice, chat.actor("bob"), dm))
    assert "beta — status" in answered.plain().lower(), "choosing runs the command that asked"
    again = await chat.core.run_command(Invocation("coalition", chat.actor("bob"), dm, text="status"))
    assert "beta — status" in again.plain().lower(), "the choice is remembered"
    chat.core.clock.advance(timedelta(hours=own_place.CHOICE_HOURS + 1))  # type: ignore[attr-defined]
    later = await chat.core.run_command(Invocation("coalition", chat.actor("bob"), dm, text="status"))
    assert shown(own_place.WHICH) in later.plain(), "…for a while"
    alone = await chat.core.run_command(Invocation("coalition", chat.actor("alice"), dm, text="status"))
    assert "alpha — status" in alone.plain().lower(), "one coalition: no question"
    nobody = await chat.core.run_command(Invocation("coalition", chat.actor("zed"), dm, text="status"))
    assert shown(own_place.NO_COALITION) in nobody.plain()
    assert alpha != beta


async def test_a_dm_never_becomes_a_coalitions_channel(chat: Chat) -> None:
    from bot.core.context import Invocation

    dm = PLACES["direct message"]
    created = await chat.core.run_command(Invocation("coalition", chat.actor("zed"), dm, text='create "Mine"'))
    assert created.is_error
    assert "works in a channel" in created.plain()
    await chat.say("alice", '/coalition create "Alpha"', channel="a")
    linked = await chat.core.run_command(Invocation("coalition", chat.actor("alice"), dm, text="link ABCD-EF01-2345"))
    assert linked.is_error
    assert "works in a channel" in linked.plain()
    code = await chat.core.run_command(Invocation("coalition", chat.actor("alice"), dm, text="link"))
    assert not code.is_error, "steering can still get a link code privately"


async def test_a_flag_raised_in_a_dm_goes_to_the_chosen_coalition_and_is_followed_there(
    chat: Chat, db: Database
) -> None:
    from bot.core.context import Invocation

    alpha, beta = await two_coalitions(chat)
    dm = PLACES["direct message"]
    asked = await chat.core.run_command(Invocation("flag", chat.actor("bob"), dm, text="raise"))
    [picker] = [b for b in asked.blocks if isinstance(b, Actions)]
    [select_] = picker.elements
    assert isinstance(select_, Select)
    choice = next(o.value for o in select_.options if o.label == "Beta")
    opened = await chat.core.run_action(ActionEvent(select_.action_id, choice, chat.actor("bob"), dm))
    assert opened.form is not None, opened.plain()
    values = {
        "topic": "Meeting tone",
        "description": "Raised voices at the last call",
        "severity": "medium",
        "anonymous": "yes",
    }
    done = await chat.core.submit_form(FormSubmission(opened.form.form_id, values, chat.actor("bob"), dm))
    receipt = next(
        part.text
        for block in done.blocks
        if isinstance(block, Section)
        for part in block.text.parts
        if isinstance(part, Code)
    )
    async with db.session() as session:
        flags = (await session.exec(select(ConflictFlag.coalition_id))).all()
    assert flags == [beta]
    async with db.session() as session:
        reporters = (await session.exec(select(ConflictFlag.reporter_id))).all()
        kept = (await session.exec(select(BotState.key))).all()
        handled = (await session.exec(select(ProcessedRequest.key))).all()
    assert reporters == [None], "anonymous"
    assert not [k for k in kept if k.startswith("own-place:")], "the choice for a flag is kept in memory only"
    assert handled == [], "nor a request record of the choosing click"
    status = await chat.core.run_command(Invocation("flag", chat.actor("bob"), dm, text=f"status {receipt}"))
    assert not status.is_error, status.plain()
    assert alpha != beta


@pytest.mark.parametrize("policy", ["approval"])
async def test_steering_approves_a_join_request_from_the_dm_that_asked(chat: Chat, policy: str) -> None:
    from bot.core.context import Invocation

    await chat.say("alice", '/coalition create "Alpha"', channel="a")
    await chat.say("alice", f"/coalition settings join={policy}", channel="a")
    await chat.say("erin", "/coalition join", channel="a")
    inbox = await chat.core.run_command(Invocation("coalition", chat.actor("alice"), PLACES["home tab"], text="inbox"))
    assert "Erin asks to join" in inbox.plain()
    approved = await chat.click("alice", inbox, "Approve", channel="@alice")
    assert not approved.is_error, approved.plain()
    members = await chat.say("alice", "/coalition members", channel="a")
    assert "Erin" in members.plain()
