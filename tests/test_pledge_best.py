"""Ranking candidates for a new need or offer reads a bounded pool picked in SQL (issue 23), not
every live item on the other side: the same ranking, with its cost following the answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from bot.commands.pledge.ledger import kept
from bot.commands.pledge.service import POOL, best
from bot.core.clock import ManualClock
from bot.store.db import Database
from bot.store.models import Organisation
from bot.store.pledge_models import PledgeItem
from bot.store.pledge_repo import PledgeRepo
from tests.support import Chat, make_core


def item(
    c: int, org: int, side: str, n: int, kind: str, description: str, amount: float | None, unit: str
) -> PledgeItem:
    state = "offered" if side == "offer" else "open"
    return PledgeItem(
        coalition_id=c,
        side=side,
        organisation_id=org,
        kind=kind,
        description=description,
        amount=amount,
        unit=unit,
        state=state,
        fingerprint=f"{side}-{n}",
    )


async def coalition(db: Database, workspace: str) -> tuple[int, int, int]:
    chat = Chat(make_core(db, ManualClock()), workspace=workspace)
    assert not (await chat.say("ana", '/coalition create "Best"')).is_error
    async with db.unit_of_work() as session:
        c = int((await session.exec(text("SELECT max(id) FROM coalition"))).scalar_one())  # type: ignore[call-overload]
        acme, river = (
            Organisation(coalition_id=c, name="Acme", key="acme"),
            Organisation(coalition_id=c, name="River", key="river"),
        )
        session.add_all([acme, river])
        await session.flush()
        return c, acme.id or 0, river.id or 0


async def test_best_ranks_a_pool_picked_in_sql_not_every_live_item(db: Database) -> None:
    """River offers 60 sums of euros, then 20 volunteer hours and a spent offer, all newer; Acme
    needs 500 EUR: the five best are River's euro offers, from at most a pool's worth of rows."""
    c, acme, river = await coalition(db, "best-pool")
    async with db.unit_of_work() as session:
        offers = [item(c, river, "offer", n, "funding", f"Grant {n} for the campaign", 100, "EUR") for n in range(60)]
        offers += [
            item(c, river, "offer", 100 + n, "funding", f"Grant {n} for the campaign", 8, "hours") for n in range(20)
        ]
        spent = item(c, river, "offer", 200, "funding", "Grant for the campaign", 100, "euros")
        spent.promised = 100
        mine = item(c, acme, "offer", 201, "funding", "Grant for the campaign", 100, "EUR")
        need = item(c, acme, "need", 0, "funding", "Grant for the campaign", 500, "EUR")
        session.add_all([*offers, spent, mine, need])
    loaded: list[Any] = []

    def counted(target: Any, context: Any) -> None:
        loaded.append(target)

    event.listen(PledgeItem, "load", counted)
    try:
        async with db.session() as session:
            repo = PledgeRepo(session, c)
            found = await repo.item(need.id or 0)
            assert found is not None
            loaded.clear()
            ranked, items = await best(repo, found, kept(found))
    finally:
        event.remove(PledgeItem, "load", counted)
    assert len(ranked) == 5
    assert all(r.unit_fit == 2 and r.same_kind for r in ranked)
    assert {items[r.candidate.item_id].organisation_id for r in ranked} == {river}
    assert spent.id not in items
    assert mine.id not in items
    assert len(loaded) <= POOL < len(offers)


async def test_other_kinds_are_read_only_when_its_kind_is_short(db: Database) -> None:
    c, acme, river = await coalition(db, "best-kinds")
    async with db.unit_of_work() as session:
        space = item(c, river, "offer", 1, "space", "Printing posters for the march", None, "")
        far = item(c, river, "offer", 2, "space", "A meeting room on Tuesdays", None, "")
        funding = item(c, river, "offer", 3, "funding", "Bank transfer", 50, "EUR")
        need = item(c, acme, "need", 0, "expertise", "Printing posters for the march", None, "")
        session.add_all([space, far, funding, need])
    async with db.session() as session:
        repo = PledgeRepo(session, c)
        found = await repo.item(need.id or 0)
        assert found is not None
        ranked, _items = await best(repo, found, kept(found))
    assert [r.candidate.item_id for r in ranked] == [space.id]
