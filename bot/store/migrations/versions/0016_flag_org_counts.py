"""Anonymous flag counts per organisation: a counter per organisation, apart from the flags

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flag_org_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coalition_id", "organisation_id", name="uq_flag_org_tally"),
    )
    with op.batch_alter_table("flag_org_tally", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_org_tally_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_flag_org_tally_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("flag_org_tally", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_org_tally_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_flag_org_tally_coalition_id"))
    op.drop_table("flag_org_tally")
