"""Slack requests a process acknowledged and died before answering (:mod:`bot.core.intake`), run
and answered when the bot starts again: through the request's ``response_url`` while Slack still
takes it (30 minutes), else in the channel for a public answer and by direct message for a private
one (an ephemeral message may never be seen by someone who is not looking)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.interactions import SlackInteractions
from bot.adapters.slack.web import retry_handlers

log = logging.getLogger(__name__)

RESPONSE_URL_LIFE = timedelta(minutes=25)  # Slack honours a response_url for 30 minutes
MOST_TRIES = 3  # a request that failed this many replays is dropped (logged), not retried forever
ClientFor = Callable[[str], Awaitable[str | None]]  # a workspace's bot token


class LateClient(AsyncWebClient):
    """Answers too late for the response URL: what would be an ephemeral message (seen only by
    someone looking at the channel right now) is refused, so the answer goes as a direct message."""

    async def chat_postEphemeral(self, **kwargs: Any) -> Any:  # type: ignore[override]
        raise SlackApiError("a late answer goes to a direct message", {"ok": False, "error": "late_answer"})


async def noop_ack(*_args: Any, **_kwargs: Any) -> None:
    """Slack was acknowledged by the process that died."""


def team_of(body: dict[str, Any]) -> str:
    return str(body.get("team_id") or (body.get("team") or {}).get("id") or "")


async def answer_unanswered(interactions: SlackInteractions, tokens: ClientFor, api_url: str, now: datetime) -> int:
    """Run and answer every request left unanswered by a process that died; returns how many."""
    answered = 0
    for request in await interactions.intake.unanswered():
        if request.attempts > MOST_TRIES:
            log.error("dropping Slack %s %s after %d replays", request.kind, request.id, request.attempts - 1)
            await interactions.intake.answered(request.id)
            continue
        body = dict(request.payload)
        late = now - request.received_at > RESPONSE_URL_LIFE
        if late:
            body.pop("response_url", None)
            body.pop("response_urls", None)
        token = await tokens(team_of(body))
        url = api_url if api_url.endswith("/") else api_url + "/"
        client = (LateClient if late else AsyncWebClient)(token=token, base_url=url, retry_handlers=retry_handlers())
        try:
            if request.kind == "command":
                await interactions.command(noop_ack, body, client)
            elif request.kind == "action":
                await interactions.action(noop_ack, body, client)
            elif request.kind == "form":
                await interactions.view_submission(noop_ack, body, client, late=True, expired=late)
                await interactions.intake.answered(request.id)
            else:
                await interactions.intake.answered(request.id)
                continue
        except Exception:
            log.exception("could not answer Slack %s %s after a restart", request.kind, request.id)
            continue
        answered += 1
    if answered:
        log.warning("answered %d Slack request(s) left unanswered by a process that stopped", answered)
    return answered
