"""Multi-workspace installs: bot tokens encrypted at rest, OAuth states single-use.

Bolt's OAuth flow saves an installation here after ``oauth.v2.access``; Bolt's authorisation and
the messenger read the bot token back per workspace. Tokens are encrypted here, with Fernet (key:
``TOKEN_ENCRYPTION_KEY``), before they reach the rows (``bot/store/slack_installations.py``, handed
in by the wiring as :class:`InstallationRows`), so only ciphertext is ever written.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.core.clock import Clock
from bot.core.errors import ConfigError

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)


class InstallationRow(Protocol):
    """What is kept of one installation."""

    enterprise_id: str
    team_id: str
    team_name: str
    is_enterprise_install: bool
    app_id: str
    bot_id: str
    bot_user_id: str
    bot_scopes: str
    bot_token_encrypted: str
    installed_at: datetime


class InstallationRows(Protocol):
    """The persistence this module needs (``bot.store.slack_installations.SlackInstallations``)."""

    async def save_bot(
        self, *, enterprise_id: str | None, team_id: str | None, bot_token_encrypted: str, **fields: str | bool
    ) -> None: ...

    async def find_bot(self, *, enterprise_id: str | None, team_id: str | None) -> InstallationRow | None: ...

    async def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None: ...

    async def add_state(self, state: str, *, expires_at: datetime) -> None: ...

    async def consume_state(self, state: str, *, now: datetime) -> bool: ...


class TokenCipher:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError("TOKEN_ENCRYPTION_KEY is invalid: make one with `coalition-bot keygen`.") from None

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext: str) -> str | None:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            log.error("a stored Slack token cannot be decrypted: was TOKEN_ENCRYPTION_KEY changed?")
            return None


class EncryptedInstallationStore(AsyncInstallationStore):
    """Bot installations, one row per workspace (or per Enterprise Grid org for org-wide installs)."""

    def __init__(self, rows: InstallationRows, cipher: TokenCipher) -> None:
        self.rows = rows
        self.cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if installation.bot_token is None:
            raise ValueError("only bot installations are supported (no bot token in this installation)")
        await self._save_bot(installation.to_bot(), installer_user_id=installation.user_id or "")

    async def async_save_bot(self, bot: Bot) -> None:
        await self._save_bot(bot, installer_user_id="")

    async def _save_bot(self, bot: Bot, *, installer_user_id: str) -> None:
        await self.rows.save_bot(
            enterprise_id=bot.enterprise_id,
            team_id=None if bot.is_enterprise_install else bot.team_id,
            bot_token_encrypted=self.cipher.encrypt(bot.bot_token),
            team_name=bot.team_name or "",
            is_enterprise_install=bool(bot.is_enterprise_install),
            app_id=bot.app_id or "",
            bot_id=bot.bot_id or "",
            bot_user_id=bot.bot_user_id or "",
            bot_scopes=",".join(bot.bot_scopes or []),
            installer_user_id=installer_user_id,
        )

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        row = await self.rows.find_bot(enterprise_id=enterprise_id, team_id=None if is_enterprise_install else team_id)
        token = None if row is None else self.cipher.decrypt(row.bot_token_encrypted)
        if row is None or token is None:
            return None
        return Bot(
            app_id=row.app_id or None,
            enterprise_id=row.enterprise_id or None,
            team_id=row.team_id or None,
            team_name=row.team_name or None,
            bot_token=token,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await self.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=user_id or "",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id:
            return  # only bot installations are kept: a person's revoked user token changes nothing here
        await self.rows.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def bot_token(self, team_id: str) -> str | None:
        row = await self.rows.find_bot(enterprise_id=None, team_id=team_id)
        return None if row is None else self.cipher.decrypt(row.bot_token_encrypted)


class SingleUseStateStore(AsyncOAuthStateStore):
    """Random states that expire after ten minutes and can be consumed once."""

    def __init__(self, rows: InstallationRows, clock: Clock, lifetime: timedelta = STATE_LIFETIME) -> None:
        self.rows = rows
        self.clock = clock
        self.lifetime = lifetime

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        await self.rows.add_state(state, expires_at=self.clock.now() + self.lifetime)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self.rows.consume_state(state, now=self.clock.now())
