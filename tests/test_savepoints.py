"""A row added under a savepoint (the race guards of join requests, signatures, pledges) stands or
falls with the whole unit of work, also when it is the unit's first write. On SQLite the driver
begins its transaction only before a data write, so a SAVEPOINT issued first used to open the
outermost transaction, and its RELEASE committed the row on its own."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.db import Database
from bot.store.membership_models import JoinRequest
from bot.store.membership_repo import MembershipRepo
from bot.store.repo import Directory


class Failed(Exception):
    """What went wrong after the row was added."""


async def test_a_savepoint_as_the_first_write_rolls_back_with_its_unit(db: Database) -> None:
    async with db.unit_of_work() as session:
        coalition = await Directory(session).create_coalition(name="Clean Air", slug="clean-air", tz="UTC")
    cid = coalition.id or 0
    request = JoinRequest(coalition_id=cid, platform="console", workspace="local", user_id="zoe", display_name="Zoe")

    async def fails_after_adding() -> None:
        async with db.unit_of_work() as session:
            assert await MembershipRepo(session, cid).add_request(request)  # the unit's first write
            raise Failed

    with pytest.raises(Failed):
        await fails_after_adding()
    async with db.session() as session:
        assert (await session.exec(select(JoinRequest))).all() == []
    again = JoinRequest(coalition_id=cid, platform="console", workspace="local", user_id="zoe", display_name="Zoe")
    async with db.unit_of_work() as session:
        assert await MembershipRepo(session, cid).add_request(again)
    twice = JoinRequest(coalition_id=cid, platform="console", workspace="local", user_id="zoe", display_name="Zoe")
    async with db.unit_of_work() as session:
        assert not await MembershipRepo(session, cid).add_request(twice)  # the guard still guards
    async with db.session() as session:
        assert [r.user_id for r in (await session.exec(select(JoinRequest))).all()] == ["zoe"]
