"""``/checkin report [week|month]`` and the check-in form: who reported, totals per goal against the
target, blockers, who has not reported; a double-submitted form records one check-in."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.ui import Image, Visibility
from bot.store.db import Database
from bot.store.models import Checkin
from tests.support import Chat
from tests.test_scheduling_runtime import setup


async def test_report_shows_reporters_totals_blockers_and_the_silent(chat: Chat, clock: ManualClock) -> None:
    await setup(chat, clock)
    await chat.say("alice", '/goal add "Flyers" target=500 unit=flyers')
    await chat.say("bob", '/checkin 30 goal=1 blockers="Need scripts"')
    clock.advance(timedelta(days=10))
    await chat.say("carol", '/checkin 5 goal=1 "evening calls"')
    await chat.say("dave", "/checkin 120 goal=2")
    await chat.say("alice", "/coalition role @dave observer")

    week = await chat.say("alice", "/checkin report")
    assert week.visibility == Visibility.PRIVATE
    assert not week.is_error
    text = week.plain()
    assert "check-ins, last 7 days" in text.lower()
    assert "35 / 100 calls (35%)" in text  # progress to date against the target
    assert "+5 calls in this period" in text
    assert "120 / 500 flyers (24%)" in text
    assert "Reported (2)" in text
    assert "Carol" in text
    assert "Dave" in text
    assert "Need scripts" not in text  # Bob's blocker was ten days ago
    assert "Not reported (2)" in text  # Alice and Bob

    month = (await chat.say("bob", "/checkin report month")).plain()
    assert "check-ins, last 30 days" in month.lower()
    assert "Reported (3)" in month
    assert "Bob: Need scripts" in month
    assert "Not reported (1)" in month
    assert "Alice" in month

    bad = await chat.say("alice", "/checkin report year")
    assert bad.is_error
    assert "week" in bad.plain()


async def test_report_leaves_observers_out_of_the_not_reported_list(chat: Chat, clock: ManualClock) -> None:
    await setup(chat, clock)
    assert not (await chat.say("alice", "/coalition role @carol observer")).is_error
    text = (await chat.say("alice", "/checkin report")).plain()
    assert "Reported (0)" in text
    assert "nobody yet" in text
    assert "Not reported (3)" in text  # Alice, Bob, Dave — not Carol the observer


async def test_checkin_form_has_goal_amount_note_and_blockers(chat: Chat, clock: ManualClock) -> None:
    await setup(chat, clock)
    form = (await chat.say("bob", "/checkin")).form
    assert form is not None
    assert [(f.name, f.kind) for f in form.fields] == [
        ("goal", "select"),
        ("amount", "number"),
        ("note", "long_text"),
        ("blockers", "long_text"),
    ]


async def test_double_submitted_checkin_form_records_once(chat: Chat, db: Database, clock: ManualClock) -> None:
    await setup(chat, clock)
    values = {"goal": "1", "amount": "7", "note": "door knocking"}
    first = await chat.submit("bob", "checkin.log", values, request_id="view-1")
    again = await chat.submit("bob", "checkin.log", values, request_id="view-1")
    assert not first.is_error
    assert not again.is_error
    async with db.session() as session:
        rows = (await session.exec(select(Checkin))).all()
    assert [(r.amount, r.note) for r in rows] == [(7, "door knocking")]
    await chat.submit("bob", "checkin.log", values, request_id="view-2")  # a new form is a new check-in
    assert "14 / 100 calls (14%)" in (await chat.say("bob", "/coalition status")).plain()


async def test_goal_show_has_a_progress_chart(chat: Chat, clock: ManualClock) -> None:
    await setup(chat, clock)
    assert "No check-ins yet" in (await chat.say("alice", "/goal show 1")).plain()
    await chat.say("bob", "/checkin 30")
    shown = await chat.say("alice", "/goal show 1")
    [image] = [b for b in shown.blocks if isinstance(b, Image)]
    assert image.attachment.content.startswith(b"\x89PNG")
    assert image.attachment.filename == "goal-1-progress.png"
    assert "30 of 100" in image.alt
