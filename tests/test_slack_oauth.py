"""Multi-workspace OAuth end to end, on SQLite and PostgreSQL: install → state → redirect →
``oauth.v2.access`` on the fake → bot token stored encrypted → that workspace answered with its token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.adapters.slack.app import SlackAdapter
from bot.commands import build_registry
from bot.commands.home import home_view
from bot.core.clock import ManualClock
from bot.core.context import Place
from bot.core.delivery import DeliveryError
from bot.core.dispatch import Core
from bot.core.ui import Reply
from bot.store.db import Database
from bot.store.slack_installations import SlackInstallations
from tests.fakes.apps import started
from tests.fakes.slack_api import FakeSlack, SlackSide, block_text, number, run_app
from tests.support import settings

SECRET = "oauth-signing-secret"


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as server:
        yield server


async def test_install_stores_the_token_encrypted_and_the_workspace_is_answered_with_it(
    db: Database, fake: FakeSlack
) -> None:
    key = Fernet.generate_key().decode()
    config = settings(
        SLACK_CLIENT_ID=fake.client_id,
        SLACK_CLIENT_SECRET=fake.client_secret,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        TOKEN_ENCRYPTION_KEY=key,
    )
    core = Core(db, build_registry(), config, ManualClock(), home=home_view)
    adapter = SlackAdapter(core, config, installations=SlackInstallations(db))
    running = await run_app(core, adapter)
    team_id = f"T{number():06d}"
    team = fake.add_team(team_id, "Second Org", f"xoxb-{team_id}-secret-token")
    fake.oauth_codes["code-" + team_id] = team
    try:
        async with httpx.AsyncClient(base_url=running.url) as browser:
            install = await browser.get("/slack/install")
            assert install.status_code == 302
            authorize = urlparse(install.headers["location"])
            query = parse_qs(authorize.query)
            assert query["client_id"] == [fake.client_id]
            assert "commands" in query["scope"][0]
            state = query["state"][0]
            cookie = install.headers["set-cookie"].split(";")[0]

            forged = await browser.get("/slack/oauth_redirect", params={"code": "code-" + team_id, "state": "forged"})
            assert forged.status_code == 400
            done = await browser.get(
                "/slack/oauth_redirect",
                params={"code": "code-" + team_id, "state": state},
                headers={"Cookie": cookie},
            )
            assert done.status_code == 200, done.text
            replayed = await browser.get(
                "/slack/oauth_redirect", params={"code": "code-" + team_id, "state": state}, headers={"Cookie": cookie}
            )
            assert replayed.status_code == 401, "a state is good for one install only"

        async with db.engine.connect() as connection:
            stored = (
                await connection.execute(
                    text("SELECT bot_token_encrypted FROM slack_installation WHERE team_id = :team"), {"team": team_id}
                )
            ).scalar_one()
        assert team.token not in stored
        assert "secret-token" not in stored
        assert Fernet(key.encode()).decrypt(stored.encode()).decode() == team.token

        side = SlackSide(fake, running.url, SECRET, team=team_id)
        alice = fake.add_user(f"UA{number()}", "Alice", team_id)
        before = len(fake.calls)
        body = side.command_body(alice, '/coalition create "Second Coalition"', channel=f"C{number():06d}")
        assert (await side.command(body)).status_code == 200
        await side.aclose()
        await adapter.drain()
        fake.check()
        assert "Second Coalition" in block_text(fake.responses_of(body["response_url"])[0]["blocks"])
        used = {call.token for call in fake.calls[before:]}
        assert used == {team.token}, "requests from that workspace use its own bot token"

        ref = await adapter.messenger.post(Place("slack", team_id, "C1"), Reply.channel("hello"))
        assert fake.calls_to("chat.postMessage")[-1].token == team.token
        assert ref.message_id in fake.messages
        with pytest.raises(DeliveryError) as unknown:
            await adapter.messenger.post(Place("slack", "TNOTINSTALLED", "C1"), Reply.channel("hello"))
        assert unknown.value.permanent

        revoked = await side.event({"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"]}})
        assert revoked.status_code == 200
        await adapter.drain()
        assert await adapter.bot_token(team_id) == team.token, "a person's revoked user token is not the bot's"
        await side.event({"type": "app_uninstalled"})
        await side.aclose()
        await adapter.drain()
        with pytest.raises(DeliveryError) as uninstalled:
            await adapter.messenger.post(Place("slack", team_id, "C1"), Reply.channel("hello"))
        assert uninstalled.value.permanent, "an uninstalled workspace's token is forgotten"
    finally:
        await running.stop()
        await adapter.stop()


async def test_oauth_needs_an_encryption_key(db: Database) -> None:
    from bot.core.errors import ConfigError

    config = settings(
        SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s", SLACK_SIGNING_SECRET="x", TOKEN_ENCRYPTION_KEY="nope"
    )
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY"):
        SlackAdapter(Core(db, build_registry(), config, ManualClock()), config, installations=SlackInstallations(db))
