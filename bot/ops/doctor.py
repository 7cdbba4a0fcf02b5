"""``coalition-bot doctor``: one line per check, pass / warn / fail, each problem with how to fix it.

The checks run in order and later ones are skipped when what they need is missing (no settings, no
database). Exit status 0 (all pass), 1 (a warning) or 2 (a failure); ``--json`` for monitors. Nothing
printed contains a secret: tokens are only sent to their platform, and a database URL is shown with
its password hidden."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.config import ConfigError, Settings, load_settings
from bot.core.i18n import _, ngettext
from bot.core.registry import Registry
from bot.store.db import Database

PASS, WARN, FAIL = "pass", "warn", "fail"
CONNECT_TIMEOUT = 10.0
HEARTBEAT_WARN, HEARTBEAT_FAIL = 150.0, 600.0  # seconds: the leader ticks every minute
OUTBOX_WARN, OUTBOX_FAIL = 600.0, 3600.0
SKEW_WARN, SKEW_FAIL = 30.0, 300.0  # Slack refuses requests signed more than five minutes away
BACKUP_WARN, BACKUP_FAIL = 26 * 3600.0, 8 * 86400.0


@dataclass
class Check:
    name: str
    status: str
    message: str
    fix: str = ""


@dataclass
class Doctor:
    """The checks' shared state: settings, database, the HTTP client, and what the clock says."""

    settings: Settings
    client: httpx.AsyncClient
    now: Callable[[], datetime]
    registry: Registry | None = None
    checks: list[Check] = field(default_factory=list)
    db: Database | None = None
    schema_current: bool = False  # the tables the later checks read exist as this bot knows them
    server_times: list[datetime] = field(default_factory=list)

    def add(self, name: str, status: str, message: str, fix: str = "") -> None:
        self.checks.append(Check(name, status, message, fix))


async def guarded(doctor: Doctor, name: str, check: Coroutine[Any, Any, None]) -> None:
    """A check that breaks is a failed line, not a traceback: the other checks still run."""
    try:
        await check
    except Exception as error:
        doctor.add(
            name,
            FAIL,
            _("could not check ({error})", error=type(error).__name__),
            _("run the doctor again; if this stays, report this line"),
        )


def exit_status(checks: list[Check]) -> int:
    statuses = {c.status for c in checks}
    return 2 if FAIL in statuses else 1 if WARN in statuses else 0


