"""Where the rest of the bot reaches into decisions: ``/coalition status``, the export (open ballots
with voters, secret ones as totals), export mine, connect (one person votes once), and the public
decisions page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from sqlmodel import select

from bot.commands.decide import workflow
from bot.commands.decide.page import decision_routes
from bot.commands.decide.repo import decide_repo
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.workflow import as_export
from bot.server import Metrics, build_app
from bot.store.db import Database
from bot.store.decision_models import DecisionVote
from tests.support import Chat, member_ctx, outbox
from tests.test_connect import code_in, connect, two_platforms
from tests.test_impact import coalition

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_status_counts_the_decisions_awaiting_your_vote(chat: Chat, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "One?"')
    await chat.say("alice", '/decide propose "Two?" method=majority')
    await chat.say("alice", '/decide propose "Three?"')
    await chat.click("bob", await chat.say("bob", "/decide vote 3"), "Consent")
    status = (await chat.say("bob", "/coalition status")).plain()
    assert "3 decisions are open." in status
    assert "2 decisions await your vote: #2 Two?, #1 One?" in status
    assert "3 decisions await your vote" in (await chat.say("alice", "/coalition status")).plain()
    await chat.say("alice", '/decide close 1 "Done"')
    assert "2 decisions are open." in (await chat.say("bob", "/coalition status")).plain()


async def test_export_gives_open_ballots_with_voters_and_secret_ones_as_totals(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Open?" method=majority')
    await chat.click("bob", await chat.say("bob", "/decide vote 1"), "Yes")
    await chat.say("alice", '/decide propose "Hidden?" method=majority options="Left, Right" secret=yes')
    for who in ("bob", "carol"):
        await chat.submit(who, "decide.ballot", {"choice": "1"}, state="2")
    async with db.session() as session:
        ctx = await member_ctx(chat, session, "alice")
        tables = as_export(await workflow.export(ctx)).tables
        bob = await ctx.repo.member_by_identity("console", "local", "bob")
        mine = await workflow.export_mine(ctx, bob.id)
    assert [v["member_id"] for v in tables["decisionvote"]] == [bob.id]
    assert tables["secretballot"] == [{"decision_id": 2, "ballots": 2}]
    assert tables["decisionparticipant"] == [{"decision_id": 2, "took_part": 2}]
    assert "choice" not in json.dumps(tables["secretballot"])
    assert [v["choice"] for v in mine["decision_ballots"]] == [{"option": 0}]
    assert mine["secret_decisions_taken_part_in"] == [{"decision_id": 2}]
    assert "choice" not in json.dumps(mine["secret_decisions_taken_part_in"])


async def test_two_accounts_connected_vote_once(db: Database, core: object, clock: ManualClock) -> None:
    clock.set(START)
    slack, discord = await two_platforms(core)  # type: ignore[arg-type]
    await slack.say("bea", "/coalition join")
    await discord.say("bea", "/coalition join")
    await slack.say("alice", '/decide propose "Merge?" method=majority')
    await slack.click("bea", await slack.say("bea", "/decide vote 1"), "Yes")
    await discord.click("bea", await discord.say("bea", "/decide vote 1"), "No")
    offer = await slack.say("bea", "/coalition connect")
    done = await connect(discord, "bea", code_in(offer.plain()))
    assert not done.is_error, done.plain()
    async with db.session() as session:
        votes = (await session.exec(select(DecisionVote))).all()
    assert len(votes) == 1
    shown = (await slack.say("alice", "/decide show 1")).plain()
    assert "1 of " in shown
    assert "Voted: Bea." in shown


async def test_the_public_page_shows_only_decisions_steering_made_public(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Adopt <b>the</b> plan?"')
    await chat.click("bob", await chat.say("bob", "/decide vote 1"), "Consent")
    await chat.say("alice", '/decide close 1 "Adopted & published"')
    await chat.say("alice", '/decide propose "Private matter?"')
    await chat.say("alice", '/decide close 2 "Kept inside"')
    assert "steering" in (await chat.refused("bob", "/decide public 1")).lower()
    made = await chat.say("alice", "/decide public 1")
    assert "/decisions/clean-air" in made.plain()
    app = build_app(chat.core, [], Metrics(), extra=decision_routes(db, clock, ()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as web:
        page = await web.get("/decisions/clean-air")
        missing = await web.get("/decisions/nobody")
        spanish = await web.get("/decisions/clean-air", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    html = page.text
    assert "Adopt &lt;b&gt;the&lt;/b&gt; plan?" in html  # escaped
    assert "Adopted &amp; published" in html
    assert "Private matter" not in html
    assert "Kept inside" not in html
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "overflow-wrap: anywhere" in html
    assert '<h2 id="d1" dir="auto">' in html
    assert "1 of 6 members took part." in html
    assert missing.status_code == 404
    assert '<html lang="es">' in spanish.text
    assert "decisión hecha pública" in spanish.text


async def test_forget_me_keeps_totals_and_drops_the_name(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Keep totals?"')
    await chat.say("bob", '/decide object 1 "Bob has a reason"')
    offer = await chat.say("bob", "/coalition forget-me")
    assert not (await chat.click("bob", offer, "Erase my data")).is_error
    shown = (await chat.say("alice", "/decide show 1")).plain()
    assert "1 of 6 members have voted" in shown
    assert "Bob has a reason" not in shown
    async with db.session() as session:
        ctx = await member_ctx(chat, session, "alice")
        [vote] = await decide_repo(ctx).votes(1)
    assert vote.member_id is None
    assert vote.reason == "[removed]"
    copies = await outbox(db, topic="decide:1")
    assert len(copies) == 2  # the copies were rewritten, not deleted
    assert all("Bob has a reason" not in decode_reply(r.payload).plain() for r in await outbox(db))


async def test_no_english_escapes_the_catalogs(chat: Chat, db: Database, clock: ManualClock) -> None:
    from bot.store.models import Coalition
    from tests.test_impact_privacy import TYPED

    clock.set(START)
    await coalition(chat)
    async with db.unit_of_work() as session:
        c = (await session.exec(select(Coalition))).one()
        c.language = "qps"
        session.add(c)
    typed = [
        "http://bot.test/decisions/clean-air",
        "Adopt",
        "Rent",
        "Transit",
        "Parks",
        "Pick",
        "Mon",
        "Tue",
        "Done",
        "reason",
        "first",
        "calls",
    ]
    kept = list(TYPED)
    TYPED.extend(t for t in typed if t not in TYPED)
    try:
        await speak_in_pseudo_locale(chat, db)
    finally:
        TYPED[:] = kept


async def speak_in_pseudo_locale(chat: Chat, db: Database) -> None:
    from tests.test_impact_privacy import english_left

    replies = []
    for who, line in (
        ("alice", '/decide propose "Adopt?" deadline=2026-03-09'),
        ("alice", '/decide propose "Rent?" method=ranked options="Rent, Transit, Parks" secret=yes'),
        ("alice", '/decide propose "Pick" method=score options="Mon, Tue" by=org quorum=2orgs'),
        ("alice", '/decide propose "Pick" method=dots options="Mon, Tue" dots=3'),
        ("alice", '/decide propose "Pick" method=majority threshold=2/3'),
        ("alice", '/decide propose "Pick" method=consensus'),
        ("bob", '/decide object 1 "reason"'),
        ("bob", "/decide vote 1"),
        ("bob", "/decide vote 2"),
        ("bob", "/decide vote 3"),
        ("erin", "/decide vote 3"),
        ("carol", "/decide vote 3"),
        ("bob", "/decide vote 4"),
        ("bob", "/decide vote 5"),
        ("bob", '/decide block 6 "reason"'),
        ("bob", "/decide delegate @bob alternate=@erin"),
        ("alice", "/decide list"),
        ("alice", "/decide show 1"),
        ("alice", "/decide show 2"),
        ("alice", "/decide remind 1"),
        ("alice", "/coalition status"),
        ("alice", '/decide close 1 "Done" goal="calls" target=3'),
        ("alice", '/decide close 2 "Done"'),
        ("alice", '/decide close 6 "Done"'),
        ("alice", "/decide show 2"),
        ("alice", "/decide log"),
        ("alice", "/decide public 1"),
        ("alice", "/decide propose"),
    ):
        replies.append(await chat.say(who, line))
    for who in ("alice", "bob", "carol", "dave", "erin"):
        replies.append(await chat.submit(who, "decide.ballot", {"choice": "0"}, state="5"))
    replies.append(await chat.say("alice", '/decide close 5 "Done"'))
    replies += [decode_reply(r.payload) for r in await outbox(db)]
    left = {e for r in replies for e in english_left(r)}
    assert left == set(), [(e, r.plain()[:300]) for r in replies for e in english_left(r)][:6]
