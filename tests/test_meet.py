"""Meetings through the core, on SQLite and PostgreSQL: a poll posted in every channel, votes by
button and form (stored once, changeable, refreshing every copy), fairness marks, the nudge and the
deadline, closing with the .ics and Discord events, reminders on an injected clock, cancelling,
the calendar feed, scoping, and the hooks for status, export and forget-me."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar
from sqlmodel import select
from starlette.applications import Starlette

from bot.commands import WORKFLOWS
from bot.commands.meet import workflow
from bot.commands.meet.feed import calendar_routes
from bot.commands.meet.jobs import POLL_JOB, REMINDER_JOB
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.workflow import JobEnv, jobs_of, read_tables
from bot.scheduling.runner import Scheduler
from bot.store.db import Database
from bot.store.meeting_models import Meeting, MeetingVote
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat, coalition_with_two_channels, link_code_in, mark_sent, member_ctx, outbox

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PROPOSE = '/meet propose "Steering call" 2026-03-10 09:00 2026-03-11 17:00 18:00 deadline="2026-03-08 18:00"'


async def run_job(db: Database, job: object, now: datetime) -> int:
    from bot.core.workflow import TimedJob

    assert isinstance(job, TimedJob)
    sent = 0
    async with db.unit_of_work() as session:
        due = await job.due(session, now)
    for item in due:
        async with db.unit_of_work() as session:
            sent += await job.run(session, item, now, JobEnv())
    return sent


async def coalition(chat: Chat) -> None:
    """Alice (steering, Berlin) with a second channel; Bob in Los Angeles, Carol and Dave in Berlin."""
    await coalition_with_two_channels(chat, members=())
    assert "America/Los_Angeles" in (await chat.say("bob", "/meet tz America/Los_Angeles")).plain()
    assert not (await chat.say("carol", '/coalition join org="River Trust"')).is_error
    assert not (await chat.say("dave", '/coalition join org="Acme"')).is_error


async def proposed(chat: Chat, clock: ManualClock) -> None:
    """At START: the coalition, and Alice proposes the steering call (meeting #1)."""
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", PROPOSE)


async def poll_copy(db: Database) -> OutboxMessage:
    return (await outbox(db, topic="meet:1"))[0]


async def test_a_poll_goes_to_every_channel_with_fairness_marks(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    reply = await chat.say("alice", PROPOSE)
    assert not reply.is_error, reply.plain()
    assert "Poll #1 Steering call posted in 2 channels." in reply.plain()
    copies = await outbox(db, topic="meet:1")
    assert sorted(row.target for row in copies) == ["actions", "general"]
    posted = decode_reply(copies[0].payload).plain()
    assert "MEETING POLL #1: STEERING CALL" in posted
    # 09:00 Berlin is 01:00 in Los Angeles: marked, saying for whom.
    assert "Outside 08:00–21:00 for 1 member in America/Los_Angeles (starts at 1:00\u202fAM there)" in posted
    assert posted.count("Outside 08:00") == 1
    assert "0 of 4 members have answered." in posted
    async with db.session() as session:
        meeting = (await session.exec(select(Meeting))).one()
    assert meeting.deadline == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)
    assert meeting.nudge_at == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)


