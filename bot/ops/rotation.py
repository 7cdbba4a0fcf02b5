"""Which backups to keep: the newest of each of the last N days, weeks and months (a pure function
of the copies' times, so it is tested without waiting), like Loomio's 7 days / 1 week / 1 month."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

PREFIX = "coalition-bot-"
SUFFIX = ".tar.gz"
STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(re.escape(PREFIX) + r"(\d{8}T\d{6}Z)(?:-\d+)?" + re.escape(SUFFIX) + "$")


def backup_name(at: datetime, n: int = 0) -> str:
    """``coalition-bot-20261207T171200Z.tar.gz`` (``-2``, ``-3``… for more copies in the same second)."""
    return f"{PREFIX}{at.astimezone(UTC).strftime(STAMP)}{f'-{n}' if n else ''}{SUFFIX}"


def taken_at(path: Path) -> datetime | None:
    match = NAME.match(path.name)
    return None if match is None else datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)


def backups_in(folder: Path) -> list[tuple[Path, datetime]]:
    """The copies in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = [(p, t) for p in folder.iterdir() if (t := taken_at(p)) is not None]
    return sorted(found, key=lambda item: item[1], reverse=True)


def newest_backup(folder: Path) -> tuple[Path, datetime] | None:
    found = backups_in(folder)
    return found[0] if found else None


def to_keep(times: Iterable[datetime], *, daily: int, weekly: int, monthly: int) -> set[datetime]:
    """The newest copy of each of the ``daily`` most recent days that have one, and likewise per ISO
    week and per month; the newest copy of all is always kept."""
    ordered = sorted(times, reverse=True)
    keep: set[datetime] = set(ordered[:1])
    for count, period in ((daily, "%Y-%m-%d"), (weekly, "week"), (monthly, "%Y-%m")):
        seen: list[str] = []
        for moment in ordered:
            key = "{}-W{:02d}".format(*moment.isocalendar()[:2]) if period == "week" else moment.strftime(period)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(moment)
    return keep


def stale(folder: Path, *, daily: int, weekly: int, monthly: int) -> list[Path]:
    """The copies in ``folder`` that rotation does not keep (the caller names them, then deletes them)."""
    found = backups_in(folder)
    keep = to_keep([t for _p, t in found], daily=daily, weekly=weekly, monthly=monthly)
    return [p for p, t in found if t not in keep]
