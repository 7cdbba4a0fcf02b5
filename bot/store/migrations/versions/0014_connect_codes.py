"""Connect codes: one person's accounts on several platforms become one member

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connect_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("connect_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connect_code_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_connect_code_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("connect_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connect_code_member_id"))
        batch_op.drop_index(batch_op.f("ix_connect_code_coalition_id"))
    op.drop_table("connect_code")
