"""At most five flags a day per person, without recording who raised which flag.

The counter of a day is keyed by ``HMAC(server secret, coalition | day | person)``: the row says
"someone raised N flags today" and nothing else (no flag id, no time, no name). The secret comes
from the process's configuration (the token encryption key and platform secrets), never from the
database, so a copy of the database alone cannot tell whose counter is whose. Counters of past days
are deleted when the next flag of the coalition is counted.

Residual risk, written down: someone holding both the database and the server's secrets during the
same day can compute each member's key, see who raised how many flags that day, and, by
subtracting that member's named flags, infer that they raised an anonymous one. Without secrets
configured (the local console), a key random to the process is used: the limit then restarts with
the process and is not shared between processes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from bot.config import Settings
from bot.core.context import Ctx

_PROCESS_KEY = secrets.token_bytes(32)


def _secret(settings: Settings) -> bytes:
    parts = (
        settings.token_encryption_key,
        settings.slack_signing_secret,
        settings.slack_client_secret,
        settings.slack_bot_token,
        settings.discord_token,
    )
    configured = "\x1f".join(p for p in parts if p)
    return configured.encode() if configured else _PROCESS_KEY


def person_of(ctx: Ctx) -> str:
    """Who is raising: the member (all their connected accounts count together) or, before they
    are a member, their platform account."""
    if ctx.member is not None and ctx.member.id is not None:
        return f"member:{ctx.member.id}"
    return f"account:{ctx.actor.platform}:{ctx.actor.workspace}:{ctx.actor.user_id}"


def quota_key(settings: Settings, coalition_id: int, day: date, person: str) -> str:
    message = f"flag-quota|{coalition_id}|{day.isoformat()}|{person}".encode()
    return hmac.new(_secret(settings), message, hashlib.sha256).hexdigest()
