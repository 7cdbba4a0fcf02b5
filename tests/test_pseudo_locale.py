"""No English escapes the catalogs.

Everything here runs in the pseudo-locale ``qps``, whose "translation" of every catalog sentence is
the same sentence in accented letters (``Ƞǿ ǿƥḗƞ ɠǿȧŀş``). Members type Greek, so their text never looks
like English either. Any plain ASCII word of three letters or more left in what the bot shows (reply
text, headers, fields, buttons, selects, forms, errors, queued channel posts and DMs, scheduled
prompts, reminders and digests) is English that did not go through a catalog.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import update
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.context import Actor
from bot.core.ui import (
    Actions,
    Button,
    Code,
    Context,
    Field,
    Fields,
    Header,
    Image,
    Link,
    Progress,
    Reply,
    Rich,
    Section,
    Select,
    Timestamp,
)
from bot.store.db import Database
from bot.store.models import Coalition
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat, make_core

WORD = re.compile(r"(?<![\w/.@#:=-])[A-Za-z]{3,}(?![\w/.@:=(-])")
# Words that are the same in every language, or not words: time zone names, units of the ISO kind.
ALLOWED = {"UTC", "PNG", "CSV", "JSON", "ICS", "Slack", "Discord", "Coalition", "Bot", "ISO", "English"}


GREEK = {"alice": "Ἀλίκη", "bob": "Βασίλης", "zoe": "Ζωή"}


class PseudoChat(Chat):
    def actor(self, who: str, workspace: str | None = None) -> Actor:
        return replace(super().actor(who, workspace), locale="qps", display_name=GREEK[who])


def texts_of(rich: Rich) -> list[str]:
    out = []
    for part in rich.parts:
        if isinstance(part, Code | Timestamp):
            continue
        out.append(part.label if isinstance(part, Link) else part.text)
    return out


def visible(reply: Reply) -> list[str]:
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            out.append(block.text)
        elif isinstance(block, Section | Context):
            out.extend(texts_of(block.text))
        elif isinstance(block, Fields):
            for f in block.fields:
                out.append(f.label)
                out.extend(texts_of(f.value))
        elif isinstance(block, Field):
            out.append(block.label)
            out.extend(texts_of(block.value))
        elif isinstance(block, Progress):
            out.append(block.summary())
        elif isinstance(block, Image):
            out.append(block.alt)
        elif isinstance(block, Actions):
            for element in block.elements:
                if isinstance(element, Button):
                    out.append(element.label)
                elif isinstance(element, Select):
                    out.append(element.placeholder)
                    out.extend(o.label for o in element.options)
    if reply.form is not None:
        form = reply.form
        out += [form.title, form.submit_label]
        for field in form.fields:
            out += [field.label, field.hint, field.placeholder]
            out.extend(o.label for o in field.options)
    out.extend((reply.form_errors or {}).values())
    return out


def english(reply: Reply) -> list[str]:
    found = []
    for text in visible(reply):
        text = re.sub(r"`[^`]*`", "", text)  # code spans: commands, ids, key=value syntax
        found.extend(w for w in WORD.findall(text) if w not in ALLOWED)
    return found


async def assert_translated(chat: Chat, who: str, line: str) -> Reply:
    reply = await chat.say(who, line)
    leaked = english(reply)
    assert not leaked, f"{line!r} answered with English {leaked[:8]}: {reply.plain()[:400]!r}"
    return reply


async def outbox_english(db: Database) -> list[tuple[str, list[str]]]:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return [(row.key, english(decode_reply(row.payload))) for row in rows if english(decode_reply(row.payload))]


async def test_help_of_every_command_and_every_bare_subcommand(db: Database) -> None:
    chat = PseudoChat(make_core(db, ManualClock()))
    await chat.say("alice", '/coalition create "Αλφα"')
    for command in chat.core.registry:
        await assert_translated(chat, "alice", f"/{command.name} help")
        for path, sub in command.subcommands.items():
            if sub.path in {("forget-me",), ("unlink",)}:
                continue  # asks to confirm / unbinds the channel; covered by their own tests
            await assert_translated(chat, "alice", f"/{command.name} {' '.join(path)}")


async def test_a_whole_session_and_its_channel_posts(db: Database) -> None:
    clock = ManualClock()
    chat = PseudoChat(make_core(db, clock))
    await assert_translated(chat, "alice", '/coalition create "Αλφα" tz=Europe/Madrid')
    async with db.unit_of_work() as session:
        await session.exec(update(Coalition).values(language="qps"))  # type: ignore[call-overload]
    for line in [
        "/coalition join org=Βήτα",
        "/coalition orgs",
        "/coalition members",
        "/coalition groups",
        "/coalition group create Γάμμα",
        "/coalition link",
        '/goal add "Δέλτα" target=50000 unit=ψψ due=2027-06-30',
        "/goal list",
        "/goal show 1",
        '/checkin 12000 "Ωμέγα" blockers="Ζήτα"',
        "/checkin report",
        "/checkin schedule weekly mon 09:00",
        "/checkin schedules",
        "/coalition status",
        '/unity draft "Εψιλον"',
        '/unity comment "Ηθος"',
        "/unity comments",
        "/unity publish",
        "/unity show",
        "/unity signatories",
        "/coalition audit",
        "/coalition privacy",
        "/goal close 1",
    ]:
        await assert_translated(chat, "alice", line)
    await assert_translated(chat, "bob", "/goal list")
    await assert_translated(chat, "bob", "/goal show 99")
    await assert_translated(chat, "bob", "/checkin abc")
    await assert_translated(chat, "bob", "/coalition role @alice observer")
    leaked = await outbox_english(db)
    assert not leaked, f"queued messages in English: {leaked[:5]}"
