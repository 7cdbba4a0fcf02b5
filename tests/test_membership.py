"""Who is in (SPEC §4 Membership): the join policy, requests to join and steering's answer, the
member list for members only, observers who read but never write, and ``/coalition settings``."""

from __future__ import annotations

from sqlmodel import col, select

from bot.core.codec import decode_reply
from bot.core.scope import base
from bot.core.ui import Reply
from bot.store.db import Database
from bot.store.membership_models import JoinRequest
from bot.store.models import Coalition, Member
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat
from tests.test_connect import code_in


async def directs(db: Database) -> list[tuple[str, Reply]]:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return [(row.target, decode_reply(row.payload)) for row in rows if row.kind == "direct"]


async def approval_coalition(chat: Chat) -> None:
    assert not (await chat.say("alice", '/coalition create "Clean Air"')).is_error
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')
    assert not (await chat.say("alice", "/coalition settings join=approval")).is_error


async def test_open_is_the_default_and_anyone_joins_on_first_use(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    assert "Calls" not in (await chat.say("bob", "/goal list")).plain()
    assert "Bob — member" in (await chat.say("bob", "/coalition members")).plain()


async def test_a_stranger_sees_nothing_until_steering_approves(chat: Chat, db: Database) -> None:
    await approval_coalition(chat)
    for line in ("/goal list", "/coalition members", "/coalition status", "/checkin 5", "/pledge list"):
        reply = await chat.say("bob", line)
        assert reply.is_error, line
        assert "Calls" not in reply.plain()
        assert "Alice" not in reply.plain()
        assert "/coalition join" in reply.plain()
    asked = await chat.say("bob", '/coalition join org="River Trust"')
    assert not asked.is_error
    assert "steering committee" in asked.plain()
    again = await chat.say("bob", "/coalition join")
    assert not again.is_error
    async with db.session() as session:
        assert len((await session.exec(select(JoinRequest))).all()) == 1
        assert (await session.exec(select(Member).where(Member.display_name == "Bob"))).first() is None
    dms = await directs(db)
    assert len(dms) == 1
    assert dms[0][0] == "alice"
    assert "Bob asks to join, with River Trust." in dms[0][1].plain()
    listed = await chat.say("alice", "/coalition requests")
    assert "Bob" in listed.plain()
    approved = await chat.click("alice", dms[0][1], "Approve")
    assert not approved.is_error
    assert "Approved" in approved.plain()
    goals = await chat.say("bob", "/goal list")
    assert not goals.is_error
    assert "Calls" in goals.plain()
    members = await chat.say("bob", "/coalition members")
    assert "Bob — member, River Trust" in members.plain()
    assert any(target == "bob" and "Welcome" in reply.plain() for target, reply in await directs(db))
    stale = await chat.click("alice", dms[0][1], "Approve")
    assert stale.is_error
    async with db.session() as session:
        assert (await session.exec(select(JoinRequest))).all() == []


async def test_under_approval_a_link_code_binds_the_channel_but_admits_no_one(chat: Chat, db: Database) -> None:
    """Binding a channel is steering's act (the code); typing the code makes nobody a member."""
    await approval_coalition(chat)
    code = code_in((await chat.say("alice", "/coalition link")).plain())
    mallory = Chat(chat.core, platform="discord", workspace="G9", channel="D9")
    linked = await mallory.say("mallory", f"/coalition link {code}")
    assert not linked.is_error, linked.plain()
    assert "now part of Clean Air" in linked.plain()
    assert "/coalition join" in linked.plain()
    async with db.session() as session:
        assert (await session.exec(select(Member).where(Member.display_name == "Mallory"))).first() is None
    for line in ("/goal list", "/coalition members"):
        reply = await mallory.say("mallory", line)
        assert reply.is_error, line
        assert "Calls" not in reply.plain()
        assert "Alice" not in reply.plain()
    asked = await mallory.say("mallory", "/coalition join")
    assert "steering committee" in asked.plain()
    assert any("Mallory asks to join." in reply.plain() for _target, reply in await directs(db))
    # an approved member of the coalition who types a code keeps their membership (and their role)
    code = code_in((await chat.say("alice", "/coalition link")).plain())
    other = Chat(chat.core, platform="console", workspace="local", channel="elsewhere")
    assert not (await other.say("alice", f"/coalition link {code}")).is_error
    assert "Calls" in (await other.say("alice", "/goal list")).plain()


async def test_declined_stays_out(chat: Chat, db: Database) -> None:
    await approval_coalition(chat)
    await chat.say("carol", "/coalition join")
    listed = await chat.say("alice", "/coalition requests")
    declined = await chat.click("alice", listed, "Decline")
    assert "Declined" in declined.plain()
    assert (await chat.say("carol", "/goal list")).is_error
    async with db.session() as session:
        assert (await session.exec(select(JoinRequest))).all() == []  # nothing kept of carol


async def test_only_steering_answers_requests_and_changes_settings(chat: Chat) -> None:
    await approval_coalition(chat)
    await chat.say("carol", "/coalition join")
    listed = await chat.say("alice", "/coalition requests")
    await chat.click("alice", listed, "Approve")
    assert (await chat.say("carol", "/coalition requests")).is_error
    assert (await chat.say("carol", "/coalition settings join=open")).is_error
    await chat.say("dan", "/coalition join")
    assert (await chat.click("carol", await chat.say("alice", "/coalition requests"), "Approve")).is_error


async def test_observers_read_but_never_write(chat: Chat) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')
    await chat.say("olga", "/coalition join")
    await chat.say("alice", "/coalition role @olga observer")
    assert "Calls" in (await chat.say("olga", "/goal list")).plain()
    for line in (
        "/checkin 5",
        '/pledge offer "Ten people" kind=volunteers',
        '/meet propose "Plan" "2030-01-01 10:00" "2030-01-02 10:00"',
        '/coalition org add "Other"',
        '/unity comment "x"',
    ):
        assert "observer" in await chat.refused("olga", line), line


async def test_settings_by_arguments_and_form(chat: Chat, db: Database) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    form = await chat.say("alice", "/coalition settings")
    assert form.form is not None
    assert base(form.form.form_id) == "coalition.settings"
    saved = await chat.submit(
        "alice",
        "coalition.settings",
        {"lang": "fr", "tz": "Europe/Paris", "join": "approval", "escalation_hours": "24", "need_day": "thu"},
    )
    assert not saved.is_error, saved.plain()
    async with db.session() as session:
        c = (await session.exec(select(Coalition))).one()
    assert (c.language, c.tz) == ("fr", "Europe/Paris")
    assert c.settings["join_policy"] == "approval"
    assert c.settings["flag_escalation_hours"] == 24
    assert c.settings["stalled_need_day"] == "thu"
    assert (await chat.say("alice", "/coalition settings escalation_hours=0")).is_error
    assert (await chat.say("alice", "/coalition settings join=approval")).is_error  # nothing changed
