"""``compose.yaml`` checked without docker: the bot waits for a healthy PostgreSQL and migrates
before serving, data and backups live in volumes, HTTPS (Caddy) is an opt-in profile that needs
DOMAIN, and every variable the file uses is explained in ``.env.example``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.yaml_subset import parse

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    parsed = parse((ROOT / "compose.yaml").read_text())
    assert isinstance(parsed, dict)
    return parsed


def example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_the_database_is_healthchecked_and_kept_in_a_volume(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "db-data:/var/lib/postgresql/data" in db["volumes"]
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_the_bot_waits_for_the_database_and_migrates_before_serving(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    command = " ".join(bot["command"])
    assert command.index("coalition-bot migrate") < command.index("coalition-bot serve")
    assert "&&" in command  # a failed migration does not serve
    url = bot["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://")
    assert "@db:5432/" in url
    assert Settings(DATABASE_URL=url.replace("${POSTGRES_PASSWORD}", "x")).database_url  # type: ignore[call-arg]
    assert bot["env_file"] == ".env"


def test_backups_go_to_a_volume_daily(compose: dict[str, Any]) -> None:
    for name in ("bot", "backup"):
        service = compose["services"][name]
        assert service["environment"]["BACKUP_DIR"] == "/backups"
        assert "backups:/backups" in service["volumes"]
    assert "coalition-bot backup" in " ".join(compose["services"]["backup"]["command"])
    assert "mkdir /backups && chown bot /backups" in (ROOT / "Dockerfile").read_text()


def test_https_is_an_opt_in_profile_that_needs_a_domain(compose: dict[str, Any]) -> None:
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["https"]
    command = caddy["command"]
    assert command[:2] == ["caddy", "reverse-proxy"]
    assert command[command.index("--from") + 1].startswith("${DOMAIN:?")
    assert command[command.index("--to") + 1] == "bot:8000"
    assert {"80:80", "443:443"} <= set(caddy["ports"])


def test_every_volume_is_declared_and_every_variable_explained(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = {
        entry.split(":", 1)[0]
        for service in compose["services"].values()
        for entry in service.get("volumes", [])
        if not entry.startswith((".", "/"))
    }
    assert used == declared
    variables = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "compose.yaml").read_text()))
    assert variables <= example_names()
    settings = {str(f.validation_alias) for f in Settings.model_fields.values()}
    compose_only = {"POSTGRES_PASSWORD", "DOMAIN", "COMPOSE_PROFILES", "BOT_PORT"}
    assert example_names() - compose_only <= settings


def test_the_subset_parser_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError):
        parse("a: &anchor 1\n")
    assert parse('a:\n  - "x"\n  - [1, 2]\nb: true # note\n') == {"a": ["x", [1, 2]], "b": True}
