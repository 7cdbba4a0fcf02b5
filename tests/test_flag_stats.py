"""``/flag stats`` (SPEC §8 "Minimum N"): flags per organisation for handlers. Named flags are
counted from the flags (with how many people raised them); anonymous flags by a counter per
organisation kept apart from the flags, shown only from 5 flags on, else how many more are needed;
with one count withheld, another is withheld too so the total cannot give it away."""

from __future__ import annotations

from sqlmodel import select

from bot.commands.flag.stats import Count, withhold
from bot.store.db import Database
from bot.store.flag_models import ConflictFlag, FlagOrgTally
from tests.support import Chat
from tests.test_flag import coalition, raise_flag

HARBOUR = ("hana", "hugo", "hiro", "hale", "hope")


def test_one_withheld_count_takes_the_smallest_shown_one_with_it() -> None:
    cells = withhold({1: 7, 2: 3, None: 6})
    assert cells[1] == Count(1, 7, True, 0)
    assert cells[2] == Count(2, 3, False, 2)
    assert cells[None] == Count(None, 6, False, 0)  # else 16 - 7 - 6 would give away the 3
    assert all(c.shown for c in withhold({1: 5, 2: 9}).values())
    assert [c.missing for c in withhold({1: 0, 2: 4, 3: 12}).values()] == [5, 1, 0]
    assert withhold({1: 0, 2: 4, 3: 12})[3].shown


async def test_anonymous_counts_per_organisation_are_withheld_below_five_flags(chat: Chat, db: Database) -> None:
    await coalition(chat)
    for who in HARBOUR:
        assert not (await chat.say(who, '/coalition join org="Harbour Alliance"')).is_error
    await raise_flag(chat, "bob", topic="Named by Bob")  # Acme Trust, named
    for who in HARBOUR[:4]:
        await raise_flag(chat, who, anonymous="yes")
    await raise_flag(chat, "quentin", anonymous="yes")  # not a member: no organisation

    below = (await chat.say("fay", "/flag stats")).plain()
    assert "Harbour Alliance: 0 named flags from 0 people; anonymous: withheld, 1 more needed." in below
    assert "Acme Trust: 1 named flag from 1 person; anonymous: withheld, 5 more needed." in below
    assert "Without an organisation: 0 named flags from 0 people; anonymous: withheld, 4 more needed." in below
    assert "flags are counted, not people" in below

    await raise_flag(chat, HARBOUR[4], anonymous="yes")
    at = (await chat.say("alice", "/flag stats")).plain()
    assert "Harbour Alliance: 0 named flags from 0 people; anonymous: 5." in at
    assert "Riverside Group: 0 named flags from 0 people; anonymous: withheld, 5 more needed." in at

    async with db.session() as session:
        tallies = (await session.exec(select(FlagOrgTally))).all()
        stored = (await session.exec(select(ConflictFlag).where(ConflictFlag.anonymous))).all()
    assert [t.anonymous for t in tallies] == [5]
    assert all(f.reporter_id is None for f in stored)
    assert len(stored) == 6

    exported = await chat.say("alice", "/coalition export")
    assert not exported.is_error


async def test_named_counts_leave_out_flags_the_handler_is_recused_from(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob", topic="About Fay", parties="fay")
    await raise_flag(chat, "bob", topic="About the weather")
    assert "Acme Trust: 1 named flag from 1 person" in (await chat.say("fay", "/flag stats")).plain()
    assert "Acme Trust: 2 named flags from 1 person" in (await chat.say("alice", "/flag stats")).plain()


async def test_members_and_observers_cannot_read_flag_stats(chat: Chat, db: Database) -> None:
    await coalition(chat)
    refused = await chat.say("bob", "/flag stats")
    assert refused.is_error
    assert "steering" in refused.plain()
    assert "Acme" not in refused.plain()
