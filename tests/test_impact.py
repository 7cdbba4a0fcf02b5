"""Impact through the core, on SQLite and PostgreSQL: wins announced in every channel (and closing
their goal), relationships counted from a matched pledge, a meeting, a working group and a shared
goal, with the last 90 days and the organisations working with nobody; leaders per organisation;
the anonymous pulse (one answer each, one reminder, results only from 5 answers on); the report;
status, export and forget-me."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.commands.impact import workflow
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.scope import base
from bot.core.ui import Image, Reply
from bot.core.workflow import read_tables
from bot.store.db import Database
from bot.store.impact_models import PulseResponder, PulseTally, Win
from bot.store.models import Goal
from tests.support import Chat, coalition_with_two_channels, link_code_in, mark_sent, member_ctx, outbox
from tests.test_meet import run_job

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def coalition(chat: Chat) -> None:
    """Alice (steering) with two channels; Bob and Erin of Acme Trust, Carol of River Group, Dave of
    Harbour Aid, Frank of Lone Works."""
    await coalition_with_two_channels(
        chat,
        (
            ("bob", "Acme Trust"),
            ("carol", "River Group"),
            ("dave", "Harbour Aid"),
            ("erin", "Acme Trust"),
            ("frank", "Lone Works"),
        ),
    )


async def rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    async with db.session() as session:
        return list((await session.exec(select(model))).all())


async def test_a_win_is_announced_everywhere_closes_its_goal_and_is_listed(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/goal add "Clean air plan" target=1 unit=plans')
    logged = await chat.say("bob", '/impact win "The council adopted <!channel> our plan" goal=1 climate=yes')
    assert not logged.is_error, logged.plain()
    assert "Win #1 logged. Announced in 2 channels." in logged.plain()
    posts = await outbox(db, kind="post")
    assert sorted(p.target for p in posts) == ["actions", "general"]
    post = decode_reply(posts[0].payload).plain()
    assert "A WIN FOR CLEAN AIR" in post
    assert "The council adopted <!channel> our plan" in post  # plain text: each renderer escapes it
    assert "It shifted the political climate." in post
    assert "For goal #1 Clean air plan." in post

    # Closing the goal is steering's; a refused win writes nothing.
    assert "Only steering closes goals" in await chat.refused("bob", '/impact win "Another" goal=1 close=yes')
    assert (await chat.say("bob", '/impact win "Elsewhere" goal=99')).is_error
    assert (await chat.say("alice", '/impact win "No goal" close=yes')).is_error
    assert len(await rows(db, Win)) == 1
    closed = await chat.say("alice", '/impact win "The plan is funded" goal=1 close=yes')
    assert "Goal #1 Clean air plan is closed." in closed.plain()
    [goal] = await rows(db, Goal)
    assert goal.status == "closed"

    form = (await chat.say("carol", "/impact win")).form
    assert form is not None
    assert [f.name for f in form.fields] == ["text", "climate"]  # no open goal left to offer
    clock.advance(timedelta(days=2))
    await chat.submit("carol", "impact.win", {"text": "Press conference covered", "climate": "no"})
    listed = (await chat.say("dave", "/impact wins")).plain()
    assert "3 wins · 1 shifted the political climate" in listed
    assert listed.index("Press conference covered") < listed.index("The plan is funded")
    assert "(shifted the climate)" in listed


async def work_together(chat: Chat, clock: ManualClock) -> None:
    """A pledge of Acme matched to a need of River; a meeting Acme and River attended (Dave of
    Harbour Aid said no); Acme and Harbour Aid in one working group."""
    await chat.say("carol", '/pledge need "Masks for the clinic" amount=100 unit=masks')
    await chat.say("bob", '/pledge offer "Masks" amount=100 unit=masks')
    assert not (await chat.say("bob", "/pledge match 2 1")).is_error
    await chat.say("alice", '/meet propose "Joint call" 2026-03-10 09:00 2026-03-11 17:00')
    await chat.submit("bob", "meet.vote", {"slot1": "yes", "slot2": "no"}, state="1")
    await chat.submit("carol", "meet.vote", {"slot1": "yes", "slot2": "yes"}, state="1")
    await chat.submit("dave", "meet.vote", {"slot1": "no", "slot2": "yes"}, state="1")
    assert not (await chat.say("alice", "/meet close 1")).is_error
    await chat.say("erin", '/coalition group create "Outreach"')
    await chat.say("erin", '/coalition group join "Outreach"')
    await chat.say("dave", '/coalition group join "Outreach"')


async def test_relationships_count_a_matched_pledge_a_meeting_and_a_group_and_name_who_works_alone(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START - timedelta(days=120))
    await coalition(chat)
    await chat.say("alice", '/goal add "Calls" target=100')
    await chat.say("bob", "/checkin 5 goal=1")
    await chat.say("carol", "/checkin 3 goal=1")  # Acme and River share a goal, 120 days ago
    clock.set(START)
    await work_together(chat, clock)

    shown = await chat.say("dave", "/impact relationships")
    text = shown.plain()
    assert not shown.is_error, text
    acme_river = next(line for line in text.splitlines() if "Acme Trust and River Group" in line)
    assert "3 pieces of work together" in acme_river
    assert "1 meetings attended" in acme_river
    assert "1 pledges matched" in acme_river
    assert "1 shared goals" in acme_river
    assert "Last 90 days: 2 (the 90 days before: 1)" in acme_river
    acme_harbour = next(line for line in text.splitlines() if "Acme Trust and Harbour Aid" in line)
    assert "1 piece of work together (1 working groups)" in acme_harbour
    assert "River Group and Harbour Aid" not in text  # Dave said no to the chosen slot
    assert "Working with nobody yet: Lone Works." in text
    [image] = [b for b in shown.blocks if isinstance(b, Image)]
    assert image.attachment.content.startswith(b"\x89PNG")
    assert "The network of 4 organisations. 2 pairs worked together" in image.alt


async def test_leaders_per_organisation_with_the_new_ones(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START - timedelta(days=200))
    await coalition(chat)
    await chat.say("alice", '/goal add "Calls" target=100')
    clock.set(START)
    assert "Nobody has taken on a lead yet" not in (await chat.say("bob", "/impact leaders")).plain()
    await work_together(chat, clock)
    text = (await chat.say("frank", "/impact leaders")).plain()
    assert "3 leaders · " in text, text
    assert "Bob: matched a need, since Mar 1, 2026 (new)" in text
    assert "Erin: started a working group" in text
    assert "Alice: set a goal and proposed a meeting" in text
    assert "Carol" not in text
    assert "Frank" not in text


async def answer(chat: Chat, who: str, score: int, comment: str = "") -> Reply:
    opened = await chat.say(who, "/impact pulse")
    assert opened.form is not None, opened.plain()
    return await chat.submit(who, "impact.pulse", {"score": str(score), "comment": comment}, state=opened.form.state)


async def test_the_pulse_withholds_results_at_4_answers_and_shows_them_at_5(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    assert (await chat.say("bob", "/impact pulse start")).is_error  # steering only
    started = await chat.say("alice", "/impact pulse start")
    assert "Pulse #1 started. Posted in 2 channels." in started.plain()
    [post, _other] = await outbox(db, kind="post")
    posted = decode_reply(post.payload)
    assert "How well are the organisations in this coalition working together?" in posted.plain()
    opened = await chat.click("bob", posted, "Answer anonymously")
    assert opened.form is not None
    assert base(opened.form.form_id) == "impact.pulse"
    assert (
        "Thank you"
        in (
            await chat.submit("bob", "impact.pulse", {"score": "4", "comment": "Good"}, state=opened.form.state)
        ).plain()
    )
    again = await chat.submit("bob", "impact.pulse", {"score": "1"}, state=opened.form.state)
    assert again.is_error
    assert "once" in again.plain()
    assert "You have answered this pulse" in (await chat.say("bob", "/impact pulse")).plain()
    for who, score in (("carol", 3), ("dave", 5), ("erin", 4)):
        assert not (await answer(chat, who, score)).is_error
    assert (await chat.say("alice", "/impact pulse start")).is_error  # one open pulse at a time
    assert "No pulse has closed yet" in (await chat.say("carol", "/impact pulse results")).plain()
    closed = (await chat.say("alice", "/impact pulse close")).plain()
    assert "4 answered: results are shown from 5 answers on, so 1 more is needed." in closed
    assert "average" not in closed
    assert "Good" not in closed
    assert "so 1 more is needed" in decode_reply((await outbox(db, kind="post"))[-1].payload).plain()
    assert (await chat.submit("frank", "impact.pulse", {"score": "2"}, state="1")).is_error  # closed

    await chat.say("alice", '/impact pulse start question="Do we trust each other?"')
    for who, score, comment in (
        ("alice", 5, ""),
        ("bob", 4, "Meetings help"),
        ("carol", 4, ""),
        ("dave", 3, ""),
        ("erin", 5, ""),
    ):
        assert not (await answer(chat, who, score, comment)).is_error
    shown = (await chat.say("alice", "/impact pulse close")).plain()
    assert "5 answers, average 4.2 out of 5." in shown
    assert "Meetings help" in shown
    assert "5 · Very well  ██████████ 2" in shown
    assert "(results" not in shown
    results = (await chat.say("frank", "/impact pulse results")).plain()
    assert "Do we trust each other?" in results
    assert "Meetings help" in results  # the comments survive the rewrite at close
    tallies = {(t.pulse_id, t.score): t.count for t in await rows(db, PulseTally)}
    assert tallies[(2, 4)] == 2
    assert tallies[(1, 4)] == 2
    assert len(await rows(db, PulseResponder)) == 9


async def test_non_responders_are_reminded_once(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    discord = Chat(chat.core, platform="discord", workspace="900001", channel="700001")
    code = link_code_in((await chat.say("alice", "/coalition link")).plain())
    await discord.say("gina", f"/coalition link {code}")
    await discord.say("hugo", "/coalition join")
    await chat.say("alice", "/impact pulse start")
    opened = await discord.say("gina", "/impact pulse")
    assert opened.form is not None
    await discord.submit("gina", "impact.pulse", {"score": "3"}, state=opened.form.state)
    job = workflow.jobs[0]
    assert await run_job(db, job, START + timedelta(days=2)) == 0
    await mark_sent(db)
    assert await run_job(db, job, START + timedelta(days=3)) == 7  # everyone but Gina, who answered
    directs = await outbox(db, kind="direct")
    assert sorted(d.target for d in directs) == ["alice", "bob", "carol", "dave", "erin", "frank", "hugo"]
    assert "anonymous pulse is open" in decode_reply(directs[0].payload).plain()
    assert await run_job(db, job, START + timedelta(days=4)) == 0


async def test_report_status_export_and_forget(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    await work_together(chat, clock)
    await chat.say("bob", '/impact win "Clinic stocked" climate=no')
    await chat.say("alice", "/impact pulse start")
    assert "answer it anonymously with /impact pulse" in (await chat.say("carol", "/coalition status")).plain()
    await answer(chat, "carol", 2, "Too many meetings")
    assert "you have answered it" in (await chat.say("carol", "/coalition status")).plain()

    report = await chat.say("alice", "/impact report")
    text = report.plain()
    assert "Wins: 1, of which 0 shifted the political climate." in text
    assert "Relationships: 2 pairs of organisations worked together" in text
    assert "Leaders: 3 members took on a lead" in text
    assert "Pulse: no closed pulse with 5 answers or more yet." in text
    assert "Working with nobody yet: Lone Works." in text
    [image] = [b for b in report.blocks if isinstance(b, Image)]
    assert image.attachment.filename == "impact-report.png"
    assert image.alt.startswith("Four charts")

    async with db.unit_of_work() as session:
        ctx = await member_ctx(chat, session, "bob")
        bob = ctx.member
        assert workflow.export is not None
        assert workflow.forget is not None
        assert bob is not None
        tables = await read_tables(await workflow.export(ctx))
        assert set(tables) == set(workflow.exports)
        assert tables["win"][0]["text"] == "Clinic stocked"
        assert tables["pulseresponder"] == [{"pulse_id": 1, "answered": 1}]  # how many, never who
        assert tables["pulsecomment"] == [{"pulse_id": 1, "text": "Too many meetings"}]
        await workflow.forget(ctx, bob.id or 0)
    [win] = await rows(db, Win)
    assert win.member_id is None
    assert win.text == "Clinic stocked"


async def test_another_coalition_sees_nothing(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/goal add "Calls" target=100')
    await chat.say("alice", "/impact pulse start")
    other = Chat(chat.core, channel="elsewhere")
    await other.say("zoe", '/coalition create "Other"')
    assert (await other.say("zoe", '/impact win "Mine" goal=1')).is_error
    assert (await other.submit("zoe", "impact.pulse", {"score": "5"}, state="1")).is_error
    assert "No pulse is open" in (await other.say("zoe", "/impact pulse")).plain()
    assert await rows(db, PulseResponder) == []
    assert [w.text for w in await rows(db, Win)] == []
    assert sum(t.count for t in await rows(db, PulseTally)) == 0


async def test_the_first_day_report_says_what_to_do_in_words_and_in_the_picture(chat: Chat, clock: ManualClock) -> None:
    """The issue's fresh coalition: one goal, one check-in, nobody else yet. No "1 members", no
    empty frames: each measure says what is missing, in the text and in the alt text."""
    clock.set(START)
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    await chat.say("alice", '/goal add "Calls" target=100 unit=calls due=2026-06-01')
    clock.advance(timedelta(minutes=3))
    await chat.say("alice", "/checkin 4 goal=1")
    report = await chat.say("alice", "/impact report")
    text = report.plain()
    assert "Leaders: 1 member took on a lead." in text
    assert "1 members" not in text
    for sentence in ("No wins yet.", "Relationships need two organisations or more.", "Pulse: no closed pulse"):
        assert sentence in text
    [image] = [b for b in report.blocks if isinstance(b, Image)]
    assert "No wins yet." in image.alt
    assert "No leaders in an organisation yet" in image.alt
    shown = (await chat.say("alice", "/goal show 1")).plain()
    assert "Too early to project" in shown
    assert "At the pace so far" not in shown
