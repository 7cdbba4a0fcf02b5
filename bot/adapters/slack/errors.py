"""Reading a failed Slack call without trusting its body. During incidents Slack (or a proxy in
front of it) answers with HTML, plain text, an empty or a truncated body: slack_sdk then raises a
``SlackApiError`` whose ``response`` holds a string, nothing, or even the raw aiohttp response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError


@dataclass(frozen=True)
class SlackFailure:
    status: int | None  # the HTTP status, when known
    code: str  # Slack's ``error`` field ("" when the body was not Slack's JSON)
    retry_after: float | None  # seconds, from a ``Retry-After`` header that parses


def read_failure(error: SlackApiError) -> SlackFailure:
    response: Any = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    headers = getattr(response, "headers", None) or {}
    try:
        raw = headers.get("Retry-After") or headers.get("retry-after")
    except (AttributeError, TypeError):
        raw = None
    try:
        retry_after = max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        retry_after = None
    return SlackFailure(status if isinstance(status, int) else None, str(code or "") if code else "", retry_after)


def error_code(error: SlackApiError) -> str:
    """Slack's ``error`` field, or "" when the answer was not Slack's JSON."""
    return read_failure(error).code
