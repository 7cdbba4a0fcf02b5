"""Indexes for the inbox: a coalition's flags, meetings and pledge items by state, so what waits for
a person is found without reading the coalition's history (SPEC §6)

Revision ID: 0023
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_conflict_flag_coalition_status", "conflict_flag", ["coalition_id", "status"])
    op.create_index("ix_meeting_coalition_status", "meeting", ["coalition_id", "status"])
    op.create_index("ix_pledgeitem_coalition_state", "pledgeitem", ["coalition_id", "state", "organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_pledgeitem_coalition_state", table_name="pledgeitem")
    op.drop_index("ix_meeting_coalition_status", table_name="meeting")
    op.drop_index("ix_conflict_flag_coalition_status", table_name="conflict_flag")