def render(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        line = f"{check.status.upper():4}  {check.name}: {check.message}"
        if check.fix:
            line += " → " + check.fix
        lines.append(line)
    return "\n".join(lines)


def render_json(checks: list[Check]) -> str:
    worst = {0: PASS, 1: WARN, 2: FAIL}[exit_status(checks)]
    return json.dumps({"status": worst, "checks": [asdict(c) for c in checks]}, ensure_ascii=False, indent=2)


def shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "?"


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return ngettext("{n} second", "{n} seconds", seconds)
    if seconds < 7200:
        return ngettext("{n} minute", "{n} minutes", seconds // 60)
    if seconds < 172800:
        return ngettext("{n} hour", "{n} hours", seconds // 3600)
    return ngettext("{n} day", "{n} days", seconds // 86400)


async def diagnose(
    *,
    env: Mapping[str, object] | None = None,
    client: httpx.AsyncClient | None = None,
    now: Callable[[], datetime] | None = None,
    registry: Registry | None = None,
) -> list[Check]:
    """Run every check; ``env`` overrides the environment (setup passes what it just wrote);
    ``registry`` says which slash commands Discord should have (none given: not checked)."""
    try:
        settings = load_settings(**dict(env or {}))
        settings.check_platforms()
    except ConfigError as error:
        return [Check("settings", FAIL, str(error), _("correct it in .env or the environment"))]
    own_client = client is None
    http = client or httpx.AsyncClient()
    doctor = Doctor(settings, http, now or (lambda: datetime.now(UTC)), registry)
    doctor.add("settings", PASS, _("the settings are complete"))
    from bot.ops.doctor_platforms import check_discord, check_public_url, check_slack

    try:
        await guarded(doctor, "database", check_database(doctor))
        await guarded(doctor, "slack", check_slack(doctor))
        await guarded(doctor, "discord", check_discord(doctor))
        await guarded(doctor, "public url", check_public_url(doctor))
        if doctor.schema_current:
            await guarded(doctor, "scheduler", check_scheduler(doctor))
            await guarded(doctor, "outbox", check_outbox(doctor))
        check_clock(doctor)
        check_backup(doctor)
    finally:
        if doctor.db is not None:
            await doctor.db.dispose()
        if own_client:
            await http.aclose()
    return doctor.checks


async def check_database(doctor: Doctor) -> None:
    from bot.store.migrate import current_revisions, is_known, pending

    url = doctor.settings.database_url
    db = Database.from_url(url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT), db.engine.connect() as connection:
            if not db.is_sqlite:
                server = (await connection.execute(text("SELECT now()"))).scalar()
                if isinstance(server, datetime):
                    doctor.server_times.append(server)
    except Exception as error:
        await db.dispose()
        doctor.add(
            "database",
            FAIL,
            _("cannot connect to {url} ({error})", url=shown_url(url), error=type(error).__name__),
            _("check DATABASE_URL and that the database server is running"),
        )
        return
    doctor.db = db
    doctor.add("database", PASS, _("connected to {url}", url=shown_url(url)))
    current = await current_revisions(db)
    unknown = sorted(r for r in current if not is_known(r))
    todo = pending(current)
    if unknown:
        doctor.add(
            "migrations",
            FAIL,
            _("the database is at {revision}, which this version of the bot does not know", revision=unknown[0]),
            _("install the newer version of the bot that migrated it, or restore a backup"),
        )
    elif todo:
        doctor.add(
            "migrations",
            FAIL,
            ngettext("{n} migration not applied", "{n} migrations not applied", len(todo)),
            _("run `coalition-bot migrate`"),
        )
    else:
        doctor.schema_current = True
        doctor.add("migrations", PASS, _("the schema is current ({revision})", revision=", ".join(sorted(current))))
    if db.is_sqlite:
        async with db.engine.connect() as connection:
            result = (await connection.exec_driver_sql("PRAGMA quick_check")).scalar()
        if result == "ok":
            doctor.add("sqlite", PASS, _("the database file is intact"))
        else:
            doctor.add(
                "sqlite",
                FAIL,
                _("the database file is damaged ({detail})", detail=str(result)[:200]),
                _("stop the bot and restore the last backup with `coalition-bot restore FILE`"),
            )


async def check_scheduler(doctor: Doctor) -> None:
    from bot.scheduling.runner import HEARTBEAT
    from bot.store.repo import get_state

    assert doctor.db is not None
    async with doctor.db.session() as session:
        beat = await get_state(session, HEARTBEAT)
    if not beat:
        doctor.add(
            "scheduler",
            WARN,
            _("the scheduler has never run"),
            _("start `coalition-bot serve`: it runs the scheduler"),
        )
        return
    age = (doctor.now() - datetime.fromisoformat(str(beat["at"]))).total_seconds()
    status = FAIL if age > HEARTBEAT_FAIL else WARN if age > HEARTBEAT_WARN else PASS
    message = _("last tick {age} ago", age=duration(age))
    fix = "" if status == PASS else _("is `coalition-bot serve` running? Its log says why the scheduler stopped")
    doctor.add("scheduler", status, message, fix)


async def check_outbox(doctor: Doctor) -> None:
    from bot.store.outbox_models import OutboxMessage, OutboxStatus

    assert doctor.db is not None
    now = doctor.now()
    query = select(func.min(OutboxMessage.not_before)).where(
        col(OutboxMessage.status) == OutboxStatus.PENDING.value, col(OutboxMessage.not_before) <= now
    )
    async with doctor.db.session() as session:
        oldest = (await session.exec(query)).one()
    if oldest is None:
        doctor.add("outbox", PASS, _("no message waits to be sent"))
        return
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = (now - oldest).total_seconds()
    status = FAIL if age > OUTBOX_FAIL else WARN if age > OUTBOX_WARN else PASS
    fix = "" if status == PASS else _("is `coalition-bot serve` running, and can it reach the platforms? See its log")
    doctor.add("outbox", status, _("the oldest message due has waited {age}", age=duration(age)), fix)


def check_clock(doctor: Doctor) -> None:
    now = datetime.now(UTC)  # this machine's clock against the servers', whatever ``doctor.now`` says
    if not doctor.server_times:
        doctor.add("clock", PASS, _("no other clock to compare with"))
        return
    skew = max(abs((now - t).total_seconds()) for t in doctor.server_times)
    status = FAIL if skew > SKEW_FAIL else WARN if skew > SKEW_WARN else PASS
    fix = "" if status == PASS else _("synchronise this machine's clock (NTP)")
    doctor.add("clock", status, _("{seconds} seconds from the servers' clocks", seconds=int(skew)), fix)


def check_backup(doctor: Doctor) -> None:
    from bot.ops.rotation import newest_backup

    found = newest_backup(Path(doctor.settings.backup_dir))
    if found is None:
        doctor.add(
            "backup",
            WARN,
            _("no backup in {folder}", folder=doctor.settings.backup_dir),
            _("run `coalition-bot backup` (daily, e.g. from cron)"),
        )
        return
    path, taken = found
    age = (doctor.now() - taken).total_seconds()
    status = FAIL if age > BACKUP_FAIL else WARN if age > BACKUP_WARN else PASS
    fix = "" if status == PASS else _("run `coalition-bot backup`, and check the job that should run it daily")
    doctor.add("backup", status, _("the last backup ({name}) is {age} old", name=path.name, age=duration(age)), fix)


def answer_time(answer: Any) -> datetime | None:
    value = getattr(answer, "server_time", None)
    return value if isinstance(value, datetime) else None
