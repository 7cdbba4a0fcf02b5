"""Conflict flags through the core, on SQLite and PostgreSQL: the confidential form, routing to the
handlers who are not recused, the protocol and its log, the two-way relay by receipt, the daily
limit, and the refusals. What reaches people is checked as the outbox rows the workflow queues."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.commands.flag import flag
from bot.commands.flag.receipts import normalise
from bot.core.codec import decode_reply
from bot.core.context import Actor, FormSubmission, Invocation
from bot.core.params import Kind
from bot.core.ui import Code, Reply, Section, Visibility
from bot.store.db import Database
from bot.store.flag_models import ConflictFlag, FlagEvent, FlagQuota
from bot.store.flag_repo import FlagRepo
from bot.store.models import Coalition, Member
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat, outbox
from tests.test_scoping import dump

RECEIPT = re.compile(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}")


async def coalition(chat: Chat, name: str = "Clean Air", channel: str | None = None) -> None:
    """Alice (steering) and Sam (steering), Fay (facilitator, Riverside Group), Bob (member, Acme Trust)."""
    assert not (await chat.say("alice", f'/coalition create "{name}"', channel=channel)).is_error
    for who, org in (("sam", "Harbour Alliance"), ("fay", "Riverside Group"), ("bob", "Acme Trust")):
        assert not (await chat.say(who, f'/coalition join org="{org}"', channel=channel)).is_error
    assert not (await chat.say("alice", "/coalition role @sam steering", channel=channel)).is_error
    assert not (await chat.say("alice", "/coalition role @fay facilitator", channel=channel)).is_error


def form(**values: str) -> dict[str, str]:
    base = {"topic": "Shouting at meetings", "description": "It happened twice.", "parties": "", "severity": "high"}
    base.update(values)
    return base


async def raise_flag(chat: Chat, who: str, *, channel: str | None = None, **values: str) -> tuple[Reply, str]:
    reply = await chat.submit(who, "flag.raise", form(**values), channel=channel)
    assert not reply.is_error, reply.plain()
    assert not reply.form_errors, reply.form_errors
    return reply, receipt_of(reply)


def receipt_of(reply: Reply) -> str:
    match = RECEIPT.search(reply.plain())
    assert match is not None, reply.plain()
    return match.group(0)


async def clear_outbox(db: Database) -> None:
    async with db.unit_of_work() as session:
        for row in (await session.exec(select(OutboxMessage))).all():
            row.status = "sent"
            session.add(row)


async def pending(db: Database) -> list[tuple[str, str, str]]:
    """(kind, target, plain text) of each message still to deliver."""
    return [(r.kind, r.target, decode_reply(r.payload).plain()) for r in await outbox(db, status="pending")]


async def flags(db: Database) -> list[ConflictFlag]:
    async with db.session() as session:
        return list((await session.exec(select(ConflictFlag).order_by(col(ConflictFlag.id)))).all())


async def members(db: Database) -> list[Member]:
    async with db.session() as session:
        return list((await session.exec(select(Member))).all())


async def set_settings(db: Database, **settings: Any) -> None:
    async with db.unit_of_work() as session:
        for c in (await session.exec(select(Coalition))).all():
            c.settings = {**c.settings, **settings}
            session.add(c)


async def as_actor(chat: Chat, actor: Actor, line: str) -> Reply:
    name, _, rest = line.lstrip("/").partition(" ")
    return await chat.core.run_command(Invocation(name, actor, chat.place(), text=rest))


async def submit_as(chat: Chat, actor: Actor, values: dict[str, str], request_id: str | None = None) -> Reply:
    return await chat.core.submit_form(FormSubmission("flag.raise", values, actor, chat.place(), "", request_id))


# the form -------------------------------------------------------------------------------------


async def test_bare_flag_and_raise_open_the_confidential_form(chat: Chat) -> None:
    await coalition(chat)
    for line in ("/flag", "/flag raise"):
        reply = await chat.say("bob", line)
        assert reply.form is not None, reply.plain()
        fields = {f.name: f for f in reply.form.fields}
        assert list(fields) == ["topic", "description", "parties", "severity", "anonymous"]
        assert [o.value for o in fields["severity"].options] == ["low", "medium", "high", "urgent"]
        assert fields["anonymous"].kind == "checkbox"
        assert fields["anonymous"].initial == ""  # off by default
        assert "no trace of me" in fields["anonymous"].label
        assert "receipt code" in fields["anonymous"].hint
        assert len(fields["anonymous"].hint) <= 100  # Discord shows a modal hint of at most 100 characters
    help_text = (await chat.say("bob", "/flag help")).plain()
    assert "/flag status <receipt>" in help_text


async def test_a_named_flag_reaches_each_handler_privately_and_only_a_hash_is_kept(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await clear_outbox(db)
    reply, receipt = await raise_flag(chat, "bob")
    assert reply.visibility is Visibility.PRIVATE
    codes = [p.text for b in reply.blocks if isinstance(b, Section) for p in b.text.parts if isinstance(p, Code)]
    assert receipt in codes  # shown as code, easy to copy
    assert normalise(receipt) is not None
    assert len(normalise(receipt) or "") == 25
    assert "direct message" in reply.plain()
    sent = await pending(db)
    assert sorted(target for kind, target, _ in sent) == ["alice", "fay", "sam"]
    assert {kind for kind, _, _ in sent} == {"direct"}  # nothing to any channel
    assert all("Shouting at meetings" in text and "Bob" in text for _, _, text in sent)
    [stored] = await flags(db)
    assert stored.reporter_id is not None
    assert not stored.anonymous
    assert receipt not in stored.receipt_hash
    assert normalise(receipt) not in stored.receipt_hash
    for row in await outbox(db):
        assert normalise(receipt) not in str(row.payload)
        assert receipt not in str(row.payload)


async def test_an_anonymous_reporter_is_not_made_a_member_and_is_not_named(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await clear_outbox(db)
    before = len(await members(db))
    reply, _receipt = await raise_flag(chat, "quentin", anonymous="yes")
    assert "anonymously" in reply.plain()
    assert len(await members(db)) == before  # the stranger left no member row
    [stored] = await flags(db)
    assert stored.anonymous
    assert stored.reporter_id is None
    sent = await pending(db)
    assert len(sent) == 3
    assert all("anonymous" in text and "Quentin" not in text for _, _, text in sent)


async def test_a_handler_named_as_a_party_gets_nothing_and_cannot_see_it(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await clear_outbox(db)
    await raise_flag(chat, "bob", parties="Fay", anonymous="yes")
    assert sorted(t for _, t, _ in await pending(db)) == ["alice", "sam"]
    [stored] = await flags(db)
    shown = await chat.say("fay", f"/flag show {stored.id}")
    unknown = await chat.say("fay", "/flag show 999")
    assert shown.is_error
    assert unknown.is_error
    assert shown.plain().replace(str(stored.id), "N") == unknown.plain().replace("999", "N")  # same as no such flag
    assert "Shouting" not in (await chat.say("fay", "/flag list")).plain()
    assert (await chat.say("fay", f"/flag ack {stored.id}")).is_error
    assert (await chat.say("fay", f'/flag reply {stored.id} "hello"')).is_error
    assert "Shouting" in (await chat.say("alice", "/flag list")).plain()
    assert "Fay" in (await chat.say("alice", f"/flag show {stored.id}")).plain()


async def test_naming_an_organisation_recuses_its_handlers(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await clear_outbox(db)
    await raise_flag(chat, "bob", parties="riverside group, Sam")
    assert [t for _, t, _ in await pending(db)] == ["alice"]
    [stored] = await flags(db)
    assert (await chat.say("sam", f"/flag show {stored.id}")).is_error
    assert (await chat.say("fay", f"/flag show {stored.id}")).is_error


async def test_an_unknown_party_is_refused_and_nothing_is_stored(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await clear_outbox(db)
    reply = await chat.submit("bob", "flag.raise", form(parties="Fay, Nobody Known"))
    assert reply.form_errors is not None
    assert "Nobody Known" in reply.form_errors["parties"]
    too_many = await chat.submit("bob", "flag.raise", form(parties=",".join(["Fay"] * 11)))
    assert too_many.form_errors is not None
    assert "parties" in too_many.form_errors
    missing = await chat.submit("bob", "flag.raise", form(topic="", description=""))
    assert missing.form_errors is not None
    bad_severity = await chat.submit("bob", "flag.raise", form(severity="apocalyptic"))
    assert bad_severity.form_errors is not None
    assert "severity" in bad_severity.form_errors
    assert await flags(db) == []
    assert await pending(db) == []
    async with db.session() as session:
        assert (await session.exec(select(FlagQuota))).all() == []


async def test_a_retried_submission_creates_one_flag(chat: Chat, db: Database) -> None:
    await coalition(chat)
    first = await chat.submit("bob", "flag.raise", form(), request_id="view:V1")
    again = await chat.submit("bob", "flag.raise", form(), request_id="view:V1")
    assert RECEIPT.search(first.plain())
    assert not RECEIPT.search(again.plain())
    assert "Already done" in again.plain()
    assert len(await flags(db)) == 1


# the protocol ---------------------------------------------------------------------------------


async def test_protocol_every_step_logged_and_told_to_a_named_reporter(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob")
    [stored] = await flags(db)
    fid = stored.id
    await clear_outbox(db)

    acked = await chat.say("fay", f"/flag ack {fid}")
    assert f"acknowledged flag #{fid}" in acked.plain()
    assert "already acknowledged" in (await chat.say("alice", f"/flag ack {fid}")).plain()
    [(kind, target, text)] = await pending(db)
    assert (kind, target) == ("direct", "bob")
    assert "acknowledged your flag" in text
    await clear_outbox(db)

    noted = await chat.say("alice", f'/flag note {fid} "Talked to Fay about it"')
    assert "Only its handlers" in noted.plain()
    [(_, target, text)] = await pending(db)
    assert target == "bob"
    assert "discussing" in text
    assert "Talked to Fay" not in text
    await clear_outbox(db)

    await chat.say("fay", f'/flag reply {fid} "Could you tell us the dates?"')
    [(_, target, text)] = await pending(db)
    assert target == "bob"
    assert "Could you tell us the dates?" in text
    await clear_outbox(db)

    resolved = await chat.say("sam", f'/flag resolve {fid} "Apology made; new meeting rules"')
    assert "is resolved" in resolved.plain()
    [(_, target, text)] = await pending(db)
    assert target == "bob"
    assert "new meeting rules" in text
    assert "already resolved" in (await chat.say("sam", f'/flag resolve {fid} "again"')).plain()
    assert "already resolved" in (await chat.say("sam", f'/flag dismiss {fid} "no"')).plain()
    assert (await chat.say("sam", f"/flag ack {fid}")).is_error

    shown = (await chat.say("alice", f"/flag show {fid}")).plain()
    for line in (
        "Raised by Bob.",
        "Acknowledged by Fay.",
        "In discussion (Alice).",
        "Note by Alice:",
        "Talked to Fay about it",
        "Reply to the reporter by Fay:",
        "Resolved by Sam. Outcome:",
    ):
        assert line in shown, (line, shown)
    [stored] = await flags(db)
    assert stored.status == "resolved"
    assert stored.closed_at is not None
    assert stored.acknowledged_at is not None
    async with db.session() as session:
        events = (await session.exec(select(FlagEvent).order_by(col(FlagEvent.id)))).all()
    assert [e.kind for e in events] == ["raised", "acknowledged", "discussing", "note", "reply", "resolved"]
    assert all(e.at is not None for e in events)


async def test_dismiss_and_refusals(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob", anonymous="yes")
    [stored] = await flags(db)
    fid = stored.id
    for line in (
        "/flag list",
        f"/flag show {fid}",
        f"/flag ack {fid}",
        f'/flag note {fid} "x"',
        f'/flag dismiss {fid} "x"',
    ):
        assert "steering" in await chat.refused("bob", line), line
    assert (await chat.say("alice", "/flag show abc")).is_error
    assert (await chat.say("alice", f'/flag note {fid} ""')).is_error
    assert "too long" in await chat.refused("alice", f'/flag reply {fid} "{"x" * 2001}"')
    assert (await chat.say("alice", '/flag resolve 12345 "done"')).is_error
    dismissed = await chat.say("alice", f'/flag dismiss {fid} "Not a conflict between members"')
    assert "is dismissed" in dismissed.plain()
    assert "anonymous" in dismissed.plain()
    [stored] = await flags(db)
    assert stored.status == "dismissed"
    assert stored.outcome == "Not a conflict between members"
    assert (await chat.say("alice", f'/flag resolve {fid} "x"')).is_error


async def test_observers_and_members_cannot_handle_but_can_raise(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await chat.say("olga", "/coalition join")
    await chat.say("alice", "/coalition role @olga observer")
    await raise_flag(chat, "olga")
    assert len(await flags(db)) == 1
    assert (await chat.say("olga", "/flag list")).is_error


async def test_ids_and_receipts_of_another_coalition_find_nothing(chat: Chat, db: Database) -> None:
    await coalition(chat)
    _, receipt = await raise_flag(chat, "bob", anonymous="yes")
    [stored] = await flags(db)
    await coalition(chat, "Other Coalition", channel="elsewhere")
    for line in (f"/flag show {stored.id}", f"/flag ack {stored.id}", f'/flag resolve {stored.id} "x"'):
        assert "no flag #" in await chat.refused("alice", line, channel="elsewhere"), line
    assert "other coalition" in (await chat.say("alice", "/flag list", channel="elsewhere")).plain().lower()
    assert "Shouting" not in (await chat.say("alice", "/flag list", channel="elsewhere")).plain()
    status = await chat.say("bob", f"/flag status {receipt}", channel="elsewhere")
    assert status.is_error
    assert "No flag of Other Coalition" in status.plain()
    assert (await chat.say("bob", f'/flag add {receipt} "more"', channel="elsewhere")).is_error
    assert (await flags(db))[0].status == "open"


async def test_every_id_subcommand_refuses_a_flag_of_another_coalition_and_changes_nothing(
    chat: Chat, db: Database
) -> None:
    await coalition(chat, "Zanzibar Alliance", channel="elsewhere")
    await raise_flag(chat, "bob", channel="elsewhere", parties="Sam")
    await coalition(chat)
    [foreign] = await flags(db)
    before = await dump(db)
    checked = []
    for sub in flag.subcommands.values():
        ids = [p for p in sub.params if p.kind == Kind.ID]
        if not ids:
            continue
        assert [p.autocomplete for p in ids] == ["flag"]  # the scoping test reads conflict_flag by it
        line = f"/flag {' '.join(sub.path)} {foreign.id}" + ' "some text"' * (len(sub.params) - 1)
        reply = await chat.say("alice", line)
        assert reply.is_error, line
        assert "Zanzibar" not in reply.plain(), line
        assert "Shouting" not in reply.plain(), line
        assert await dump(db) == before, line
        checked.append(sub.path[0])
    assert sorted(checked) == ["ack", "dismiss", "note", "reply", "resolve", "show"]
    assert await chat.core.complete("flag", chat.actor("alice"), chat.place(), "") == []


async def test_the_repository_keeps_only_its_own_coalitions_flags(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob")
    [stored] = await flags(db)
    async with db.unit_of_work() as session:
        other = FlagRepo(session, stored.coalition_id + 1)
        assert await other.flag(stored.id or 0) is None
        stored.status = "dismissed"
        with pytest.raises(ValueError):
            await other.save(stored)
    assert (await flags(db))[0].status == "open"


# the relay ------------------------------------------------------------------------------------


async def test_reply_and_add_relay_both_ways_with_an_anonymous_reporter(chat: Chat, db: Database) -> None:
    await coalition(chat)
    _, receipt = await raise_flag(chat, "quentin", anonymous="yes")
    [stored] = await flags(db)
    await clear_outbox(db)
    await chat.say("fay", f'/flag note {stored.id} "Internal: check the minutes"')
    await chat.say("fay", f'/flag reply {stored.id} "Which meeting was it?"')
    assert await pending(db) == []  # an anonymous reporter has no address

    status = await chat.say("quentin", f"/flag status {receipt}")
    text = status.plain()
    assert "Which meeting was it?" in text
    assert "in discussion" in text
    assert "check the minutes" not in text
    assert "Fay" not in text
    lower = await chat.say("quentin", f"/flag status {receipt.lower().replace('-', '')}")
    assert "Which meeting was it?" in lower.plain()

    added = await chat.say("quentin", f'/flag add {receipt} "The March 3rd assembly"')
    assert "Added to your flag" in added.plain()
    told = await pending(db)
    assert sorted(t for _, t, _ in told) == ["alice", "fay", "sam"]
    assert all("The March 3rd assembly" in text for _, _, text in told)
    assert "The reporter added:" in (await chat.say("sam", f"/flag show {stored.id}")).plain()
    assert "You added:" in (await chat.say("quentin", f"/flag status {receipt}")).plain()
    async with db.session() as session:
        added_event = (await session.exec(select(FlagEvent).where(FlagEvent.kind == "added"))).one()
    assert added_event.actor_id is None
    assert added_event.by_reporter
    assert len(await members(db)) == 4  # Quentin never became a member

    assert "receipt code" in await chat.refused("quentin", "/flag status AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    assert (await chat.say("quentin", "/flag status nonsense")).is_error
    assert (await chat.say("quentin", f'/flag add {receipt} ""')).is_error


# the daily limit ------------------------------------------------------------------------------


async def test_five_flags_a_day_counted_without_a_name(chat: Chat, db: Database) -> None:
    await coalition(chat)
    for n in range(3):
        await raise_flag(chat, "bob", anonymous="yes", topic=f"Anonymous {n}")
    for n in range(2):
        await raise_flag(chat, "bob", topic=f"Named {n}")
    over = await chat.submit("bob", "flag.raise", form(anonymous="yes"))
    assert over.is_error
    assert "5 flags today" in over.plain()
    opening = await chat.say("bob", "/flag")
    assert opening.is_error
    assert opening.form is None
    assert len(await flags(db)) == 5
    await raise_flag(chat, "quentin", anonymous="yes")  # someone else still can
    async with db.session() as session:
        quotas = (await session.exec(select(FlagQuota))).all()
    assert sorted(q.count for q in quotas) == [1, 5]
    for q in quotas:
        assert "bob" not in q.key
        assert "quentin" not in q.key
        assert len(q.key) == 64

    chat.core.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    await raise_flag(chat, "bob", anonymous="yes")
    async with db.session() as session:
        quotas = (await session.exec(select(FlagQuota))).all()
    assert [q.count for q in quotas] == [1]  # yesterday's counters are gone


async def test_flag_ids_are_suggested_only_to_handlers_who_may_see_them(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob", topic="Budget dispute")
    await raise_flag(chat, "bob", topic="About Fay", parties="Fay")
    first, second = await flags(db)
    everything = await chat.core.complete("flag", chat.actor("alice"), chat.place(), "")
    assert [o.value for o in everything] == [str(first.id), str(second.id)]
    assert [o.label for o in await chat.core.complete("flag", chat.actor("alice"), chat.place(), "budg")] == [
        f"#{first.id} Budget dispute"
    ]
    assert [o.value for o in await chat.core.complete("flag", chat.actor("fay"), chat.place(), "")] == [str(first.id)]
    assert await chat.core.complete("flag", chat.actor("bob"), chat.place(), "") == []
    assert await chat.core.complete("flag", chat.actor("stranger"), chat.place(), "") == []


async def test_outside_a_coalition_flags_say_how_to_start_one(chat: Chat, db: Database) -> None:
    for line in ("/flag", "/flag status AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", "/flag list"):
        assert "/coalition create" in await chat.refused("bob", line, channel="nowhere"), line
    assert await flags(db) == []
    assert await members(db) == []
