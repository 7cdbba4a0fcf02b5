"""``coalition-bot setup`` against the Slack and Discord fakes: good answers write a working ``.env``
(mode 600) after creating the Slack app from its manifest; a bad token or a missing scope stops it
with the named fix and writes nothing; an existing file is never replaced without asking."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.commands import build_registry
from bot.config import Settings
from bot.core.i18n import language
from bot.ops.platforms import INVITE_PERMISSIONS
from bot.ops.prompts import FromEnvironment, Terminal, read_env
from bot.ops.setup import setup
from tests.fakes.apps import started
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_setup import ALL_SCOPES, CONFIG_TOKEN

PUBLIC = "https://127.0.0.1:9"  # https, as Slack requires, and refused at once: serve is not running


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as fake:
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with started(FakeDiscord()) as fake:
        yield fake


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def answers(folder: Path, slack: FakeSlack, discord: FakeDiscord, **more: str) -> dict[str, str]:
    return {
        "SETUP_PLATFORMS": "slack,discord",
        "PUBLIC_URL": PUBLIC,
        "SLACK_API_URL": slack.api_url,
        "SLACK_CONFIG_TOKEN": CONFIG_TOKEN,
        "SLACK_BOT_TOKEN": slack.teams["T0001"].token,
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_TOKEN": discord.token,
        "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
        "BACKUP_DIR": str(folder / "backups"),
        **more,
    }


async def run(env: dict[str, str], folder: Path, *, replace: bool = False) -> tuple[int, str]:
    lines: list[str] = []
    code = await setup(
        FromEnvironment(env, write=lines.append), build_registry(), env_file=str(folder / ".env"), replace=replace
    )
    return code, "\n".join(lines)


async def test_good_answers_create_the_app_and_write_a_working_env(
    folder: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    code, said = await run(answers(folder, slack, discord), folder)
    assert code == 0, said
    written = read_env(folder / ".env")
    assert stat.S_IMODE((folder / ".env").stat().st_mode) == 0o600
    assert written["SLACK_BOT_TOKEN"] == slack.teams["T0001"].token
    assert written["SLACK_SIGNING_SECRET"].startswith("fake-signing-A")  # from apps.manifest.create
    assert written["DISCORD_TOKEN"] == discord.token
    assert len(written["FORM_SECRET"]) >= 40
    assert len(written["TOKEN_ENCRYPTION_KEY"]) == 44
    settings = Settings(_env_file=folder / ".env")  # type: ignore[call-arg]
    settings.check_platforms()
    assert settings.slack_enabled
    assert settings.discord_enabled
    assert settings.public_url == PUBLIC
    created = slack.apps.created[0]
    assert created["settings"]["event_subscriptions"]["request_url"] == PUBLIC + "/slack/events"
    assert slack.apps.validated == [created]
    assert "https://slack.com/oauth/v2/authorize" in said
    assert (
        f"client_id={discord.application_id}&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}" in said
    )
    assert "PASS  migrations" in said
    assert "PASS  slack scopes" in said
    assert "PASS  discord token" in said
    for secret in (slack.teams["T0001"].token, discord.token, written["SLACK_SIGNING_SECRET"], CONFIG_TOKEN):
        assert secret not in said


async def test_a_bad_slack_token_names_the_fix_and_writes_nothing(
    folder: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    code, said = await run(answers(folder, slack, discord, SLACK_BOT_TOKEN="xoxb-wrong"), folder)
    assert code == 2
    assert "Slack refuses this bot token (invalid_auth): copy the Bot User OAuth Token" in said
    assert not (folder / ".env").exists()


async def test_a_missing_scope_names_the_scope(folder: Path, slack: FakeSlack, discord: FakeDiscord) -> None:
    slack.teams["T0001"].scopes = tuple(s for s in ALL_SCOPES if s not in {"files:write", "im:write"})
    code, said = await run(answers(folder, slack, discord), folder)
    assert code == 2
    assert "The token lacks the scopes im:write, files:write: add them under OAuth & Permissions" in said


async def test_a_bad_discord_token_says_to_reset_it(folder: Path, slack: FakeSlack, discord: FakeDiscord) -> None:
    code, said = await run(answers(folder, slack, discord, SETUP_PLATFORMS="discord", DISCORD_TOKEN="nope"), folder)
    assert code == 2
    assert "Discord refuses this token (http_401)" in said or "Discord refuses this token (401: Unauthorized)" in said
    assert "Reset Token" in said


async def test_without_a_configuration_token_the_manifest_is_written_to_paste(
    folder: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = answers(folder, slack, discord, SETUP_PLATFORMS="slack", SLACK_CONFIG_TOKEN="", SLACK_SIGNING_SECRET="s3cret")
    code, said = await run(env, folder)
    assert code == 0, said
    manifest = (folder / "slack-manifest.yml").read_text()
    assert f'"{PUBLIC}/slack/events"' in manifest
    assert "YOUR-HOST" not in manifest
    assert "From an app manifest" in said
    assert read_env(folder / ".env")["SLACK_SIGNING_SECRET"] == "s3cret"


async def test_an_existing_env_is_never_replaced_without_asking(
    folder: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    (folder / ".env").write_text("TOKEN_ENCRYPTION_KEY=keep-me\n")
    code, said = await run(answers(folder, slack, discord), folder)
    assert "exists. Replace it?" in said
    assert code == 1
    assert (folder / ".env").read_text() == "TOKEN_ENCRYPTION_KEY=keep-me\n"
    code, _said = await run(answers(folder, slack, discord), folder, replace=True)
    assert code == 0
    assert read_env(folder / ".env")["TOKEN_ENCRYPTION_KEY"] == "keep-me"  # stored tokens stay readable


async def test_on_a_terminal_a_refused_token_is_asked_again_in_spanish(
    folder: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    typed = iter(["discord", "", discord.api_url, f"sqlite:///{folder / 'bot.db'}"])
    secrets = iter(["wrong", discord.token])
    lines: list[str] = []
    terminal = Terminal(read=lambda _q: next(typed), read_secret=lambda _q: next(secrets), write=lines.append)
    with language("es"):
        code = await setup(terminal, build_registry(), env_file=str(folder / ".env"))
    assert code == 0, lines
    assert any("Discord rechaza este token" in line for line in lines)
    assert read_env(folder / ".env")["DISCORD_TOKEN"] == discord.token


def test_the_readme_invites_with_the_same_permissions_as_setup() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"permissions={INVITE_PERMISSIONS}" in readme
    assert f"permission integer `{INVITE_PERMISSIONS}`" in readme


async def test_setup_ends_with_the_doctor_naming_a_missing_channel_permission(
    folder: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    """Run again on an install with a linked Discord channel where the bot may not attach files."""
    from bot.ops.platforms import ATTACH_FILES
    from bot.store.db import Database
    from bot.store.migrate import upgrade
    from bot.store.models import ChannelBinding, Coalition

    db = Database.from_url(f"sqlite:///{folder / 'bot.db'}")
    await upgrade(db)
    async with db.unit_of_work() as session:
        coalition = Coalition(name="Clean Air", slug="clean-air")
        session.add(coalition)
        await session.flush()
        assert coalition.id is not None
        session.add(
            ChannelBinding(
                coalition_id=coalition.id,
                platform="discord",
                workspace=str(discord.guild_id),
                channel=str(discord.general),
                name="general",
            )
        )
    await db.dispose()
    discord.channels[discord.general]["permission_overwrites"] = [
        {"id": str(discord.application_id), "type": 1, "allow": "0", "deny": str(ATTACH_FILES)}
    ]
    code, said = await run(answers(folder, slack, discord, SETUP_PLATFORMS="discord"), folder)
    assert code == 0, said
    assert (
        "FAIL  discord channel: the bot lacks Attach Files in #general → allow them for the bot in #general: "
        "Edit Channel → Permissions" in said
    )
