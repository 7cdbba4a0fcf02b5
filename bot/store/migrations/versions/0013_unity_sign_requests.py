"""Unity sign-on requests from the public page

Revision ID: 0013
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unitysignrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("signer_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("signer_title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("signature_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["signature_id"], ["unitysignature.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["version_id"], ["unityversion.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unitysignrequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unitysignrequest_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unitysignrequest_version_id"), ["version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unitysignrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unitysignrequest_version_id"))
        batch_op.drop_index(batch_op.f("ix_unitysignrequest_coalition_id"))
    op.drop_table("unitysignrequest")
