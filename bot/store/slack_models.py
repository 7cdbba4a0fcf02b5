"""Slack's own tables: workspace installations (OAuth), pending OAuth states, and a cache of people.

Our own tables rather than slack_sdk's stores, so Alembic manages them like every other table and
bot tokens are only ever stored encrypted (``bot_token_encrypted`` holds a Fernet token).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class SlackInstallation(SQLModel, table=True):
    """The app installed in one workspace (or an Enterprise Grid org): its bot and encrypted token."""

    __tablename__ = "slack_installation"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", name="uq_slack_installation_team"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: str = Field(default="", max_length=32)
    team_id: str = Field(default="", max_length=32, index=True)
    team_name: str = Field(default="", max_length=200)
    is_enterprise_install: bool = False
    app_id: str = Field(default="", max_length=32)
    bot_id: str = Field(default="", max_length=32)
    bot_user_id: str = Field(default="", max_length=32)
    bot_scopes: str = Field(default="", sa_column=Column(Text, nullable=False))
    bot_token_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    installer_user_id: str = Field(default="", max_length=32)
    installed_at: datetime = Field(default_factory=utcnow)


class SlackOAuthState(SQLModel, table=True):
    """A state value handed to the browser at /slack/install; consumed once at the redirect."""

    __tablename__ = "slack_oauth_state"

    state: str = Field(primary_key=True, max_length=100)
    expires_at: datetime


class SlackPerson(SQLModel, table=True):
    """What ``users.info`` said about someone: their own (home) workspace, name and time zone."""

    __tablename__ = "slack_person"

    user_id: str = Field(primary_key=True, max_length=32)
    home_team_id: str = Field(default="", max_length=32)
    display_name: str = Field(default="", max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    fetched_at: datetime = Field(default_factory=utcnow)
