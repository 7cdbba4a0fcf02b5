"""Who someone on Slack is: their own (home) workspace, display name and time zone.

``users.info`` answers; answers are kept in memory and in the database for a while, so a busy
channel does not call it for every command. A person from another organisation in a Slack Connect
channel keeps their own workspace id: they are one member, wherever they type.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.store.db import Database
from bot.store.slack_models import SlackPerson

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(hours=12)


@dataclass(frozen=True)
class Person:
    user_id: str
    home_team: str
    display_name: str
    tz: str | None = None


class People:
    def __init__(self, db: Database, clock: Clock, *, fresh_for: timedelta = FRESH_FOR) -> None:
        self.db = db
        self.clock = clock
        self.fresh_for = fresh_for
        self._memory: dict[str, tuple[Person, Any]] = {}

    async def lookup(
        self, client: AsyncWebClient, user_id: str, *, name: str, team: str, remember: bool = True
    ) -> Person:
        """The person, from the cache while fresh, else from ``users.info``; the payload's name
        and team if Slack cannot say (the command still works). ``remember=False`` (a confidential
        command) leaves no row behind: what ``users.info`` said is kept in memory only."""
        now = self.clock.now()
        cached = self._memory.get(user_id)
        if cached is not None and now - cached[1] < self.fresh_for:
            return cached[0]
        async with self.db.session() as session:
            row = await session.get(SlackPerson, user_id)
        if row is not None and now - row.fetched_at < self.fresh_for:
            person = Person(row.user_id, row.home_team_id, row.display_name, row.tz)
        else:
            fetched = await self._fetch(client, user_id)
            if fetched is None:
                return Person(user_id, team, name or user_id)
            person = fetched
            if remember:
                await self._save(person)
        self._memory[user_id] = (person, now)
        return person

    async def _fetch(self, client: AsyncWebClient, user_id: str) -> Person | None:
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
            return None
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return Person(user_id, str(user.get("team_id") or ""), str(name or user_id)[:200], user.get("tz") or None)

    async def _save(self, person: Person) -> None:
        try:
            async with self.db.unit_of_work() as session:
                row = await session.get(SlackPerson, person.user_id)
                if row is None:
                    row = SlackPerson(user_id=person.user_id)
                row.home_team_id = person.home_team
                row.display_name = person.display_name
                row.tz = person.tz
                row.fetched_at = self.clock.now()
                session.add(row)
        except IntegrityError:
            pass  # saved at the same moment by a concurrent request: same facts
