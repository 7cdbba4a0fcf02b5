"""Languages: ``/coalition language`` (a member's own), ``/coalition create … lang=`` (the
coalition's channel posts), and every word of the coalition, goal and check-in workflows going
through the catalogs (checked with the pseudo-locale, where any English that escaped shows)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from bot.commands import WORKFLOWS
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.i18n import PSEUDO
from bot.core.ui import Reply
from bot.core.workflow import jobs_of
from bot.scheduling.runner import Scheduler
from bot.store.db import Database
from bot.store.models import Coalition, Member
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat


async def member_named(db: Database, name: str) -> Member:
    async with db.session() as session:
        return (await session.exec(select(Member).where(Member.display_name == name))).one()


async def test_a_member_chooses_their_language_and_is_answered_in_it(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    shown = await chat.say("bob", "/coalition language")
    assert "English" in shown.plain()
    assert "es (Español)" in shown.plain()
    chosen = await chat.say("bob", "/coalition language es")
    assert not chosen.is_error
    assert chosen.lang == "es"
    assert (await member_named(db, "Bob")).language == "es"
    assert (await chat.say("bob", "/goal list")).lang == "es"
    assert (await chat.say("alice", "/goal list")).lang == "en"
    assert (await chat.say("bob", "/coalition language de")).is_error
    assert "/coalition language <en|es|fr>" in (await chat.say("bob", "/coalition help")).plain()
    assert "lang=en|es|fr" in (await chat.say("bob", "/coalition help")).plain()


async def test_a_coalition_created_in_french_posts_in_french(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    created = await chat.say("alice", '/coalition create "Air Pur" tz=Europe/Paris lang=fr')
    assert created.lang == "fr"
    async with db.session() as session:
        assert (await session.exec(select(Coalition))).one().language == "fr"
    await chat.say("alice", '/goal add "Appels" target=10')
    await chat.say("alice", "/checkin schedule daily 09:00 window=1")
    scheduler = Scheduler(db, jobs=jobs_of(WORKFLOWS), clock=clock)
    try:
        assert await scheduler.tick(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    finally:
        await scheduler.stop()  # PostgreSQL: let go of the leader lock
    async with db.session() as session:
        [prompt] = (await session.exec(select(OutboxMessage))).all()
    assert decode_reply(prompt.payload).lang == "fr"


# Words the bot may show untranslated: what people typed (names, notes, schedule labels), and dates
# and zones from bot/core/ui, the plain-text renderer's own words (bot/core/plaintext).
USER_WORDS = {"clean", "air", "calls", "letters", "acme", "trust", "alice", "bob", "movers", "first", "rain", "daily"}
TIME_WORDS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "nov", "dec", "cet", "utc", "europe", "berlin", "image"}
WORD = re.compile(r"[A-Za-z]{3,}")


def escaped_english(reply: Reply) -> set[str]:
    """ASCII words left in a reply that should have been transformed by the pseudo-locale."""
    text = reply.plain()
    text = re.sub(r'/[a-z-]+( [a-z-]+)*|<[^<>]*>|"[^"]*"|\b[a-z_]+=\S*', "", text)  # commands to type
    text = re.sub(r"https?://\S+|\S+\.png\b|[0-9A-F]{4}(-[0-9A-F]{4}){2}", "", text)  # links, files, link codes
    return {w for w in WORD.findall(text) if w.lower() not in USER_WORDS | TIME_WORDS}


async def test_every_word_of_these_workflows_goes_through_the_catalogs(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    await chat.say("alice", '/coalition create "Clean Air" tz=Europe/Berlin')
    await chat.say("bob", '/coalition join org="Acme Trust"')
    async with db.session() as session:
        for member in (await session.exec(select(Member))).all():
            member.language = PSEUDO
            session.add(member)
        coalition = (await session.exec(select(Coalition))).one()
        coalition.language = PSEUDO
        session.add(coalition)
        await session.commit()
    lines = [
        ("alice", "/coalition join"),
        ("bob", "/coalition join"),
        ("alice", '/coalition org add "Movers"'),
        ("alice", "/coalition orgs"),
        ("alice", "/coalition members"),
        ("alice", "/coalition role @bob facilitator"),
        ("alice", '/coalition group create "Letters"'),
        ("bob", '/coalition group join "Letters"'),
        ("alice", "/coalition groups"),
        ("alice", "/coalition link"),
        ("alice", '/goal add "Calls" target=100 unit=calls due=2026-12-31'),
        ("alice", "/goal list"),
        ("bob", '/checkin 40 "first calls" blockers="rain"'),
        ("alice", "/goal show 1"),
        ("alice", "/checkin schedule daily 09:00 window=2"),
        ("alice", "/checkin schedules"),
        ("alice", "/checkin report"),
        ("alice", "/coalition status"),
        ("alice", "/coalition export"),
        ("bob", "/coalition forget-me"),
        ("alice", "/goal close 1"),
        ("alice", "/goal show 9"),
        ("alice", "/checkin unschedule 9"),
        ("alice", "/coalition unlink"),
    ]
    leaks: dict[str, set[str]] = {}
    for who, line in lines:
        reply = await chat.say(who, line)
        if escaped_english(reply):
            leaks[line] = escaped_english(reply)
    scheduler = Scheduler(db, jobs=jobs_of(WORKFLOWS), clock=clock)
    try:
        for hour, minute in ((8, 0), (9, 36), (10, 0)):
            await scheduler.tick(datetime(2026, 11, 23, hour, minute, tzinfo=UTC))
    finally:
        await scheduler.stop()
    async with db.session() as session:
        for message in (await session.exec(select(OutboxMessage))).all():
            if escaped_english(decode_reply(message.payload)):
                leaks[message.key] = escaped_english(decode_reply(message.payload))
    assert leaks == {}
