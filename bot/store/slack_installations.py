"""Slack app installations and OAuth states, as rows: the persistence behind the Slack adapter's
installation store and state store.

Only ciphertext is ever handed in: the adapter encrypts a bot token before :meth:`save_bot` and
decrypts what :meth:`find_bot` returns, so this module never sees a token in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import Database
from bot.store.models import utcnow
from bot.store.slack_models import SlackInstallation, SlackOAuthState

MAX_STATE = 100


class SlackInstallations:
    """One row per workspace (or per Enterprise Grid org for an org-wide install), and the
    single-use states of installs in progress."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # installations -----------------------------------------------------------------------------

    async def save_bot(
        self, *, enterprise_id: str | None, team_id: str | None, bot_token_encrypted: str, **fields: str | bool
    ) -> None:
        """Insert or replace the installation of ``(enterprise_id, team_id)``; ``fields`` are the
        other columns of :class:`SlackInstallation` (team name, bot ids, scopes, installer)."""
        async with self.db.unit_of_work() as session:
            row = await _row(session, enterprise_id, team_id)
            if row is None:
                row = SlackInstallation(
                    enterprise_id=enterprise_id or "", team_id=team_id or "", bot_token_encrypted=""
                )
            for name, value in fields.items():
                setattr(row, name, value)
            row.bot_token_encrypted = bot_token_encrypted
            row.installed_at = utcnow()
            session.add(row)

    async def find_bot(self, *, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        async with self.db.session() as session:
            row = await _row(session, enterprise_id, team_id)
            if row is None and team_id and enterprise_id:
                row = await _row(session, None, team_id)  # installed before the org joined a Grid
            return row

    async def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.db.unit_of_work() as session:
            await session.exec(
                delete(SlackInstallation).where(
                    SlackInstallation.enterprise_id == (enterprise_id or ""),  # type: ignore[arg-type]
                    SlackInstallation.team_id == (team_id or ""),  # type: ignore[arg-type]
                )
            )

    # OAuth states ------------------------------------------------------------------------------

    async def add_state(self, state: str, *, expires_at: datetime) -> None:
        async with self.db.unit_of_work() as session:
            session.add(SlackOAuthState(state=state[:MAX_STATE], expires_at=expires_at))

    async def consume_state(self, state: str, *, now: datetime) -> bool:
        """True once for a state issued and not expired; expired states are cleared on the way."""
        async with self.db.unit_of_work() as session:
            row = await session.get(SlackOAuthState, state[:MAX_STATE])
            if row is None:
                return False
            await session.delete(row)
            await session.exec(
                delete(SlackOAuthState).where(SlackOAuthState.expires_at < now)  # type: ignore[arg-type]
            )
            return row.expires_at > now


async def _row(session: AsyncSession, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
    query = select(SlackInstallation).where(
        SlackInstallation.enterprise_id == (enterprise_id or ""), SlackInstallation.team_id == (team_id or "")
    )
    return (await session.exec(query)).first()
