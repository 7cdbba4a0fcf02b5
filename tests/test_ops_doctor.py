"""``coalition-bot doctor`` on a healthy install and on broken ones, against the Slack and Discord
fakes: the expected line per check, the exit status, and never a secret in the output."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands import build_registry
from bot.ops.doctor import Check, diagnose, exit_status, render, render_json
from bot.ops.platforms import EMBED_LINKS, MANAGE_EVENTS
from bot.ops.rotation import backup_name
from bot.scheduling.runner import HEARTBEAT
from bot.store.db import Database
from bot.store.models import ChannelBinding, Coalition
from bot.store.outbox_models import OutboxMessage
from bot.store.repo import put_state
from tests.fakes.apps import bot_database, slack_bot, started
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_setup import ALL_SCOPES

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECRET = "doctor-signing-secret"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as fake:
        fake.add_channel("C0001", "campaign")
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with started(FakeDiscord()) as fake:
        fake.synced["global"] = [{"name": c.name} for c in build_registry()]
        yield fake


@pytest.fixture
async def bot_db(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    async with bot_database(sqlite_template, tmp_path) as db:
        yield db


async def install(db: Database, discord: FakeDiscord, *, beat: datetime | None = NOW) -> None:
    async with db.unit_of_work() as session:
        coalition = Coalition(name="Clean Air", slug="clean-air")
        session.add(coalition)
        await session.flush()
        assert coalition.id is not None
        session.add(
            ChannelBinding(
                coalition_id=coalition.id, platform="slack", workspace="T0001", channel="C0001", name="campaign"
            )
        )
        session.add(
            ChannelBinding(
                coalition_id=coalition.id,
                platform="discord",
                workspace=str(discord.guild_id),
                channel=str(discord.general),
                name="general",
            )
        )
        if beat is not None:
            await put_state(session, HEARTBEAT, {"at": (beat - timedelta(seconds=30)).isoformat(), "ticks": 3})


def environment(db: Database, slack: FakeSlack, discord: FakeDiscord, backups: Path, **more: str) -> dict[str, str]:
    backups.mkdir(exist_ok=True)
    return {
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False).replace("+aiosqlite", ""),
        "SLACK_BOT_TOKEN": slack.teams["T0001"].token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_url,
        "BACKUP_DIR": str(backups),
        **more,
    }


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_a_healthy_install_passes_every_check(
    bot_db: Database, slack: FakeSlack, discord: FakeDiscord, tmp_path: Path
) -> None:
    await install(bot_db, discord)
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / backup_name(NOW - timedelta(hours=3))).write_bytes(b"")
    async with slack_bot(slack, bot_db, build_registry(), SECRET) as (_adapter, running):
        env = environment(bot_db, slack, discord, tmp_path / "backups", PUBLIC_URL=running.url)
        checks = await diagnose(env=env, now=lambda: NOW, registry=build_registry())
    found = by_name(checks)
    assert [c for c in checks if c.status != "pass"] == []
    assert set(found) >= {
        "settings",
        "database",
        "migrations",
        "sqlite",
        "slack token",
        "slack scopes",
        "slack channels",
        "discord token",
        "discord commands",
        "discord channels",
        "public url",
        "scheduler",
        "outbox",
        "clock",
        "backup",
    }
    assert "Home Org" in found["slack token"].message
    assert exit_status(checks) == 0
    text = render(checks) + render_json(checks)
    for secret in (slack.teams["T0001"].token, discord.token, SECRET):
        assert secret not in text
    assert [c.method for c in slack.calls if c.method == "conversations.info"] == ["conversations.info"]


async def test_a_broken_install_names_each_fix(
    bot_db: Database, slack: FakeSlack, discord: FakeDiscord, tmp_path: Path
) -> None:
    """A stopped scheduler, a stale backup, a missing scope, a channel the bot left, a Discord channel
    without Embed Links, an old message stuck in the outbox."""
    await install(bot_db, discord, beat=NOW - timedelta(hours=2))
    async with bot_db.unit_of_work() as session:
        coalition = await session.get(Coalition, 1)
        assert coalition is not None
        assert coalition.id is not None
        session.add(
            OutboxMessage(
                coalition_id=coalition.id,
                key="stuck",
                kind="post",
                platform="slack",
                workspace="T0001",
                target="C0001",
                not_before=NOW - timedelta(hours=3),
            )
        )
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / backup_name(NOW - timedelta(days=10))).write_bytes(b"")
    slack.teams["T0001"].scopes = tuple(s for s in ALL_SCOPES if s != "files:write")
    slack.channels["C0001"]["is_member"] = False
    discord.channels[discord.general]["permission_overwrites"] = [
        {"id": str(discord.bot_role), "type": 0, "allow": "0", "deny": str(EMBED_LINKS | MANAGE_EVENTS)}
    ]
    checks = await diagnose(env=environment(bot_db, slack, discord, tmp_path / "backups"), now=lambda: NOW)
    lines = {c.name: c for c in checks if c.status != "pass"}
    assert lines["slack scopes"].status == "fail"
    assert "files:write" in lines["slack scopes"].message
    assert "reinstall" in lines["slack scopes"].fix
    assert lines["slack channel"].fix == "type /invite @Coalition Bot in #campaign"
    assert lines["discord channel"].message == "the bot lacks Embed Links and Manage Events in #general"
    assert "Edit Channel → Permissions" in lines["discord channel"].fix
    assert lines["scheduler"].status == "fail"
    assert "2 hours" in lines["scheduler"].message
    assert lines["outbox"].status == "fail"
    assert lines["backup"].status == "fail"
    assert "10 days" in lines["backup"].message
    assert lines["public url"].status == "warn"
    assert exit_status(checks) == 2
    assert all(line.startswith(("PASS", "WARN", "FAIL")) for line in render(checks).splitlines())
    assert json.loads(render_json(checks))["status"] == "fail"


async def test_bad_tokens_and_an_unreachable_database(
    slack: FakeSlack, discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:1/nowhere",
        "SLACK_BOT_TOKEN": "xoxb-wrong",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_TOKEN": "wrong-discord-token",
        "DISCORD_API_URL": discord.api_url,
        "BACKUP_DIR": str(tmp_path),
    }
    checks = await diagnose(env=env, now=lambda: NOW)
    found = by_name(checks)
    assert found["database"].status == "fail"
    assert "DATABASE_URL" in found["database"].fix
    assert "hunter2" not in render(checks)
    assert found["slack token"].message == "Slack refuses SLACK_BOT_TOKEN (invalid_auth)"
    assert "OAuth & Permissions" in found["slack token"].fix
    assert found["discord token"].status == "fail"
    assert "Reset" in found["discord token"].fix.capitalize()
    assert "xoxb-wrong" not in render(checks)
    assert "wrong-discord-token" not in render(checks)
    assert exit_status(checks) == 2


async def test_a_setting_that_does_not_parse_is_the_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    checks = await diagnose(env={"PORT": "eighty"}, now=lambda: NOW)
    assert [(c.name, c.status) for c in checks] == [("settings", "fail")]
    assert "PORT" in checks[0].message


async def test_doctor_speaks_spanish(bot_db: Database, tmp_path: Path) -> None:
    from bot.core.i18n import language

    env = {"DATABASE_URL": bot_db.engine.url.render_as_string().replace("+aiosqlite", ""), "BACKUP_DIR": str(tmp_path)}
    with language("es"):
        checks = await diagnose(env=env, now=lambda: NOW)
    assert by_name(checks)["scheduler"].message == "el planificador nunca se ha ejecutado"


async def test_the_scheduler_leaves_a_heartbeat_the_doctor_reads(db: Database, tmp_path: Path) -> None:
    """The tick is recorded in the database, where a doctor in another process finds it."""
    from bot.core.clock import ManualClock
    from bot.scheduling.runner import Scheduler
    from bot.store.repo import get_state

    clock = ManualClock(NOW - timedelta(minutes=20))
    scheduler = Scheduler(db, clock=clock)
    await scheduler.tick()
    async with db.session() as session:
        beat = await get_state(session, HEARTBEAT)
    assert beat is not None
    assert datetime.fromisoformat(beat["at"]) == NOW - timedelta(minutes=20)
    await scheduler.leadership.release()


async def test_a_database_never_migrated_says_so_and_the_rest_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    checks = await diagnose(env={"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "BACKUP_DIR": str(tmp_path)})
    found = by_name(checks)
    assert found["migrations"].status == "fail"
    assert found["migrations"].fix == "run `coalition-bot migrate`"
    assert "scheduler" not in found
    assert found["backup"].status == "warn"


async def test_the_database_checks_on_both_databases(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = db.engine.url.render_as_string(hide_password=False).replace("+aiosqlite", "").replace("+asyncpg", "")
    async with db.unit_of_work() as session:
        await put_state(session, HEARTBEAT, {"at": (NOW - timedelta(minutes=4)).isoformat(), "ticks": 1})
    checks = await diagnose(env={"DATABASE_URL": url, "BACKUP_DIR": str(tmp_path)}, now=lambda: NOW)
    found = by_name(checks)
    assert (found["database"].status, found["migrations"].status, found["outbox"].status) == ("pass", "pass", "pass")
    assert found["scheduler"].status == "warn"
    assert found["scheduler"].message == "last tick 4 minutes ago"
    assert ("sqlite" in found) == db.is_sqlite
    if not db.is_sqlite:
        assert ":***@" in found["database"].message  # the password is never shown
        assert found["clock"].status == "pass"
        assert "seconds from the servers' clocks" in found["clock"].message


def test_the_command_prints_json_and_exits_with_the_worst_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["doctor", "--json"]) == 1  # no scheduler tick yet, no backup: warnings
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "warn"
    assert {c["name"]: c["status"] for c in report["checks"]}["migrations"] == "pass"
    assert main(["doctor", "--lang", "fr"]) == 1
    assert "PASS  migrations: le schéma est à jour" in capsys.readouterr().out
