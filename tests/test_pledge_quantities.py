"""The quantities kept on each pledge item (issue 23) against the plain sums of its matches: random
offers, needs, matches, hand-overs and withdrawals through the core, on SQLite and PostgreSQL; and
what the listings, the status section and the map read in SQL against the same items summed in
Python."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.commands.pledge.ledger import kept, open_for_more, state_of, tally
from bot.core.clock import ManualClock
from bot.store.db import Database
from bot.store.pledge_models import MatchState, PledgeItem, PledgeMatch, Side
from bot.store.pledge_repo import LIVE_STATES, PledgeRepo
from tests.support import Chat, make_core

PEOPLE = (("ana", "Acme"), ("bo", "River"), ("cy", "Harbour"))
KINDS = ("funding", "space")
UNITS = ("masks", "mask", "")
workspaces = count()

post = st.tuples(st.sampled_from(KINDS), st.one_of(st.none(), st.integers(1, 40)), st.sampled_from(UNITS))
match = st.tuples(st.just("match"), st.integers(0, 9), st.integers(0, 9), st.one_of(st.none(), st.integers(1, 30)))
fulfil = st.tuples(st.just("fulfill"), st.integers(0, 19), st.one_of(st.none(), st.integers(1, 20)))
withdraw = st.tuples(st.just("withdraw"), st.integers(0, 19))
actions = st.lists(st.one_of(match, match, fulfil, fulfil, withdraw), min_size=1, max_size=16)


async def posted(chat: Chat, who: str, side: str, n: int, what: tuple[Any, ...]) -> int:
    kind, amount, unit = what
    quantity = "" if amount is None else f" amount={amount}" + (f" unit={unit}" if unit else "")
    reply = await chat.say(who, f'/pledge {side} "{kind} {n}" kind={kind}{quantity}')
    found = re.search(r"(?:Offer|Need) #(\d+)", reply.plain())
    assert found is not None, reply.plain()
    return int(found[1])


async def items_and_matches(db: Database, coalition_id: int) -> tuple[list[PledgeItem], list[PledgeMatch]]:
    async with db.session() as session:
        items = (await session.exec(select(PledgeItem).where(PledgeItem.coalition_id == coalition_id))).all()
        matches = (await session.exec(select(PledgeMatch).where(PledgeMatch.coalition_id == coalition_id))).all()
    return sorted(items, key=lambda i: i.id or 0), list(matches)


def plain(item: PledgeItem, matches: list[PledgeMatch]) -> tuple[float, float, int, int]:
    mine = [m for m in matches if item.id in (m.offer_id, m.need_id) and m.state != MatchState.WITHDRAWN.value]
    return (
        sum(m.amount or 0.0 for m in mine),
        sum(m.delivered for m in mine),
        len(mine),
        sum(1 for m in mine if m.state == MatchState.MATCHED.value),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offered=st.lists(post, min_size=1, max_size=5), asked=st.lists(post, min_size=1, max_size=5), ops=actions)
async def test_kept_quantities_are_the_plain_sums_of_the_matches(
    db: Database, offered: list[tuple[Any, ...]], asked: list[tuple[Any, ...]], ops: list[tuple[Any, ...]]
) -> None:
    """Acme offers, River and Harbour ask; steering matches, hands over and withdraws at random
    (refusals included): every item's kept quantities equal the plain sums of its matches."""
    chat = Chat(make_core(db, ManualClock()), workspace=f"q{next(workspaces)}")
    assert not (await chat.say("ana", '/coalition create "Quantities"')).is_error
    for who, org in PEOPLE:
        assert not (await chat.say(who, f'/coalition join org="{org}"')).is_error
    offers = [await posted(chat, "ana", "offer", n, p) for n, p in enumerate(offered)]
    needs = [await posted(chat, PEOPLE[1 + n % 2][0], "need", n, p) for n, p in enumerate(asked)]
    everything = offers + needs
    for op in ops:
        if op[0] == "match":
            amount = "" if op[3] is None else f" amount={op[3]}"
            pair = f"{offers[op[1] % len(offers)]} {needs[op[2] % len(needs)]}"
            await chat.say("ana", f"/pledge match {pair}{amount}")  # refusals are part of the game
        elif op[0] == "fulfill":
            amount = "" if op[2] is None else f" amount={op[2]}"
            await chat.say("ana", f"/pledge fulfill {everything[op[1] % len(everything)]}{amount}")
        else:
            await chat.say("ana", f"/pledge withdraw {everything[op[1] % len(everything)]}")
    async with db.session() as session:
        first = await session.get(PledgeItem, offers[0])
        assert first is not None
        coalition_id = first.coalition_id
    items, matches = await items_and_matches(db, coalition_id)
    for item in items:
        assert (item.promised, item.delivered, item.match_count, item.waiting_count) == plain(item, matches), item.id
        assert item.state == state_of(item, tally(item, matches)).value, item.id
        assert kept(item) == tally(item, matches)
    async with db.session() as session:
        repo = PledgeRepo(session, coalition_id)
        for side in (Side.OFFER, Side.NEED):
            live = [i for i in items if i.side == side.value and i.state in LIVE_STATES]
            total, page = await repo.live_page(side, limit=3)
            assert total == len(live)
            assert [i.id for i in page] == [i.id for i in live[-3:]]
        missing = [i for i in items if i.side == Side.NEED.value and open_for_more(i, tally(i, matches))]
        total, page = await repo.missing_page(limit=2)
        assert total == len(missing)
        assert [i.id for i in page] == [i.id for i in missing[:2]]
        summed: dict[tuple[int, str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
        for organisation_id, kind, side, unit, n, with_amount, amount in await repo.map_items():
            summed[(organisation_id, kind, side, unit)] = [n, with_amount, float(amount or 0.0)]
    expected: dict[tuple[int, str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for i in items:
        gave = any(i.id in (m.offer_id, m.need_id) and m.state == MatchState.FULFILLED.value for m in matches)
        if i.state == "withdrawn" and i.closed_at is not None and not gave:
            continue
        row = expected[(i.organisation_id, i.kind, i.side, i.unit)]
        row[0] += 1
        row[1] += i.amount is not None
        row[2] += i.amount or 0.0
    assert dict(summed) == dict(expected)


async def test_items_are_listed_newest_first_from_one_page(db: Database) -> None:
    chat = Chat(make_core(db, ManualClock()), workspace="paging")
    await chat.say("ana", '/coalition create "Paging"')
    await chat.say("ana", '/coalition join org="Acme"')
    for n in range(33):
        await chat.say("ana", f'/pledge need "Chairs {n}" kind=space amount=10 unit=chairs')
    reply = (await chat.say("ana", "/pledge needs")).plain()
    assert "33 OPEN NEEDS" in reply
    assert "The 30 newest of 33." in reply
    assert "Chairs 32 " in reply
    assert "Chairs 3 " in reply
    assert "Chairs 2 " not in reply
    status = (await chat.say("ana", "/coalition status")).plain()
    assert "33 open needs" in status
    assert "…and 28 more" in status
    assert "Chairs 4 " in status
    assert "Chairs 5 " not in status
    async with db.session() as session:
        ids = (await session.exec(select(PledgeItem.id).order_by(col(PledgeItem.id)))).all()
    assert len(ids) == 33
