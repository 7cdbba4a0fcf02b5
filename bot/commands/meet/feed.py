"""``GET /calendar/<slug>/<token>.ics``: a coalition's coming meetings for calendar apps to
subscribe to. The token is the secret; a wrong one answers exactly like an unknown coalition."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands.meet.calendar import calendar
from bot.commands.meet.shared import entry_of
from bot.core.clock import Clock, SystemClock
from bot.core.i18n import language, of_coalition
from bot.store.db import Database
from bot.store.meeting_repo import MeetingRepo, feed_by_token

PAST_KEPT = timedelta(days=30)  # recent meetings stay in subscribed calendars for a while


async def feed_ics(db: Database, slug: str, token: str, clock: Clock) -> bytes | None:
    now = clock.now()
    async with db.session() as session:
        feed = await feed_by_token(session, token)
        if feed is None:
            return None
        repo = MeetingRepo(session, feed.coalition_id)
        coalition = await repo.coalition()
        if coalition is None or not hmac.compare_digest(coalition.slug, slug):
            return None
        with language(of_coalition(coalition)):
            meetings = await repo.upcoming(now - PAST_KEPT)
            agendas = await repo.agendas([m.id or 0 for m in meetings])
            entries = [entry_of(meeting, coalition, agendas[meeting.id or 0]) for meeting in meetings]
            return calendar(entries, now=now, method=None, name=coalition.name)


def calendar_routes(db: Any, clock: Clock | None = None, workflows: tuple[Any, ...] = ()) -> list[BaseRoute]:
    clock = clock or SystemClock()

    async def endpoint(request: Request) -> Response:
        name: str = request.path_params["name"]
        token, dot, suffix = name.rpartition(".")
        body = await feed_ics(db, request.path_params["slug"], token, clock) if dot and suffix == "ics" else None
        if body is None:
            return PlainTextResponse("Not found", status_code=404)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
        )

    return [Route("/calendar/{slug}/{name}", endpoint, methods=["GET", "HEAD"])]
