"""Every word of the pledge workflow comes from the catalogs: under the pseudo-locale ``qps`` no plain
English word may remain in replies, forms, buttons, channel posts, notifications or the digest
(outside code spans, and apart from what members typed and values filled into placeholders)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.commands.pledge import hooks
from bot.core.codec import decode_reply
from bot.core.context import ActionEvent
from bot.core.scope import base
from bot.core.ui import (
    Actions,
    Button,
    Code,
    Context,
    Fields,
    Form,
    Header,
    Image,
    Reply,
    Rich,
    Section,
    Select,
    Timestamp,
)
from bot.core.workflow import JobEnv
from bot.store.db import Database
from bot.store.models import Coalition
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat

TYPED = [
    "Clean Air",
    "Acme Trust",
    "River Group",
    "Alice",
    "Bob",
    "Carol",
    "Frank",
    "Tenants United",
    "Face masks for the clinic",
    "Masks from our stock",
    "Boxes of masks",
    "masks",
    "Printing",
    "A housing charity",
    "A hall",
    "No staff time",
    "Party politics",
    "money",  # echoed in an error: not a kind
    "Nobody",  # echoed in an error: no such organisation
]
ENGLISH = re.compile(r"[A-Za-z]{3,}")
BABEL_MOMENT = re.compile(r"\d+/\d+/\d+, \d+:\d+\s?[AP]M|[A-Z][a-z]{2} \d+, \d{4}")  # Babel dates: values


def texts(rich: Rich) -> list[str]:
    return [p.text for p in rich.parts if not isinstance(p, (Code, Timestamp)) and hasattr(p, "text")]


def words_of(reply: Reply) -> list[str]:
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            out.append(block.text)
        elif isinstance(block, (Section, Context)):
            out += texts(block.text)
        elif isinstance(block, Fields):
            for f in block.fields:
                out += [f.label, *texts(f.value)]
        elif isinstance(block, Actions):
            for e in block.elements:
                out.append(e.label if isinstance(e, Button) else e.placeholder if isinstance(e, Select) else "")
        elif isinstance(block, Image):
            out += [block.alt, block.attachment.title]
    if reply.form is not None:
        out += form_words(reply.form)
    out += list((reply.form_errors or {}).values())
    return out


def form_words(form: Form) -> list[str]:
    out = [form.title, form.submit_label]
    for f in form.fields:
        out += [f.label, f.hint, f.placeholder, *(o.label for o in f.options)]
    return out


def english_left(reply: Reply) -> list[str]:
    found = []
    for text in words_of(reply):
        text = re.sub(r"`[^`]*`", "", BABEL_MOMENT.sub("", text))
        for typed in TYPED:
            text = text.replace(typed, "")
        found += ENGLISH.findall(text)
    return found


async def test_no_english_escapes_the_catalogs(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    async with db.unit_of_work() as session:
        coalition = (await session.exec(select(Coalition))).one()
        coalition.language = "qps"
        coalition.settings = {"stalled_need_day": "mon"}
        session.add(coalition)
    await chat.say("bob", '/coalition join org="Acme Trust"')
    await chat.say("carol", '/coalition join org="River Group"')

    replies: list[Reply] = []

    async def say(who: str, line: str) -> Reply:
        reply = await chat.say(who, line)
        replies.append(reply)
        return reply

    async def click(who: str, reply: Reply, action: str) -> Reply:
        element = next(
            e
            for b in reply.blocks
            if isinstance(b, Actions)
            for e in b.elements
            if isinstance(e, Button) and base(e.action_id) == action
        )
        clicked = await chat.core.run_action(
            ActionEvent(element.action_id, element.value, chat.actor(who), chat.place())
        )
        replies.append(clicked)
        return clicked

    async def submit(who: str, form_id: str, values: dict[str, str], state: str = "") -> Reply:
        reply = await chat.submit(who, form_id, values, state=state)
        replies.append(reply)
        return reply

    await say("carol", '/pledge need "Face masks for the clinic" amount=200 unit=masks')
    await say("bob", '/pledge offer "Boxes of masks" amount=50 unit=masks')
    await say("bob", '/pledge offer "Boxes of masks" amount=50 unit=masks')  # already posted
    await say("bob", "/pledge match 2 1")
    posts = [decode_reply(r.payload) for r in (await outbox_rows(db))]
    need_post = next(p for p in posts if any(isinstance(b, Actions) for b in p.blocks))
    opened = await click("bob", need_post, "pledge.help")
    assert opened.form is not None
    await submit(
        "bob",
        "pledge.offer",
        {"description": "Masks from our stock", "kind": "other", "quantity": "lots"},
        opened.form.state,
    )
    await submit(
        "bob",
        "pledge.offer",
        {"description": "Masks from our stock", "kind": "other", "quantity": "20 masks"},
        opened.form.state,
    )
    await say("carol", "/pledge fulfill 1 amount=30")
    for line in (
        "/pledge list",
        "/pledge needs",
        "/pledge needs funding",
        "/pledge show 1",
        "/pledge show 2",
        "/pledge map",
        "/pledge offer",
        "/pledge need",
    ):
        await say("alice", line)
    await say("frank", '/pledge need "Printing" kind=funding')
    await say("carol", "/pledge match 99 1")
    await say("carol", "/pledge match 2 1")
    await say("carol", "/pledge withdraw 2")
    await say("bob", "/pledge withdraw 3")
    await say("bob", "/pledge fulfill 3")

    # Profiles.
    await say("bob", '/coalition profile "Acme Trust"')
    form = (await say("bob", "/coalition profile")).form
    assert form is not None
    await submit("bob", "pledge.profile", {"kinds": "money"}, form.state)
    saved = await submit(
        "bob",
        "pledge.profile",
        {"about": "A housing charity", "kinds": "funding", "brings": "A hall", "can_decide": "yes"},
        form.state,
    )
    limits = await click("bob", saved, "pledge.limits")
    assert limits.form is not None
    await submit(
        "bob", "pledge.profile.limits", {"cannot": "No staff time", "sensitive": "Party politics"}, limits.form.state
    )
    await say("carol", '/coalition profile "Acme Trust"')
    await say("carol", '/coalition profile "Nobody"')
    joined = await say("frank", '/coalition join org="Tenants United"')
    assert any(
        base(e.action_id) == "pledge.profile" for b in joined.blocks if isinstance(b, Actions) for e in b.elements
    )
    listed = await say("carol", "/coalition orgs")
    assert "A housing charity" in listed.plain()

    # The digest, the status section.
    monday = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
    async with db.unit_of_work() as session:
        for coalition_id in await hooks.digest_due(session, monday):
            await hooks.digest_run(session, coalition_id, monday, JobEnv())
    replies += [decode_reply(r.payload) for r in await outbox_rows(db)]

    assert len(replies) > 30
    leaks = {word for reply in replies for word in english_left(reply)}
    assert leaks == set(), leaks
    assert any("Ƞḗḗḓ" in " ".join(words_of(r)) for r in replies)  # the pseudo-locale really was used


async def outbox_rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list((await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all())
