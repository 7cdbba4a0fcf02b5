"""Settings from the environment and ``.env`` (SPEC §5). A wrong value fails fast, naming the variable."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///" + str(Path.cwd() / "coalition-bot.db")


class ConfigError(Exception):
    """A wrong or missing setting; the message names the variable.

    Defined with the settings (not in ``bot.core.errors``, which re-exports it) so the store can
    raise it without depending on the core."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    database_url: str = Field(default=DEFAULT_DB, validation_alias="DATABASE_URL")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="PORT")
    host: str = Field(default="0.0.0.0", validation_alias="HOST")
    public_url: str = Field(default="", validation_alias="PUBLIC_URL")
    slack_signing_secret: str = Field(default="", validation_alias="SLACK_SIGNING_SECRET")
    slack_bot_token: str = Field(default="", validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str = Field(default="", validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str = Field(default="", validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field(default="", validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    token_encryption_key: str = Field(default="", validation_alias="TOKEN_ENCRYPTION_KEY")
    discord_token: str = Field(default="", validation_alias="DISCORD_TOKEN")
    discord_api_url: str = Field(default="https://discord.com/api/v10", validation_alias="DISCORD_API_URL")
    discord_gateway_url: str = Field(default="wss://gateway.discord.gg/", validation_alias="DISCORD_GATEWAY_URL")
    discord_guild_ids: str = Field(default="", validation_alias="DISCORD_GUILD_IDS")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    # Several processes on one PostgreSQL database (README "Running several processes").
    discord_gateway: bool = Field(default=True, validation_alias="DISCORD_GATEWAY")
    scheduler_leader_interval: float = Field(default=10.0, ge=0.5, le=300, validation_alias="SCHEDULER_LEADER_INTERVAL")
    outbox_lease_seconds: float = Field(default=120.0, ge=2, le=3600, validation_alias="OUTBOX_LEASE_SECONDS")
    form_secret: str = Field(default="", validation_alias="FORM_SECRET")
    # ``coalition-bot backup`` (bot/ops/backup.py): where copies go and how many of each age are kept.
    backup_dir: str = Field(default="backups", validation_alias="BACKUP_DIR")
    backup_daily: bool = Field(default=False, validation_alias="BACKUP_DAILY")  # the scheduler's leader copies daily
    backup_keep_daily: int = Field(default=7, ge=0, le=366, validation_alias="BACKUP_KEEP_DAILY")
    backup_keep_weekly: int = Field(default=4, ge=0, le=520, validation_alias="BACKUP_KEEP_WEEKLY")
    backup_keep_monthly: int = Field(default=6, ge=0, le=1200, validation_alias="BACKUP_KEEP_MONTHLY")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "sqlite+aiosqlite:", "postgresql", "postgres:")):
            raise ValueError("use sqlite:///path/to/file.db or postgresql://user:pass@host/db")
        return value

    @field_validator("slack_api_url", "discord_api_url", "public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_client_id)

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_token)

    @property
    def element_key(self) -> bytes | None:
        """The key that signs which coalition a button or form belongs to (``bot.core.scope``), the
        same in every process: derived like :attr:`form_key`; ``None`` (a development key) when no
        secret is set (the console)."""
        form_key = self.form_key
        if form_key is None:
            return None
        return hmac.new(form_key, b"coalition-bot/element-scope", hashlib.sha256).digest()

    @property
    def form_key(self) -> bytes | None:
        """The key that signs the public sign-on form's CSRF tokens, the same in every process:
        from ``FORM_SECRET``, else derived from the first secret that is set (Slack signing secret,
        token encryption key, Slack client secret, Discord token, Slack bot or app token). ``None``
        when none is (the console): each process then makes a key of its own."""
        secrets = (
            self.form_secret,
            self.slack_signing_secret,
            self.token_encryption_key,
            self.slack_client_secret,
            self.discord_token,
            self.slack_bot_token,
            self.slack_app_token,
        )
        secret = next((s for s in secrets if s), "")
        if not secret:
            return None
        return hmac.new(secret.encode(), b"coalition-bot/sign-on-form/csrf", hashlib.sha256).digest()

    def check_platforms(self) -> None:
        """Settings that only matter together: fail with the one variable that is missing."""
        if self.slack_client_id and not self.slack_client_secret:
            raise ConfigError("SLACK_CLIENT_SECRET is missing: it is needed with SLACK_CLIENT_ID (Slack OAuth).")
        if self.slack_client_secret and not self.slack_client_id:
            raise ConfigError("SLACK_CLIENT_ID is missing: it is needed with SLACK_CLIENT_SECRET (Slack OAuth).")
        if self.slack_enabled and not self.slack_app_token and not self.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is missing: Slack over HTTP needs it to verify requests.")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
        if self.slack_client_id and not self.token_encryption_key:
            raise ConfigError(
                "TOKEN_ENCRYPTION_KEY is missing: Slack OAuth stores tokens encrypted with it (make one with `coalition-bot keygen`)."
            )


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        loc = first.get("loc", ("?",))
        name = str(loc[0]).upper() if loc else "?"
        raise ConfigError(f"{name} is invalid: {first.get('msg', 'bad value')}") from None
