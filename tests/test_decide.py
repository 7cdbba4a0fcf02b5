"""``/decide`` through the real core, as people in a chat: consent with an objection withdrawn,
by-organisation votes with delegates and alternates, secret ranked choice, reminders, closing, the
log, and retried or double-clicked ballots counted once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from bot.commands.decide import workflow
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.scope import base
from bot.core.ui import Actions, Button, Reply
from bot.store.db import Database
from bot.store.decision_models import Decision, DecisionLogEntry, DecisionVote, SecretBallot
from tests.support import Chat, mark_sent, outbox
from tests.test_impact import coalition
from tests.test_meet import run_job

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSE_JOB, REMIND_JOB = workflow.jobs


def buttons(reply: Reply) -> list[Button]:
    return [e for b in reply.blocks if isinstance(b, Actions) for e in b.elements if isinstance(e, Button)]


async def count_rows(db: Database, model: type) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def copies(db: Database, decision_id: int = 1) -> list[str]:
    """The current text of every posted copy of the decision (newest content of each)."""
    rows = await outbox(db, topic=f"decide:{decision_id}")
    return [decode_reply(r.payload).plain() for r in rows]


async def test_a_consent_proposal_passes_once_its_objection_is_withdrawn(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    proposed = await chat.say("alice", '/decide propose "Adopt the spring plan?" deadline="2026-03-05 18:00"')
    assert not proposed.is_error, proposed.plain()
    assert "posted in 2 channels" in proposed.plain()
    posts = await outbox(db, topic="decide:1")
    assert len(posts) == 2
    post = decode_reply(posts[0].payload)
    assert "Method: consent" in post.plain()
    assert "one vote per member" in post.plain()
    assert [b.label for b in buttons(post)] == ["Vote"]
    await mark_sent(db)

    ballot = await chat.click("bob", post, "Vote")
    assert [b.label for b in buttons(ballot)] == ["Consent", "Object…"]
    form = (await chat.click("bob", ballot, "Object…")).form
    assert form is not None
    assert base(form.form_id) == "decide.reason"
    refused = await chat.submit("bob", "decide.reason", {"reason": "   "}, state=form.state)
    assert refused.is_error or refused.form_errors
    objected = await chat.say("bob", '/decide object 1 "The budget line for rent is missing"')
    assert "withdraw" in objected.plain()
    shown = await chat.say("carol", "/decide show 1")
    assert "Objection from Bob: The budget line for rent is missing" in shown.plain()
    updates = await outbox(db, kind="update")
    assert len(updates) == 2  # both copies updated in place
    assert "rent is missing" in decode_reply(updates[0].payload).plain()

    await chat.click("bob", await chat.say("bob", "/decide vote 1"), "Consent")
    await chat.click("carol", await chat.say("carol", "/decide vote 1"), "Consent")
    shown = await chat.say("carol", "/decide show 1")
    assert "Objection" not in shown.plain()
    assert "Voted: Bob, Carol" in shown.plain()

    assert await run_job(db, CLOSE_JOB, START + timedelta(days=1)) == 0  # not yet
    clock.set(datetime(2026, 3, 5, 17, 1, tzinfo=UTC))
    assert await run_job(db, CLOSE_JOB, clock.now()) == 1
    async with db.session() as session:
        decision = (await session.exec(select(Decision))).one()
    assert decision.status == "closed"
    assert decision.result["passed"] is True
    assert decision.outcome == "Passed: no objection stands."
    closed = await outbox(db, key="decide:closed:1@1")
    assert "Passed" in decode_reply(closed[0].payload).plain()
    log = await chat.say("dave", "/decide log")
    assert "Adopt the spring plan?" in log.plain()
    assert "2 of 6 members" in log.plain()
    assert await run_job(db, CLOSE_JOB, clock.now() + timedelta(minutes=1)) == 0  # closes once


async def test_votes_by_organisation_count_the_delegate_else_the_alternate(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    assert not (await chat.say("bob", "/decide delegate @bob")).is_error
    proposed = await chat.say(
        "alice", '/decide propose "Join the march?" method=majority by=org quorum=3orgs deadline=2026-03-09'
    )
    assert not proposed.is_error, proposed.plain()
    told = await chat.say("erin", "/decide vote 1")
    assert "Bob votes for Acme Trust" in told.plain()
    assert not buttons(told)
    no_delegate = await chat.say("carol", "/decide vote 1")
    assert "River Group has no delegate" in no_delegate.plain()
    volunteered = await chat.click("carol", no_delegate, "I will vote for River Group")
    assert "You now vote for River Group" in volunteered.plain()

    assert not (await chat.say("bob", "/decide delegate @bob alternate=@erin")).is_error
    profile = (await chat.say("dave", '/coalition profile "Acme Trust"')).plain()
    assert "Bob votes for Acme Trust on decisions by organisation; Erin is the alternate." in profile
    assert "no delegate" in (await chat.say("dave", '/coalition profile "Harbour Aid"')).plain()
    ballot = await chat.say("erin", "/decide vote 1")
    as_alternate = await chat.click("erin", ballot, "No")
    assert "counts only if the delegate does not vote" in as_alternate.plain()
    assert "Acme Trust" in (await chat.say("alice", "/decide show 1")).plain()
    assert "No: 1 of 1 vote" in (await chat.say("alice", "/decide show 1")).plain()
    await chat.click("bob", await chat.say("bob", "/decide vote 1"), "Yes")
    shown = (await chat.say("alice", "/decide show 1")).plain()
    assert "Yes: 1 of 1 vote" in shown  # the delegate's ballot, not the alternate's
    await chat.click("carol", await chat.say("carol", "/decide vote 1"), "Yes")
    live = await copies(db)
    assert len(live) == 2
    assert all("2 of 4 organisations have voted. Voted: Acme Trust, River Group." in text for text in live)

    closed = await chat.say("alice", '/decide close 1 "We go"')
    assert "No quorum: 2 of 4 took part." in closed.plain()
    async with db.session() as session:
        entry = (await session.exec(select(DecisionLogEntry))).one()
    assert entry.quorum_met is False
    assert entry.turnout == 2


async def test_a_secret_ranked_choice_shows_rounds_at_close_and_only_from_five_ballots(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    for who in ("grace", "heidi"):
        await chat.say(who, '/coalition join org="Lone Works"')
    proposed = await chat.say(
        "alice", '/decide propose "Which campaign first?" method=ranked options="Rent, Transit, Parks" secret=yes'
    )
    assert not proposed.is_error, proposed.plain()
    rankings = {
        "alice": ("0", "1"),
        "bob": ("0", "2"),
        "carol": ("1", "0"),
        "dave": ("2", "1"),
        "erin": ("1", "0"),
        "frank": ("2", "1"),
    }
    for who, (first, second) in rankings.items():
        form = (await chat.say(who, "/decide vote 1")).form
        assert form is not None
        assert form.title == "Secret ballot"
        cast = await chat.submit(who, "decide.ballot", {"rank1": first, "rank2": second}, state=form.state)
        assert "counted" in cast.plain(), cast.plain()
    again = await chat.submit("bob", "decide.ballot", {"rank1": "1"}, state="1")
    assert again.is_error
    assert await count_rows(db, SecretBallot) == 6
    before = (await chat.say("carol", "/decide show 1")).plain()
    assert "Round" not in before
    assert "6 of 8 members have voted" in before
    closed = (await chat.say("alice", '/decide close 1 "Transit first"')).plain()
    assert "Chosen: Transit." in closed
    shown = (await chat.say("carol", "/decide show 1")).plain()
    assert "Round 1: Rent 2 · Transit 2 · Parks 2 — Parks is eliminated." in shown
    assert "Round 2: Rent 2 · Transit 4." in shown


async def test_a_secret_decision_with_four_ballots_says_how_many_more_were_needed(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "New logo?" method=majority secret=yes')
    for who in ("alice", "bob", "carol", "dave"):
        form = (await chat.say(who, "/decide vote 1")).form
        assert form is not None
        await chat.submit(who, "decide.ballot", {"choice": "0"}, state=form.state)
    closed = (await chat.say("alice", '/decide close 1 "Decided nothing"')).plain()
    assert "4 ballots were cast" in closed
    assert "so 1 more was needed" in closed
    async with db.session() as session:
        decision = (await session.exec(select(Decision))).one()
    assert "counts" not in decision.result


async def test_reminders_go_once_and_only_to_non_voters(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Adopt the code of conduct?" deadline="2026-03-04 12:00"')
    await chat.click("bob", await chat.say("bob", "/decide vote 1"), "Consent")
    assert await run_job(db, REMIND_JOB, START + timedelta(hours=1)) == 0
    sent = await run_job(db, REMIND_JOB, datetime(2026, 3, 3, 11, 30, tzinfo=UTC))
    reminded = {r.target for r in await outbox(db, kind="direct") if r.key.startswith("decide:remind:")}
    assert sent == len(reminded) == 5
    assert "bob" not in reminded
    assert await run_job(db, REMIND_JOB, datetime(2026, 3, 3, 11, 31, tzinfo=UTC)) == 0
    by_hand = await chat.say("alice", "/decide remind 1")
    assert "Reminded 5 people" in by_hand.plain()
    assert "Only the person who proposed" in await chat.refused("carol", "/decide remind 1")


async def test_retried_and_double_clicked_ballots_count_once(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Meet monthly?" method=majority')
    ballot = await chat.say("bob", "/decide vote 1")
    await chat.click("bob", ballot, "Yes")
    again = await chat.click("bob", ballot, "Yes")
    assert "Your ballot on decision #1: Yes" in again.plain()
    assert await count_rows(db, DecisionVote) == 1
    assert len(await outbox(db, kind="update")) + len(await outbox(db, topic="decide:1")) == 2  # no second refresh
    first = await chat.say("carol", '/decide object 1 "x"', request_id="R1")
    assert first.is_error  # majority takes no objections
    retried = await chat.say("alice", '/decide propose "Once?"', request_id="R2")
    assert not retried.is_error
    assert "already" in (await chat.say("alice", '/decide propose "Once?"', request_id="R2")).plain().lower()
    async with db.session() as session:
        assert len((await session.exec(select(Decision).where(Decision.question == "Once?"))).all()) == 1


async def test_only_the_proposer_or_steering_closes_and_a_block_holds_consensus_open(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("bob", '/decide propose "Share the donor list?" method=consensus deadline=2026-03-03')
    await chat.say("carol", '/decide block 1 "Our donors did not agree to this"')
    assert "Only the person who proposed" in await chat.refused("dave", '/decide close 1 "no"')
    assert "A block holds" in await chat.refused("bob", '/decide close 1 "yes"')
    clock.set(datetime(2026, 3, 4, tzinfo=UTC))
    await run_job(db, CLOSE_JOB, clock.now())
    async with db.session() as session:
        assert (await session.exec(select(Decision))).one().status == "open"
    assert [r for r in await outbox(db) if r.key.startswith("decide:held:1")]
    closed = await chat.say("alice", '/decide close 1 "Not agreed" goal="Ask donors" target=10 unit=donors')
    assert "Not agreed: a block stands." in closed.plain()
    assert "Goal #1 Ask donors added" in closed.plain()


async def test_bad_proposals_are_refused_with_a_clear_reason(chat: Chat, clock: ManualClock) -> None:
    clock.set(START)
    await coalition(chat)
    assert "objections and blocks need one" in await chat.refused("alice", '/decide propose "X?" secret=yes')
    assert "from 2 to 5 options" in await chat.refused("alice", '/decide propose "X?" method=ranked options="A"')
    assert "no options" in await chat.refused("alice", '/decide propose "X?" options="A, B"')
    assert "quorum" in await chat.refused("alice", '/decide propose "X?" quorum=lots')
    assert "already passed" in await chat.refused("alice", '/decide propose "X?" deadline=2020-01-01')
    assert "threshold" in await chat.refused("alice", '/decide propose "X?" threshold=2/3')
    form = (await chat.say("alice", "/decide propose")).form
    assert form is not None
    assert len(form.fields) <= 5  # a Discord modal shows five
    made = await chat.submit(
        "alice",
        "decide.propose",
        {"question": "Pick a day", "method": "dots", "options": "Mon, Tue", "more": "dots=3 by=org quorum=50%"},
    )
    assert "posted in 2 channels" in made.plain(), made.plain()
    assert "dot voting, 3 dots each" in (await chat.say("bob", "/decide show 1")).plain()


async def test_an_organisation_without_a_delegate_is_asked_privately_to_name_one(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("bob", "/decide delegate @bob")
    await chat.say("alice", '/decide propose "Co-sign the letter?" method=majority by=org')
    asked = [r for r in await outbox(db, kind="direct") if r.key.startswith("decide:no-delegate:1:")]
    targets = sorted(r.target for r in asked)
    assert targets == ["carol", "dave", "frank"]  # River Group, Harbour Aid, Lone Works; not Acme Trust
    notice = decode_reply(next(r for r in asked if r.target == "dave").payload)
    assert "has no delegate" in notice.plain()
    [button] = buttons(notice)
    assert button.label.startswith("I will vote for")
    took = await chat.click("dave", notice, button.label)
    assert "You now vote for" in took.plain()
    ballot = await chat.say("dave", "/decide vote 1")
    assert [b.label for b in buttons(ballot)] == ["Yes", "No"]
    assert "Only members of Acme Trust or steering" in await chat.refused("dave", "/decide delegate @bob")
    assert "another member of Acme Trust" in await chat.refused("bob", "/decide delegate @bob alternate=@carol")


async def test_an_open_score_ballot_comes_back_filled_in_and_changes_in_place(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    await chat.say("alice", '/decide propose "Which venue?" method=score options="Hall, Park, Library"')
    form = (await chat.say("bob", "/decide vote 1")).form
    assert form is not None
    assert [f.label for f in form.fields] == ["Hall: 0 to 5", "Park: 0 to 5", "Library: 0 to 5"]
    cast = await chat.submit("bob", "decide.ballot", {"score1": "5", "score2": "1", "score3": "3"}, state="1")
    assert "Hall 5, Park 1, Library 3" in cast.plain()
    again = (await chat.say("bob", "/decide vote 1")).form
    assert again is not None
    assert [f.initial for f in again.fields] == ["5", "1", "3"]
    await chat.submit("bob", "decide.ballot", {"score1": "0", "score2": "4", "score3": "3"}, state="1")
    assert await count_rows(db, DecisionVote) == 1
    shown = (await chat.say("alice", "/decide show 1")).plain()
    assert "Park: 4 points (average 4)" in shown
    refused = await chat.submit("carol", "decide.ballot", {"score1": "2"}, state="1")
    assert refused.is_error
