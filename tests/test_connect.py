"""``/coalition connect`` (SPEC §4 "Cross-platform"): one person's Slack and Discord accounts become
one member, keeping everything either account did, once where a uniqueness rule applies."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.commands import WORKFLOWS
from bot.core.clock import ManualClock
from bot.core.dispatch import Core
from bot.core.ui import Reply
from bot.store.db import Database
from bot.store.meeting_models import MeetingVote
from bot.store.models import AuditEntry, Checkin, Identity, Member
from tests.support import Chat
from tests.test_forget_everywhere import WHO, touch_everything

CODE = re.compile(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}")


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return found.group(0)


def test_every_column_naming_a_member_is_merged_by_a_workflow() -> None:
    naming = {
        t.name
        for t in SQLModel.metadata.sorted_tables
        for c in t.columns
        if any(fk.column.table.name == "member" for fk in c.foreign_keys)
    }
    covered = {name for workflow in WORKFLOWS for name in workflow.merges}
    assert sorted(naming - covered) == [], "tables naming a member that no workflow's `merges` covers"
    assert sorted(covered - naming) == [], "`merges` names tables that name no member"
    assert all(w.merge is not None for w in WORKFLOWS if w.merges), "a workflow covering tables must merge"


async def connect(chat: Chat, who: str, code: str) -> Reply:
    """``/coalition connect <code>`` and its Connect button, as the person would do it."""
    offer = await chat.say(who, f"/coalition connect {code}")
    if offer.is_error:
        return offer
    assert offer.private
    assert "cannot be undone" in offer.plain()
    return await chat.click(who, offer, "Connect")


async def two_platforms(core: Core) -> tuple[Chat, Chat]:
    slack = Chat(core, platform="slack", workspace="T1", channel="C1")
    discord = Chat(core, platform="discord", workspace="G1", channel="D1")
    reply = await slack.say("alice", '/coalition create "Clean Air"')
    assert not reply.is_error, reply.plain()
    code = code_in((await slack.say("alice", "/coalition link")).plain())
    linked = await discord.say("alice", f"/coalition link {code}")
    assert not linked.is_error, linked.plain()
    return slack, discord


async def count(db: Database, model: type[SQLModel], *where: object) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model).where(*where))).one()[0])  # type: ignore[call-overload,arg-type]


async def test_a_slack_and_a_discord_account_become_one_member(db: Database, core: Core, clock: ManualClock) -> None:
    slack, discord = await two_platforms(core)
    assert not (await slack.say("alice", '/goal add "Calls" target=100 unit=calls')).is_error
    assert not (await slack.say("bea", "/checkin log 5")).is_error
    assert not (await discord.say("bea", "/checkin log 3")).is_error
    assert await count(db, Member, Member.display_name == "Bea") == 2

    offer = await slack.say("bea", "/coalition connect")
    assert offer.private
    assert "15" in offer.plain()
    async with db.session() as session:  # only its hash is stored
        stored = (await session.exec(select(AuditEntry))).all()  # type: ignore[call-overload]
    assert code_in(offer.plain()) not in str(stored)
    asked = await discord.say("bea", f"/coalition connect {code_in(offer.plain())}")
    assert not asked.is_error, asked.plain()
    assert asked.private
    said = asked.plain()
    assert "Merge Bea" in said
    assert "this discord account" in said.lower()
    assert "their accounts: Slack" in said
    assert "cannot be undone" in said
    assert await count(db, Member, Member.display_name == "Bea") == 2  # nothing merged before the button
    assert (await discord.click("carl", asked, "Connect")).is_error  # only the person who typed the code
    assert await count(db, Member, Member.display_name == "Bea") == 2
    done = await discord.click("bea", asked, "Connect")
    assert not done.is_error, done.plain()
    assert done.replace_original
    assert "Connected" in done.plain()

    assert await count(db, Member, Member.display_name == "Bea") == 1
    assert await count(db, Identity) == 4  # Bea's two accounts on one member; Alice's still two members
    members = (await slack.say("alice", "/coalition members")).plain()
    assert members.count("Bea") == 1
    async with db.session() as session:
        bea = (await session.exec(select(Member).where(Member.display_name == "Bea"))).one()[0]  # type: ignore[call-overload]
        owners = {row[0] for row in (await session.exec(select(Checkin.member_id))).all()}  # type: ignore[call-overload]
    assert owners == {bea.id}
    assert "8 / 100" in (await discord.say("bea", "/goal show 1")).plain()
    # both accounts act as the one member now
    assert "Bea" in (await discord.say("bea", "/coalition members")).plain()
    assert await count(db, AuditEntry, AuditEntry.action == "member.connected") == 1

    again = await discord.say("bea", f"/coalition connect {code_in(offer.plain())}")
    assert again.is_error  # one time only
    assert (await discord.click("bea", asked, "Connect")).is_error  # the button too
    clock.advance(timedelta(minutes=1))
    late = await slack.say("bea", "/coalition connect")
    clock.advance(timedelta(minutes=16))
    assert (await discord.say("bea", f"/coalition connect {code_in(late.plain())}")).is_error  # expired


async def test_a_person_who_voted_from_both_accounts_keeps_the_newer_vote(
    db: Database, core: Core, clock: ManualClock
) -> None:
    slack, discord = await two_platforms(core)
    proposed = await slack.say("alice", '/meet propose "Planning" "2030-01-07 10:00" "2030-01-08 10:00"')
    assert not proposed.is_error, proposed.plain()
    await slack.submit("bea", "meet.vote", {"slot1": "yes", "slot2": "yes"}, state="1")
    clock.advance(timedelta(minutes=5))
    await discord.submit("bea", "meet.vote", {"slot1": "no", "slot2": "maybe"}, state="1")
    assert await count(db, MeetingVote) == 4

    code = code_in((await discord.say("bea", "/coalition connect")).plain())
    clock.advance(timedelta(minutes=1))
    done = await connect(slack, "bea", code)
    assert not done.is_error, done.plain()

    async with db.session() as session:
        votes = (await session.exec(select(MeetingVote.slot_id, MeetingVote.answer, MeetingVote.member_id))).all()  # type: ignore[call-overload]
    assert len(votes) == 2
    assert sorted(v[1] for v in votes) == ["maybe", "no"]  # the newer (Discord) answers
    assert len({v[2] for v in votes}) == 1


async def test_a_person_who_touched_every_workflow_is_merged_whole(db: Database, chat: Chat, core: Core) -> None:
    await touch_everything(chat)  # on the console
    discord = Chat(core, platform="discord", workspace="G1", channel="D1")
    code = code_in((await chat.say("alice", "/coalition link")).plain())
    assert not (await discord.say("alice", f"/coalition link {code}")).is_error
    assert not (await discord.say(WHO, "/checkin log 2")).is_error
    await discord.submit(WHO, "meet.vote", {"slot1": "no", "slot2": "no"}, state="1")
    assert not (await discord.say(WHO, '/coalition group join "Walkers"')).is_error
    async with db.session() as session:
        before = (await session.exec(select(Member.id, Member.role).where(Member.display_name == "Quillon"))).all()  # type: ignore[call-overload]
    assert len(before) == 2

    code = code_in((await discord.say(WHO, "/coalition connect")).plain())
    done = await connect(chat, WHO, code)
    assert not done.is_error, done.plain()

    async with db.session() as session:
        after = (await session.exec(select(Member.id, Member.role).where(Member.display_name == "Quillon"))).all()  # type: ignore[call-overload]
        gone = next(row[0] for row in before if row[0] != after[0][0])
        left = await core_repo_references(session, gone)
    assert len(after) == 1
    assert after[0][1] == "steering"  # the stronger role stays, though the kept member was a plain member
    assert left == {}
    assert await count(db, Checkin, Checkin.member_id == after[0][0]) == 2
    assert await count(db, MeetingVote, MeetingVote.member_id == after[0][0]) == 2
    members = (await chat.say("alice", "/coalition members")).plain()
    assert members.count("Quillon") == 1


async def core_repo_references(session: object, member_id: int) -> dict[str, int]:
    from bot.store.repo import CoalitionRepo

    return await CoalitionRepo(session, 1).references(member_id)  # type: ignore[arg-type]


async def test_connect_speaks_through_the_catalogs(db: Database, core: Core) -> None:
    from sqlalchemy import update

    from bot.core.i18n import pseudo
    from bot.store.models import Coalition
    from tests.test_pledge_i18n import english_left

    slack, discord = await two_platforms(core)
    async with db.unit_of_work() as session:
        await session.exec(update(Coalition).values(language="qps"))  # type: ignore[call-overload]
    await discord.say("bob", "/coalition members")
    replies = [
        await slack.say("bob", "/coalition connect"),
        await discord.say("bob", "/coalition connect"),
        await slack.say("bob", "/coalition connect FFFF-FFFF-FFFF"),
    ]
    replies.append(await slack.say("bob", f"/coalition connect {code_in(replies[1].plain())}"))
    replies.append(await slack.say("bob", f"/coalition connect {code_in(replies[0].plain())}"))
    replies.append(await slack.click("bob", replies[3], pseudo("Connect")))
    assert not replies[3].is_error
    assert not replies[5].is_error
    offer = await discord.say("bob", "/coalition connect")
    replies.append(await slack.say("alice", f"/coalition connect {code_in(offer.plain())}"))
    replies.append(await slack.click("alice", replies[-1], pseudo("Cancel")))
    assert not replies[-1].is_error
    assert replies[2].is_error
    assert replies[4].is_error
    for reply in replies:
        assert english_left(reply) == [], (english_left(reply), reply.plain())


async def test_under_approval_a_code_lets_the_other_account_in_as_the_same_member(db: Database, core: Core) -> None:
    slack, discord = await two_platforms(core)
    assert not (await slack.say("alice", "/coalition settings join=approval")).is_error
    stranger = await discord.say("dana", "/coalition connect")
    assert stranger.is_error  # no member yet on any account here: nothing to connect from
    assert (await discord.say("dana", "/goal list")).is_error
    assert await count(db, Member, Member.display_name == "Dana") == 0

    code = code_in((await slack.say("alice", "/coalition connect")).plain())
    offer = await discord.say("eve", f"/coalition connect {code}")
    assert "Connect this discord account to Alice" in offer.plain().replace("Discord", "discord")
    assert await count(db, Identity, Identity.user_id == "eve") == 0  # not before the button
    assert not (await discord.click("eve", offer, "Connect")).is_error  # whoever holds the code, after a warning
    assert await count(db, Member, Member.display_name == "Eve") == 0
    assert await count(db, Identity, Identity.user_id == "eve") == 1
    assert not (await discord.say("eve", "/goal list")).is_error  # acting as Alice now


async def test_cancel_merges_nothing_and_voids_the_code(db: Database, core: Core) -> None:
    slack, discord = await two_platforms(core)
    assert not (await discord.say("bea", "/coalition members")).is_error  # Bea joins on Discord
    code = code_in((await slack.say("mallory", "/coalition connect")).plain())
    offer = await discord.say("bea", f"/coalition connect {code}")  # Bea was given Mallory's code
    assert "into Mallory" in offer.plain()
    cancelled = await discord.click("bea", offer, "Cancel")
    assert not cancelled.is_error
    assert "nothing was merged" in cancelled.plain()
    assert cancelled.replace_original
    assert await count(db, Member, Member.display_name == "Bea") == 1
    assert await count(db, Member, Member.display_name == "Mallory") == 1
    assert await count(db, AuditEntry, AuditEntry.action == "member.connected") == 0
    assert (await discord.click("bea", offer, "Connect")).is_error  # the code is void now
    assert (await discord.say("bea", f"/coalition connect {code}")).is_error
    assert await count(db, Member, Member.display_name == "Bea") == 1


async def test_a_code_that_expires_before_the_click_merges_nothing(
    db: Database, core: Core, clock: ManualClock
) -> None:
    slack, discord = await two_platforms(core)
    assert not (await discord.say("bea", "/coalition members")).is_error  # Bea joins on Discord
    code = code_in((await slack.say("bea", "/coalition connect")).plain())
    clock.advance(timedelta(minutes=14))
    offer = await discord.say("bea", f"/coalition connect {code}")
    assert not offer.is_error, offer.plain()
    clock.advance(timedelta(minutes=2))
    late = await discord.click("bea", offer, "Connect")
    assert late.is_error
    assert "15 minutes" in late.plain()
    assert await count(db, Member, Member.display_name == "Bea") == 2
