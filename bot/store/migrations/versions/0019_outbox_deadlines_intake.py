"""Outbox deadlines and lanes; the intake of acknowledged requests not answered yet; one-time
sign-on form tokens

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_lane", ["platform", "workspace", "target", "status"], unique=False)
    with op.batch_alter_table("unitysignrequest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_unity_request_token", ["coalition_id", "form_token"])
    op.create_table(
        "intake_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "request_key", name="uq_intake_request"),
    )
    with op.batch_alter_table("intake_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_request_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intake_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_request_received_at"))
    op.drop_table("intake_request")
    with op.batch_alter_table("unitysignrequest", schema=None) as batch_op:
        batch_op.drop_constraint("uq_unity_request_token", type_="unique")
        batch_op.drop_column("form_token")
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_lane")
        batch_op.drop_column("expires_at")
