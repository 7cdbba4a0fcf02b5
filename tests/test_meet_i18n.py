"""Every word of /meet comes from the catalogs: under the pseudo-locale ``qps`` the commands,
forms, buttons, channel posts, private notices and reminders have no plain English left (3+ ASCII
letters) outside code spans, moments shown in the viewer's zone, placeholders' values and what
members typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.commands.meet.jobs import POLL_JOB, REMINDER_JOB
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.ui import Actions, Bold, Button, Context, Field, Fields, Form, Header, Italic, Plain, Reply, Rich, Section
from bot.store.db import Database
from bot.store.models import Coalition, Member
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat
from tests.test_meet import START, coalition, run_job

USER_TEXT = ("Steering call", "Clean Air", "Budget", "Alice", "Bob", "Carol", "Dave", "River Trust", "Acme")
# Babel's English CLDR data (qps formats like English): month and day names, AM/PM.
CLDR = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun|AM|PM)\b")
ZONES = re.compile(r"\b[A-Z][a-z]+/[A-Za-z_]+\b|\b(CET|CEST|PST|PDT|UTC)\b")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def texts(rich: Rich) -> list[str]:
    return [p.text for p in rich.parts if isinstance(p, Plain | Bold | Italic)]


def visible(reply: Reply) -> list[str]:
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            out.append(block.text)
        elif isinstance(block, Section | Context):
            out += texts(block.text)
        elif isinstance(block, Fields):
            for f in block.fields:
                assert isinstance(f, Field)
                out += [f.label, *texts(f.value)]
        elif isinstance(block, Actions):
            out += [e.label for e in block.elements if isinstance(e, Button)]
    if reply.form is not None:
        out += form_texts(reply.form)
    out += [a.title for a in reply.attachments]
    return out


def form_texts(form: Form) -> list[str]:
    out = [form.title, form.submit_label]
    for f in form.fields:
        out += [f.label, f.hint, *(o.label for o in f.options)]
    return out


def leftovers(pieces: list[str]) -> list[str]:
    found = []
    for piece in pieces:
        text = piece
        for value in USER_TEXT:
            text = text.replace(value, "")
        text = ZONES.sub("", CLDR.sub("", text))
        found += ENGLISH.findall(text)
    return found


async def test_meet_speaks_only_catalog_text_under_the_pseudo_locale(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(START)
    await coalition(chat)
    async with db.unit_of_work() as session:
        for member in (await session.exec(select(Member))).all():
            member.language = "qps"
            session.add(member)
        for c in (await session.exec(select(Coalition))).all():
            c.language = "qps"
            session.add(c)
    replies: list[Reply] = []
    propose = '/meet propose "Steering call" 2026-03-10 09:00 2026-03-11 17:00 deadline="2026-03-08 18:00"'
    replies.append(await chat.say("alice", "/meet propose"))
    replies.append(await chat.say("alice", propose))
    replies.append(await chat.say("bob", '/meet propose "x" 2026-01-01 10:00'))  # past: an error of ours
    replies.append(await chat.say("bob", "/meet vote 1"))
    async with db.session() as session:
        poll_row = (await session.exec(select(OutboxMessage).where(OutboxMessage.topic == "meet:1"))).first()
    assert poll_row is not None
    poll = decode_reply(poll_row.payload)
    first_button = next(e for b in poll.blocks if isinstance(b, Actions) for e in b.elements if isinstance(e, Button))
    replies.append(await chat.click("bob", poll, first_button.label))
    replies.append(await chat.submit("carol", "meet.vote", {"slot1": "yes", "slot2": "no"}, state="1"))
    replies.append(await chat.say("alice", "/meet show 1"))
    replies.append(await chat.say("alice", "/meet list"))
    replies.append(await chat.say("alice", '/meet agenda 1 "Budget"'))
    replies.append(await chat.say("alice", "/meet ics 1"))
    replies.append(await chat.say("carol", "/meet close 1"))  # not hers
    await run_job(db, POLL_JOB, datetime(2026, 3, 7, 17, 0, tzinfo=UTC))
    await run_job(db, POLL_JOB, datetime(2026, 3, 8, 17, 0, tzinfo=UTC))
    replies.append(await chat.say("alice", "/meet close 1 2 repeat=weekly"))
    replies.append(await chat.say("alice", "/meet list"))
    replies.append(await chat.say("bob", "/meet feed"))
    replies.append(await chat.say("alice", "/meet feed-renew"))
    replies.append(await chat.say("bob", "/meet tz"))
    replies.append(await chat.say("bob", "/meet tz Europe/Paris"))
    occurrence = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
    await run_job(db, REMINDER_JOB, occurrence - timedelta(hours=24))
    await run_job(db, REMINDER_JOB, occurrence - timedelta(minutes=15))
    replies.append(await chat.say("alice", "/meet cancel 1"))
    replies.append(await chat.say("alice", "/meet show 99"))

    async with db.session() as session:
        queued = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    posts = [
        decode_reply(r.payload)
        for r in queued
        if r.kind in ("post", "update", "direct") and r.key.startswith(("meet", "update"))
    ]
    kinds = {r.key.split(":")[1] for r in queued if r.key.startswith("meet:")}
    assert {"poll", "nudge", "deadline", "closed", "remind", "cancelled"} <= kinds
    problems = {}
    for index, reply in enumerate(replies + posts):
        left = leftovers(visible(reply))
        if left:
            problems[index] = (left, reply.plain()[:300])
    assert problems == {}
