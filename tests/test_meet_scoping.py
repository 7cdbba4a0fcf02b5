"""The scoping walk of ``tests/test_scoping.py``, for meetings: both coalitions hold open, closed
and cancelled meetings with votes and agenda items, and every ``/meet`` subcommand, form and button,
run in coalition A with an id of B's data, refuses it, shows nothing of it and changes nothing of B.
Each id parameter says through its autocomplete which table its ids live in (``meeting``)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands.meet import meet
from bot.core.clock import ManualClock
from bot.core.context import ActionEvent, FormSubmission
from bot.core.params import Kind
from bot.core.ui import Reply
from bot.store.db import Database
from tests.support import Chat
from tests.test_scoping import SECRET, dump, ids_in, quoted, rows_of, table_of, value_for

A, B = 1, 2


async def coalition_with_meetings(chat: Chat, channel: str, steering: str, member: str, name: str) -> None:
    async def ok(who: str, line: str) -> Reply:
        reply = await chat.say(who, line, channel=channel)
        assert not reply.is_error, (line, reply.plain())
        return reply

    await ok(steering, f'/coalition create "{name}" tz=Europe/Berlin')
    await ok(member, f'/coalition join org="{name} Trust"')
    for title in ("Open", "Closed", "Cancelled"):
        await ok(steering, f'/meet propose "{name} {title}" 2026-03-10 09:00 2026-03-11 17:00 deadline=2026-03-08')
    listed = (await ok(steering, "/meet list")).plain()
    ids = {title: listed.split(f" {name} {title}")[0].rsplit("#", 1)[1] for title in ("Open", "Closed", "Cancelled")}
    for meeting in ids.values():
        await chat.submit(member, "meet.vote", {"slot1": "yes", "slot2": "no"}, state=meeting, channel=channel)
        await ok(member, f'/meet agenda {meeting} "{name} point"')
    await ok(steering, f"/meet close {ids['Closed']} 2 repeat=weekly")
    await ok(steering, f"/meet close {ids['Cancelled']}")
    await ok(steering, f"/meet cancel {ids['Cancelled']}")
    await ok(steering, "/meet feed")


async def test_meeting_ids_of_another_coalition_are_refused_everywhere(
    db: Database, clock: ManualClock, chat: Chat
) -> None:
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    await coalition_with_meetings(chat, "a", "alice", "bob", "Clean Air")
    await coalition_with_meetings(chat, "b", "zoe", "yan", SECRET)
    before = await dump(db)
    checked: list[str] = []

    for sub in meet.subcommands.values():
        id_params = [p for p in sub.params if p.kind == Kind.ID]
        for param in id_params:
            assert param.autocomplete in meet.completers, f"{sub.full_name}: {param.name} completes nothing"
        foreign = sorted({i for p in id_params for i in ids_in(before, B, table_of(p.autocomplete or ""))})
        assert foreign or not id_params, f"coalition B has nothing {sub.full_name} could refer to"
        for foreign_id in foreign:
            words = [*sub.path, *(f"{p.name}={quoted(value_for(p, foreign_id))}" for p in sub.params)]
            line = "/meet " + " ".join(words)
            reply = await chat.say("alice", line, channel="a")
            assert reply.is_error, (line, reply.plain())
            assert SECRET not in reply.plain(), (line, reply.plain())
            assert await dump(db) == before, f"{line} changed the database"
            checked.append(line)

    meetings_of_b = ids_in(before, B, "meeting")
    slots_of_b = ids_in(before, B, "meetingslot")
    for form in meet.forms.values():
        for foreign_id in ids_in(before, B):
            values = {p.name: value_for(p, foreign_id) for p in form.params}
            submission = FormSubmission(form.form_id, values, chat.actor("bob"), chat.place("a"), state=str(foreign_id))
            reply = await chat.core.submit_form(submission)
            after = await dump(db)
            assert rows_of(after, B) == rows_of(before, B), f"form {form.form_id} touched coalition B"
            assert SECRET not in reply.plain()
            assert SECRET not in str(reply.form_errors or "")
            checked.append(f"form {form.form_id}")
            before = after

    for action in meet.actions.values():
        clicks = [str(i) for i in ids_in(before, B)]
        clicks += [f"{m}:{s}:yes" for m in meetings_of_b for s in slots_of_b]
        for value in clicks:
            event = ActionEvent(action.action_id, value, chat.actor("bob"), chat.place("a"))
            reply = await chat.core.run_action(event)
            assert reply.is_error, (action.action_id, value, reply.plain())
            assert SECRET not in reply.plain(), (action.action_id, value, reply.plain())
            assert await dump(db) == before, f"button {action.action_id} {value} changed the database"
            checked.append(f"button {action.action_id}")

    paths = {line.split()[1] for line in checked if line.startswith("/meet")}
    assert paths == {"vote", "show", "close", "cancel", "agenda", "ics"}
    assert "form meet.vote" in checked
    assert "button meet.vote" in checked
    options = await chat.core.complete("meeting", chat.actor("alice"), chat.place("a"), "")
    assert options
    assert all(SECRET not in o.label for o in options)
    assert {int(o.value) for o in options}.isdisjoint(meetings_of_b)