async def test_bad_slots_get_a_clear_private_error_and_nothing_is_written(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    cases = {
        '/meet propose "Call" 2026-02-20 10:00': "already passed",
        '/meet propose "Call" 2026-03-10 10:00 2026-03-10 10:00': "given twice",
        '/meet propose "Call" 2026-03-10 soon': "soon is not a slot",
        '/meet propose "Call" 2026-03-10': "has no time after it",
        '/meet propose "Call" 2026-03-10 10:00 duration=1000': "from 5 to 720",
        '/meet propose "Call" 2026-03-10 10:00 deadline=2026-03-20': "after the first slot",
        "/meet propose 2026-03-10 10:00": "has no date before it",  # the date was taken as the title
    }
    for line, expected in cases.items():
        reply = await chat.say("bob", line)
        assert reply.is_error, line
        assert reply.visibility.value == "private"
        assert expected in reply.plain(), (line, reply.plain())
    async with db.session() as session:
        assert (await session.exec(select(Meeting))).all() == []
    assert await outbox(db, kind="post") == []
    observer = await chat.say("alice", "/coalition role @dave observer")
    assert not observer.is_error
    assert (await chat.say("dave", PROPOSE)).is_error


async def test_votes_by_button_and_form_are_stored_once_and_refresh_every_copy(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await proposed(chat, clock)
    poll = decode_reply((await poll_copy(db)).payload)
    await mark_sent(db)
    first = await chat.click("bob", poll, "1: Yes")
    assert "Saved your answers for meeting #1" in first.plain()
    again = await chat.click("bob", poll, "1: Yes")  # a double click changes nothing
    assert "stay as they were" in again.plain()
    changed = await chat.click("bob", poll, "1: If need be", channel="actions")
    assert "If need be" in changed.plain()
    async with db.session() as session:
        votes = (await session.exec(select(MeetingVote))).all()
    assert [(v.member_id, v.answer) for v in votes] == [(2, "maybe")]
    updates = await outbox(db, kind="update")
    assert sorted(u.message_id or "" for u in updates) == sorted(
        r.message_id or "" for r in await outbox(db, topic="meet:1")
    )
    assert "0 yes · 1 if need be · 0 no" in decode_reply(updates[0].payload).plain()

    form = (await chat.say("carol", "/meet vote 1")).form
    assert form is not None
    assert [f.name for f in form.fields] == ["slot1", "slot2", "slot3"]
    saved = await chat.submit("carol", "meet.vote", {"slot1": "no", "slot2": "yes", "slot3": "yes"}, state="1")
    assert "Saved your answers" in saved.plain()
    shown = (await chat.say("alice", "/meet show 1")).plain()
    assert "0 yes · 1 if need be · 1 no" in shown
    assert "3 have not answered: Alice, Bob, Dave" in shown
    form_again = (await chat.say("carol", "/meet vote 1")).form
    assert form_again is not None
    assert form_again.fields[0].initial == "no"
    bad = await chat.submit("carol", "meet.vote", {"slot1": "perhaps"}, state="1")
    assert bad.form_errors is not None
    assert "slot1" in bad.form_errors


async def test_everyone_answered_tells_the_proposer_once(chat: Chat, db: Database, clock: ManualClock) -> None:
    await proposed(chat, clock)
    everything = {"slot1": "yes", "slot2": "maybe", "slot3": "no"}
    for who in ("alice", "bob", "carol"):
        await chat.submit(who, "meet.vote", everything, state="1")
    assert await outbox(db, key="meet:all-answered:1") == []
    await chat.submit("dave", "meet.vote", everything, state="1")
    [notice] = await outbox(db, key="meet:all-answered:1")
    assert notice.kind == "direct"
    assert notice.target == "alice"
    assert "Everyone in Clean Air has answered your poll #1 Steering call." in decode_reply(notice.payload).plain()
    await chat.submit("dave", "meet.vote", {**everything, "slot3": "yes"}, state="1")
    assert len(await outbox(db, key="meet:all-answered:1")) == 1


async def test_one_nudge_before_the_deadline_then_the_proposer_is_asked_to_close(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await proposed(chat, clock)
    await chat.submit("bob", "meet.vote", {"slot1": "no", "slot2": "yes", "slot3": "yes"}, state="1")
    assert await run_job(db, POLL_JOB, datetime(2026, 3, 7, 16, 0, tzinfo=UTC)) == 0
    async with db.session() as session:
        assert await POLL_JOB.next_wake(session, START) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)  # type: ignore[misc]
    assert await run_job(db, POLL_JOB, datetime(2026, 3, 7, 17, 0, tzinfo=UTC)) == 3  # alice, carol, dave
    nudges = [r for r in await outbox(db, kind="direct") if r.key.startswith("meet:nudge:1:")]
    assert sorted(r.target for r in nudges) == ["alice", "carol", "dave"]
    assert "your answer is missing" in decode_reply(nudges[0].payload).plain()
    assert await run_job(db, POLL_JOB, datetime(2026, 3, 7, 18, 0, tzinfo=UTC)) == 0  # only one nudge
    assert await run_job(db, POLL_JOB, datetime(2026, 3, 8, 17, 0, tzinfo=UTC)) == 1
    [ask] = await outbox(db, key="meet:deadline:1")
    assert ask.target == "alice"
    assert (
        "`/meet close 1`" in decode_reply(ask.payload).plain() or "/meet close 1" in decode_reply(ask.payload).plain()
    )
    assert await run_job(db, POLL_JOB, datetime(2026, 3, 9, 0, 0, tzinfo=UTC)) == 0


async def link_discord(chat: Chat, core_chat_discord: Chat) -> None:
    code = link_code_in((await chat.say("alice", "/coalition link")).plain())
    linked = await core_chat_discord.say("erin", f"/coalition link {code}")
    assert not linked.is_error, linked.plain()


async def proposed_with_discord(chat: Chat, clock: ManualClock) -> Chat:
    """At START: the coalition, a Discord channel linked by Erin, and the steering call proposed;
    the Discord side's chat."""
    clock.set(START)
    await coalition(chat)
    discord = Chat(chat.core, platform="discord", workspace="900001", channel="700001")
    await link_discord(chat, discord)
    await chat.say("alice", PROPOSE)
    return discord


async def test_closing_picks_the_best_slot_says_why_and_sends_calendar_event_and_reminders(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    discord = await proposed_with_discord(chat, clock)
    open_poll = decode_reply((await poll_copy(db)).payload)
    await chat.submit("bob", "meet.vote", {"slot1": "no", "slot2": "yes", "slot3": "yes"}, state="1")
    await chat.submit("carol", "meet.vote", {"slot1": "yes", "slot2": "yes", "slot3": "maybe"}, state="1")
    await discord.submit("erin", "meet.vote", {"slot1": "yes", "slot2": "yes", "slot3": "yes"}, state="1")
    assert (await chat.say("carol", "/meet close 1")).is_error  # not hers to close
    await chat.say("carol", '/meet agenda 1 "Budget <!channel>"')
    closed = await chat.say("alice", "/meet close 1 repeat=weekly")
    assert not closed.is_error, closed.plain()
    assert "Meeting #1 is on Wed 11 Mar 2026 17:00 CET." in closed.plain()
    assert "It has the most yes answers (3, against 2)." in closed.plain()
    [ics] = closed.attachments
    assert ics.filename == "meeting-1.ics"
    assert ics.mime == "text/calendar"
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
    assert str(event["RRULE"].to_ical().decode()) == "FREQ=WEEKLY"
    assert "Budget <!channel>" in str(event["DESCRIPTION"])
    announced = await outbox(db, key="meet:closed:1@1")
    assert announced
    assert decode_reply(announced[0].payload).attachments[0].filename == "meeting-1.ics"
    assert len([r for r in await outbox(db) if r.key.startswith("meet:closed:1@")]) == 3  # every channel
    [discord_event] = await outbox(db, kind="event")
    assert (discord_event.platform, discord_event.workspace) == ("discord", "900001")
    assert datetime.fromisoformat(discord_event.payload["start"]) == datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
    assert datetime.fromisoformat(discord_event.payload["end"]) == datetime(2026, 3, 11, 17, 0, tzinfo=UTC)
    assert discord_event.payload["location"]
    assert (await chat.say("alice", "/meet close 1")).is_error  # already closed
    assert "poll for meeting #1 is closed" in (await chat.click("bob", open_poll, "1: Yes")).plain()

    # Reminders: 24 hours and 15 minutes before, with the agenda; each once, on the injected clock.
    occurrence = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
    assert await run_job(db, REMINDER_JOB, occurrence - timedelta(hours=25)) == 0
    assert await run_job(db, REMINDER_JOB, occurrence - timedelta(hours=24)) == 3
    assert await run_job(db, REMINDER_JOB, occurrence - timedelta(hours=23)) == 0
    assert await run_job(db, REMINDER_JOB, occurrence - timedelta(minutes=15)) == 3
    reminders = await outbox(db, topic="meet-remind:1")
    assert len(reminders) == 6
    soon = decode_reply(reminders[-1].payload).plain()
    assert "STARTING SOON: STEERING CALL" in soon
    assert "Budget <!channel>" in soon
    # The next week's occurrence: its reminders and its own Discord event.
    assert await run_job(db, REMINDER_JOB, occurrence + timedelta(days=6)) == 3
    assert len(await outbox(db, kind="event")) == 2
    async with db.session() as session:
        assert await REMINDER_JOB.next_wake(session, START) == occurrence + timedelta(days=7, minutes=-15)  # type: ignore[misc]


async def test_cancel_retracts_events_reminders_and_calendar_entry(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await proposed_with_discord(chat, clock)  # with a Discord channel: closing creates a Discord event
    await chat.say("alice", "/meet close 1 2")
    await mark_sent(db)  # the Discord event was created: it has an id now
    assert await run_job(db, REMINDER_JOB, datetime(2026, 3, 10, 16, 0, tzinfo=UTC)) == 3  # queued, not sent
    assert (await chat.say("bob", "/meet cancel 1")).is_error
    cancelled = await chat.say("alice", "/meet cancel 1")
    assert not cancelled.is_error, cancelled.plain()
    assert "1 Discord event is being removed." in cancelled.plain()
    [deletion] = await outbox(db, kind="event_del")
    [created] = await outbox(db, kind="event")
    assert deletion.message_id == created.message_id
    assert deletion.workspace == "900001"
    assert {r.status for r in await outbox(db, topic="meet-remind:1")} == {"cancelled"}
    cancel_file = Calendar.from_ical(cancelled.attachments[0].content)
    assert str(cancel_file["METHOD"]) == "CANCEL"
    assert int(cancel_file.walk("VEVENT")[0]["SEQUENCE"]) == 1
    assert len([r for r in await outbox(db) if r.key.startswith("meet:cancelled:1@")]) == 3
    assert await run_job(db, REMINDER_JOB, datetime(2026, 3, 11, 15, 50, tzinfo=UTC)) == 0
    assert "cancelled" in (await chat.say("alice", "/meet ics 1")).plain()


async def test_another_coalition_sees_nothing(chat: Chat, db: Database, clock: ManualClock) -> None:
    await proposed(chat, clock)
    await chat.say("zoe", '/coalition create "Other"', channel="elsewhere")
    for line in (
        "/meet show 1",
        "/meet vote 1",
        "/meet close 1",
        "/meet cancel 1",
        "/meet ics 1",
        '/meet agenda 1 "x"',
    ):
        assert "no meeting #1 in Other" in await chat.refused("zoe", line, channel="elsewhere"), line
    not_an_id = await chat.say("alice", "/meet show abc")
    assert not_an_id.is_error
    assert "abc is not a meeting id: ids are numbers like 3" in not_an_id.plain()  # the core's parser
    poll = decode_reply((await poll_copy(db)).payload)
    assert (await chat.click("zoe", poll, "1: Yes", channel="elsewhere")).is_error
    assert "No meetings yet" in (await chat.say("zoe", "/meet list", channel="elsewhere")).plain()
    options = await chat.core.complete("meeting", chat.actor("zoe"), chat.place("elsewhere"), "")
    assert options == []
    assert [o.value for o in await chat.core.complete("meeting", chat.actor("bob"), chat.place(), "steer")] == ["1"]


async def test_the_calendar_feed_lists_coming_meetings_behind_a_renewable_secret(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await proposed(chat, clock)
    await chat.say("alice", "/meet close 1 3")
    url = re.search(r"http://bot\.test(/calendar/clean-air/[\w-]+\.ics)", (await chat.say("bob", "/meet feed")).plain())
    assert url is not None
    app = Starlette(routes=calendar_routes(db, clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as client:
        response = await client.get(url.group(1))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        event = Calendar.from_ical(response.content).walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == "Steering call"
        assert (await client.get(url.group(1).replace("clean-air", "other"))).status_code == 404
        assert (await chat.say("bob", "/meet feed-renew")).is_error  # steering only
        renewed = await chat.say("alice", "/meet feed-renew")
        assert "no longer works" in renewed.plain()
        assert (await client.get(url.group(1))).status_code == 404


async def test_status_export_and_forget_hooks(chat: Chat, db: Database, clock: ManualClock) -> None:
    await proposed(chat, clock)
    await chat.submit("bob", "meet.vote", {"slot1": "yes"}, state="1")
    await chat.say("bob", '/meet agenda 1 "Bob\'s point"')
    async with db.unit_of_work() as session:
        ctx = await member_ctx(chat, session, "bob")
        bob = ctx.member
        status = " ".join(b.text.plain() for b in await workflow.status[0](ctx) if hasattr(b, "text"))  # type: ignore[union-attr]
        assert "#1 Steering call" in status
        assert "4 members have not answered" in status
        assert workflow.export is not None
        assert workflow.forget is not None
        tables = await read_tables(await workflow.export(ctx))
        assert set(tables) == set(workflow.exports)
        assert len(tables["meetingslot"]) == 3
        assert tables["meetingvote"][0]["answer"] == "yes"
        await workflow.forget(ctx, bob.id or 0)  # type: ignore[union-attr]
        after = await read_tables(await workflow.export(ctx))
    assert after["meetingvote"] == []
    assert after["meetingagendaitem"][0]["author_name"] == ""
    assert after["meetingagendaitem"][0]["member_id"] is None


async def test_the_real_scheduler_fed_by_the_workflow_list_sends_the_reminders(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    """Production wiring: the scheduler runs the meetings' jobs because they are in ``WORKFLOWS``."""
    await proposed(chat, clock)
    assert not (await chat.say("alice", "/meet close 1 2")).is_error  # Wed 11 Mar 2026 16:00 UTC
    occurrence = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
    scheduler = Scheduler(db, jobs=jobs_of(WORKFLOWS), clock=clock)
    assert {"meet.polls", "meet.reminders"} <= {job.name for job in scheduler.jobs}
    try:
        assert await scheduler.next_wake(START) == occurrence - timedelta(hours=24)
        assert await scheduler.tick(occurrence - timedelta(hours=24)) == 2  # both linked channels
        assert await scheduler.tick(occurrence - timedelta(minutes=16)) == 0
        assert await scheduler.next_wake(occurrence - timedelta(minutes=16)) == occurrence - timedelta(minutes=15)
        assert await scheduler.tick(occurrence - timedelta(minutes=15)) == 2
        assert await scheduler.tick(occurrence - timedelta(minutes=14)) == 0  # a doubled tick sends nothing
    finally:
        await scheduler.stop()  # PostgreSQL: let go of the leader lock
    soon = [r for r in await outbox(db, topic="meet-remind:1") if r.key.startswith("meet:remind:1:20260311T1600Z:15")]
    assert len(soon) == 2
    assert {r.status for r in soon} == {"pending"}
    assert "STARTING SOON: STEERING CALL" in decode_reply(soon[0].payload).plain()
