"""What adapters need remembered or looked up, as small services over the store.

Adapters only translate, so they never open the database themselves. What they must keep between
a message and the click on it (ids too long for the platform, forms behind buttons, the last
command sync), what a platform said about a person, and which of a person's coalitions the Home
tab lists come from here. The core builds one :class:`Services` over its database and every
adapter reaches it as ``core.services``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.core.codec import decode_form
from bot.core.context import Actor, Place
from bot.core.ui import Form, Reply
from bot.store.db import Database
from bot.store.repo import CoalitionRepo, Directory, get_state, put_state
from bot.store.slack_models import SlackPerson


class Kept:
    """Small JSON documents under string keys (``slack:form:…``, ``discord:cid:…``): what a button,
    select or modal stands for when the platform's ids cannot carry it. Saving the same key twice
    is harmless: keys are content hashes or fixed names."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self.db.session() as session:
            return await get_state(session, key)

    async def put(self, documents: Mapping[str, dict[str, Any]]) -> None:
        """Keep every document, in one transaction."""
        if not documents:
            return
        async with self.db.unit_of_work() as session:
            for key, value in documents.items():
                await put_state(session, key, value)

    async def form(self, key: str) -> Form | None:
        """A form kept with :func:`bot.core.codec.encode_form`, or None if it is gone."""
        stored = await self.get(key)
        return None if stored is None else decode_form(stored)


@dataclass(frozen=True)
class KnownPerson:
    """What a platform said about someone: their own (home) workspace, name and time zone."""

    user_id: str
    home_workspace: str
    display_name: str
    tz: str | None
    fetched_at: datetime


class People:
    """People as a platform described them, kept so a busy channel does not ask for every command.

    Only Slack needs this (its payloads carry neither names nor time zones); user ids are unique
    across Slack, so the key is the user id alone.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: str) -> KnownPerson | None:
        async with self.db.session() as session:
            row = await session.get(SlackPerson, user_id)
        if row is None:
            return None
        return KnownPerson(row.user_id, row.home_team_id, row.display_name, row.tz, row.fetched_at)

    async def put(self, person: KnownPerson) -> None:
        try:
            async with self.db.unit_of_work() as session:
                row = await session.get(SlackPerson, person.user_id)
                if row is None:
                    row = SlackPerson(user_id=person.user_id)
                row.home_team_id = person.home_workspace
                row.display_name = person.display_name
                row.tz = person.tz
                row.fetched_at = person.fetched_at
                session.add(row)
        except IntegrityError:
            pass  # saved at the same moment by a concurrent request: the same facts


@dataclass(frozen=True)
class Seat:
    """One of a person's coalitions: its name, their role, and a channel of it."""

    coalition: str
    role: str
    place: Place


Ask = Callable[[Place, str, str], Awaitable[Reply]]
"""Run a command (name, text) as the person, in a channel: what a Home builder may ask."""

HomeBuilder = Callable[[Sequence[Seat], Ask], Awaitable[Reply]]
"""Builds a person's Home view from their seats (``bot.commands.home.home_view``)."""


class Places:
    """Which channels belong to a coalition, and which coalitions a person has a seat in."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_bound(self, place: Place) -> bool:
        async with self.db.session() as session:
            return await Directory(session).binding(place.platform, place.workspace, place.channel) is not None

    async def seats(self, actor: Actor, *, limit: int) -> list[Seat]:
        """The person's coalitions that have a channel (at most ``limit``), in joining order."""
        seats: list[Seat] = []
        async with self.db.session() as session:
            memberships = await Directory(session).memberships(actor.platform, actor.workspace, actor.user_id)
            for member, coalition in memberships[:limit]:
                if coalition.id is None:
                    continue
                bindings = await CoalitionRepo(session, coalition.id).bindings()
                if bindings:
                    b = bindings[0]
                    seats.append(Seat(coalition.name, member.role, Place(b.platform, b.workspace, b.channel, b.name)))
        return seats


class Services:
    """Everything above, over one database."""

    def __init__(self, db: Database) -> None:
        self.kept = Kept(db)
        self.people = People(db)
        self.places = Places(db)
