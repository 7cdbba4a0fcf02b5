"""Totals kept beside the check-ins: per goal and member (goaltally), per goal and UTC day (goalday),
filled from the existing check-ins (issue 16: answers cost the same at a thousand and a million check-ins)

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goaltally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("first_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coalition_id", "goal_id", "member_id", name="uq_goaltally_member"),
    )
    with op.batch_alter_table("goaltally", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goaltally_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goaltally_member_id"), ["member_id"], unique=False)

    op.create_table(
        "goalday",
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("last_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("coalition_id", "goal_id", "day"),
    )
    with op.batch_alter_table("goalday", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goalday_goal_id"), ["goal_id"], unique=False)

    # the totals of the check-ins already there, one INSERT … SELECT … GROUP BY each
    # (the same statements as bot/store/tallies.py's backfill_sql, copied: a migration stays as it was)
    postgres = op.get_bind().dialect.name == "postgresql"
    day = "CAST((created_at AT TIME ZONE 'UTC') AS DATE)" if postgres else "date(created_at)"
    op.execute(
        "INSERT INTO goaltally (coalition_id, goal_id, member_id, amount, checkins, first_at, last_at)"
        " SELECT coalition_id, goal_id, member_id, SUM(amount), COUNT(*), MIN(created_at), MAX(created_at)"
        " FROM checkin GROUP BY coalition_id, goal_id, member_id"
    )
    op.execute(
        "INSERT INTO goalday (coalition_id, goal_id, day, amount, checkins, last_at)"
        f" SELECT coalition_id, goal_id, {day}, SUM(amount), COUNT(*), MAX(created_at)"
        f" FROM checkin GROUP BY coalition_id, goal_id, {day}"
    )


def downgrade() -> None:
    with op.batch_alter_table("goalday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goalday_goal_id"))
    op.drop_table("goalday")
    with op.batch_alter_table("goaltally", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goaltally_member_id"))
        batch_op.drop_index(batch_op.f("ix_goaltally_goal_id"))
    op.drop_table("goaltally")
