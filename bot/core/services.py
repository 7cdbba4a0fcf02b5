"""What adapters need remembered or looked up, as small services over the store.

Adapters only translate, so they never open the database themselves. What they must keep between
a message and the click on it (ids too long for the platform, forms behind buttons, the last
command sync), what a platform said about a person, and which of a person's coalitions the Home
tab lists come from here. The core builds one :class:`Services` over its database and every
adapter reaches it as ``core.services``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.codec import decode_form
from bot.core.context import Actor, Place
from bot.core.delivery import ChannelInfo, ChannelInspector
from bot.core.ui import Form, Reply
from bot.store.db import Database
from bot.store.repo import CoalitionRepo, Directory, get_state, put_state
from bot.store.slack_models import SlackPerson


class Kept:
    """Small JSON documents under string keys (``slack:form:…``, ``discord:cid:…``): what a button,
    select or modal stands for when the platform's ids cannot carry it. Saving the same key twice
    is harmless: keys are content hashes or fixed names.

    What was read or written is remembered in memory (the last ``remembered`` keys), so a click
    reads no database for a document this process has seen, and rendering the same buttons again
    writes nothing. A key under a content hash never changes meaning; the fixed names (the last
    command sync) are read once at start."""

    def __init__(self, db: Database, *, remembered: int = 4096) -> None:
        self.db = db
        self.remembered = remembered
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()

    async def get(self, key: str) -> dict[str, Any] | None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return dict(self._memory[key])
        async with self.db.session() as session:
            value = await get_state(session, key)
        if value is not None:
            self._remember(key, value)
        return value

    async def put(self, documents: Mapping[str, dict[str, Any]]) -> None:
        """Keep every document, in one transaction; none when this process kept them all already."""
        documents = {key: value for key, value in documents.items() if self._memory.get(key) != value}
        if not documents:
            return
        async with self.db.unit_of_work() as session:
            for key, value in documents.items():
                await put_state(session, key, value)
        for key, value in documents.items():
            self._remember(key, value)

    def hold(self, documents: Mapping[str, dict[str, Any]]) -> None:
        """Keep documents in this process's memory only, never in the database: what a person typed
        into a confidential form, behind the button that reopens it after a mistake. A restart (or
        enough newer documents) forgets them; the button then says the form is gone."""
        for key, value in documents.items():
            self._remember(key, value)

    async def form(self, key: str) -> Form | None:
        """A form kept with :func:`bot.core.codec.encode_form`, or None if it is gone."""
        stored = await self.get(key)
        return None if stored is None else decode_form(stored)

    def _remember(self, key: str, value: dict[str, Any]) -> None:
        self._memory[key] = dict(value)
        self._memory.move_to_end(key)
        while len(self._memory) > self.remembered:
            self._memory.popitem(last=False)


@dataclass(frozen=True)
class KnownPerson:
    """What a platform said about someone: their own (home) workspace, name and time zone."""

    user_id: str
    home_workspace: str
    display_name: str
    tz: str | None
    fetched_at: datetime


MAX_PENDING = 200


class People:
    """People as a platform described them, kept so a busy channel does not ask for every command.

    Only Slack needs this (its payloads carry neither names nor time zones); user ids are unique
    across Slack, so the key is the user id alone.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: dict[str, KnownPerson] = {}

    async def get(self, user_id: str) -> KnownPerson | None:
        if user_id in self._pending:
            return self._pending[user_id]
        async with self.db.session() as session:
            row = await session.get(SlackPerson, user_id)
        if row is None:
            return None
        return KnownPerson(row.user_id, row.home_team_id, row.display_name, row.tz, row.fetched_at)

    async def put(self, person: KnownPerson) -> None:
        """Remember what the platform said: written by the next unit of work the core opens (the
        command this lookup is for, as a rule), so a lookup costs no transaction of its own."""
        self._pending[person.user_id] = person
        if len(self._pending) > MAX_PENDING:  # no unit of work for a while: write them now
            async with self.db.unit_of_work() as session:
                await self.write_pending(session)

    async def write_pending(self, session: AsyncSession) -> list[KnownPerson]:
        """Write what :meth:`put` remembered, in the caller's unit of work; if that rolls back, the
        caller hands them back with :meth:`restore`."""
        written = []
        while self._pending:
            _, person = self._pending.popitem()
            written.append(person)
            row = await session.get(SlackPerson, person.user_id)
            if row is None:
                row = SlackPerson(user_id=person.user_id)
            row.home_team_id = person.home_workspace
            row.display_name = person.display_name
            row.tz = person.tz
            row.fetched_at = person.fetched_at
            session.add(row)
        return written

    def restore(self, people: Sequence[KnownPerson]) -> None:
        for person in people:
            self._pending.setdefault(person.user_id, person)


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


class Channels:
    """What each platform says about its channels, for commands that must know (the private flag
    channel of ``/coalition settings``). Each adapter registers its :class:`ChannelInspector` when
    it is built; a handler asks through ``ctx.channels``. The question goes to the platform while
    the command's unit of work is open, so it is asked only by rare commands (settings)."""

    def __init__(self) -> None:
        self._inspectors: dict[str, ChannelInspector] = {}

    def register(self, platform: str, inspector: ChannelInspector) -> None:
        self._inspectors[platform] = inspector

    def knows(self, platform: str) -> bool:
        return platform in self._inspectors

    async def info(self, place: Place, *, by_name: bool = False) -> ChannelInfo | None:
        """The channel at ``place`` (``place.channel`` an id, or a name when ``by_name``); None when
        the platform has no such channel the bot can see, or no inspector is registered for it."""
        inspector = self._inspectors.get(place.platform)
        if inspector is None:
            return None
        return await inspector.channel_info(place.workspace, place.channel, by_name=by_name)


class Services:
    """Everything above, over one database."""

    def __init__(self, db: Database) -> None:
        self.kept = Kept(db)
        self.people = People(db)
        self.places = Places(db)
        self.channels = Channels()
