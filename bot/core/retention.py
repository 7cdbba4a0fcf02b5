"""Retention limits steering sets (``/coalition settings keep_notes=6``): how many months a workflow
keeps something before its daily job erases it. A limit is a whole number of months from 1 to 120;
``forever`` (or 0, or no setting) keeps it as the workflow's privacy declaration says.

A workflow declares a limit on one of its :class:`bot.core.workflow.DataUse`\\ s (``retention=``, what
``/coalition privacy`` and ``/coalition settings`` say about it) and builds its daily job with
:func:`retention_job`: the job is due for a coalition once per day (UTC) while a limit is set, and
erases with set-based statements through the workflow's own ``erase(session, coalition_id, cutoff)``,
which returns how many rows of each kind it changed. The counts are audited, nothing else.
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import BadArgument
from bot.core.i18n import _
from bot.core.workflow import JobEnv, TimedJob
from bot.store.repo import CoalitionRepo, get_state, put_state
from bot.store.retention import coalition_settings, settings_of, states

MAX_MONTHS = 120
FOREVER = "forever"

Erase = Callable[[AsyncSession, int, datetime], Awaitable[Mapping[str, int]]]


def parse_months(option: str, raw: str) -> int:
    """``6`` -> 6, ``forever`` or ``0`` -> 0 (no limit); anything else is a clear error."""
    text = raw.strip().lower()
    if text in {FOREVER, "0"}:
        return 0
    if text.isdigit() and 1 <= int(text) <= MAX_MONTHS:
        return int(text)
    raise BadArgument(
        _(
            "`{option}` takes a number of months from 1 to 120, or `forever` to keep it: for example `{option}=12`.",
            option=option,
        )
    )


def months_kept(settings: Mapping[str, Any], key: str) -> int:
    """The limit set under ``key`` in a coalition's settings, in months; 0 when none (or unusable)."""
    value = settings.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return 0
    try:
        months = int(value)
    except ValueError:
        return 0
    return months if 1 <= months <= MAX_MONTHS else 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the last day of a shorter month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _day(now: datetime) -> str:
    return (now.astimezone(UTC) if now.tzinfo else now).date().isoformat()


def retention_job(name: str, setting: str, erase: Erase) -> TimedJob:
    """The daily job of one limit: due once a day for each coalition that set ``setting``."""
    prefix = f"retention:{name}:"

    async def due(session: AsyncSession, now: datetime) -> list[int]:
        today = _day(now)
        ran = await states(session, prefix)
        return [
            cid
            for cid, settings in await coalition_settings(session)
            if months_kept(settings, setting) and ran.get(f"{prefix}{cid}", {}).get("day") != today
        ]

    async def run(session: AsyncSession, coalition_id: int, now: datetime, env: JobEnv) -> int:
        today, key = _day(now), f"{prefix}{coalition_id}"
        settings = await settings_of(session, coalition_id)
        months = months_kept(settings or {}, setting)
        if not months or (await get_state(session, key) or {}).get("day") == today:
            return 0
        counts = {kind: n for kind, n in (await erase(session, coalition_id, months_before(now, months))).items() if n}
        await put_state(session, key, {"day": today})
        if counts:
            await CoalitionRepo(session, coalition_id).audit(
                "retention.erased", member=None, subject=name, months=months, **counts
            )
        return 0

    return TimedJob(f"{name}.retention", due=due, run=run)
