"""Forget-me across every workflow (SPEC §8): a person who touched every workflow asks to be
forgotten; afterwards neither their account id nor their name, nor the free text they wrote, is in
any column of any table (the outbox's payloads included). Totals stay."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.store.db import Database
from bot.store.models import Checkin
from tests.support import Chat

WHO = "quillon"  # their account id; their name is "Quillon"
MARK = "marigold"  # in every personal text they write


def flagged(value: Any) -> bool:
    if value is None or isinstance(value, (int, float, bool)):
        return False
    if isinstance(value, bytes):
        text = value.decode(errors="replace")
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=str)
    return WHO in text.casefold() or MARK in text.casefold()


async def leftovers(db: Database) -> list[str]:
    found = []
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                found += [f"{table.name}.{k}={str(v)[:120]!r}" for k, v in row.items() if flagged(v)]
    return found


async def touch_everything(chat: Chat) -> None:
    async def ok(who: str, line: str) -> None:
        reply = await chat.say(who, line)
        assert not reply.is_error, (line, reply.plain())

    await ok("alice", '/coalition create "Clean Air"')
    await ok(WHO, '/coalition join org="Acme Trust"')
    await ok("bea", '/coalition join org="River Group"')
    await ok("alice", f"/coalition role @{WHO} steering")
    await ok(WHO, '/coalition group create "Walkers"')
    await ok(WHO, '/coalition group join "Walkers"')
    await ok(WHO, '/goal add "Calls" target=100 unit=calls')
    await ok(WHO, f'/checkin log 5 "{MARK} note" blockers="{MARK} blocker"')
    await ok("bea", "/checkin log 3")
    await ok(WHO, '/pledge offer "Ten volunteers" kind=volunteers amount=10 unit=people')
    await ok(WHO, '/pledge need "Hall for 50" kind=space')
    named = await chat.submit(
        WHO,
        "flag.raise",
        {"topic": "Tension", "description": "It happened twice.", "parties": "Bea", "severity": "high"},
    )
    assert not named.is_error, named.plain()
    anonymous = await chat.submit(
        WHO,
        "flag.raise",
        {"topic": "Other", "description": "Once.", "parties": "", "severity": "low", "anonymous": "yes"},
    )
    assert not anonymous.is_error, anonymous.plain()
    await ok(WHO, '/meet propose "Planning" "2030-01-07 10:00" "2030-01-08 10:00"')
    await chat.submit(WHO, "meet.vote", {"slot1": "yes", "slot2": "no"}, state="1")
    await ok(WHO, f'/meet agenda 1 "{MARK} agenda"')
    await ok(WHO, '/unity draft "We stand together for clean air."')
    await ok(WHO, f'/unity comment "{MARK} comment"')
    await ok(WHO, "/unity publish")
    signed = await chat.submit(
        WHO, "unity.sign", {"org": await org_id(chat), "name": "Quillon", "title": "Chair", "authorised": "yes"}
    )
    assert not signed.is_error, signed.plain()
    await ok(WHO, '/decide propose "Adopt the plan?"')
    await ok(WHO, f'/decide object 1 "{MARK} reason"')
    await ok(WHO, f"/decide delegate @{WHO}")
    await ok("alice", '/decide propose "Secret?" method=majority secret=yes')
    await chat.submit(WHO, "decide.ballot", {"choice": "0"}, state="2")
    await ok("alice", "/coalition members")


async def org_id(chat: Chat) -> str:
    from bot.store.models import Organisation

    async with chat.core.db.session() as session:
        org = (await session.exec(select(Organisation).where(Organisation.name == "Acme Trust"))).one()  # type: ignore[call-overload]
    return str(org[0].id)


async def test_forget_me_leaves_no_trace_in_any_table(chat: Chat, db: Database) -> None:
    await touch_everything(chat)
    assert await leftovers(db)  # the scan sees them before
    offer = await chat.say(WHO, "/coalition forget-me")
    done = await chat.click(WHO, offer, "Erase my data")
    assert not done.is_error, done.plain()
    left = await leftovers(db)
    assert left == [], "\n".join(left)
    async with db.session() as session:
        total = (await session.exec(select(func.sum(Checkin.amount)))).one()  # type: ignore[call-overload]
    assert total[0] == 8  # their check-in stays in the totals, unattributed
    status = await chat.say("alice", "/goal show 1")
    assert "8 / 100" in status.plain()
    assert "Quillon" not in (await chat.say("alice", "/coalition members")).plain()


async def test_forget_me_also_drops_what_slack_said_about_the_person(chat: Chat, db: Database) -> None:
    """The ``slack_person`` cache (name, home workspace, zone from users.info) goes with forget-me."""
    from sqlmodel import select as sm_select

    from bot.store.slack_models import SlackPerson

    slack = Chat(chat.core, platform="slack", workspace="T1", channel="C1")
    await slack.say("alice", '/coalition create "Clean Air"')
    await slack.say("zed", "/coalition join")
    async with db.unit_of_work() as session:
        session.add(SlackPerson(user_id="zed", home_team_id="T1", display_name="Zed Zebulon"))
        session.add(SlackPerson(user_id="alice", home_team_id="T1", display_name="Alice"))
    offer = await slack.say("zed", "/coalition forget-me")
    done = await slack.click("zed", offer, "Erase my data")
    assert not done.is_error, done.plain()
    async with db.session() as session:
        left = [p.user_id for p in (await session.exec(sm_select(SlackPerson))).all()]
    assert left == ["alice"]  # only the person who asked is forgotten
