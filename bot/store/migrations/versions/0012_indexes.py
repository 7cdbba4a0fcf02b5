"""Indexes for answers sized by the answer: totals and chart series per goal from the index alone, check-ins of a
period by time, a member's check-ins of a period (SPEC §6)

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_checkin_coalition_goal_time_amount", "checkin", ["coalition_id", "goal_id", "created_at", "amount"]
    )
    op.create_index("ix_checkin_coalition_time", "checkin", ["coalition_id", "created_at"])
    op.create_index("ix_checkin_member_time", "checkin", ["member_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_checkin_member_time", table_name="checkin")
    op.drop_index("ix_checkin_coalition_time", table_name="checkin")
    op.drop_index("ix_checkin_coalition_goal_time_amount", table_name="checkin")
