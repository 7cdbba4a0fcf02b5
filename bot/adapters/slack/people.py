"""Who someone on Slack is: their own (home) workspace, display name, time zone and locale.

``users.info`` (with ``include_locale``) answers; answers are kept in memory and, through the
core's people service, in the database for a while, so a busy channel does not call it for every
command. A person from another organisation in a Slack Connect channel keeps their own workspace
id: they are one member, wherever they type.

The locale (``es-ES``) travels to the core as ``Actor.locale``, which remembers it on the member:
slash commands and clicks never carry it, and the database cache does not keep it, so after a
restart a known member's language comes from what the core remembered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.errors import error_code
from bot.core.clock import Clock
from bot.core.services import KnownPerson

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(hours=12)


@dataclass(frozen=True)
class Person:
    user_id: str
    home_team: str
    display_name: str
    tz: str | None = None
    locale: str | None = None


class PeopleStore(Protocol):
    """The core's people service (``core.services.people``)."""

    async def get(self, user_id: str) -> KnownPerson | None: ...

    async def put(self, person: KnownPerson) -> None: ...


class People:
    def __init__(self, store: PeopleStore, clock: Clock, *, fresh_for: timedelta = FRESH_FOR) -> None:
        self.store = store
        self.clock = clock
        self.fresh_for = fresh_for
        self._memory: dict[str, tuple[Person, datetime]] = {}

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
        known = await self.store.get(user_id)
        if known is not None and now - known.fetched_at < self.fresh_for:
            person = Person(known.user_id, known.home_workspace, known.display_name, known.tz)
        else:
            fetched = await self._fetch(client, user_id)
            if fetched is None:
                return Person(user_id, team, name or user_id)
            person = fetched
            if remember:
                await self.store.put(KnownPerson(person.user_id, person.home_team, person.display_name, person.tz, now))
        self._memory[user_id] = (person, now)
        return person

    async def _fetch(self, client: AsyncWebClient, user_id: str) -> Person | None:
        try:
            response = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user_id, error_code(error) or "unreadable answer")
            return None
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return Person(
            user_id,
            str(user.get("team_id") or ""),
            str(name or user_id)[:200],
            user.get("tz") or None,
            str(user.get("locale") or "") or None,
        )
