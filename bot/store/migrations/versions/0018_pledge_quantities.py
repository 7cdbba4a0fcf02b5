"""Quantities kept on each pledge item (its matches summed), an index for paged pledge listings and
one for paged wins

Revision ID: 0018
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_MATCHES = (
    "FROM pledgematch m WHERE (m.offer_id = pledgeitem.id OR m.need_id = pledgeitem.id) AND m.state != 'withdrawn'"
)
BACKFILL = f"""
UPDATE pledgeitem SET
  promised = (SELECT COALESCE(SUM(COALESCE(m.amount, 0)), 0) {LIVE_MATCHES}),
  delivered = (SELECT COALESCE(SUM(m.delivered), 0) {LIVE_MATCHES}),
  match_count = (SELECT COUNT(*) {LIVE_MATCHES}),
  waiting_count = (SELECT COUNT(*) {LIVE_MATCHES} AND m.state = 'matched')
"""


def upgrade() -> None:
    with op.batch_alter_table("pledgeitem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("delivered", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("match_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("waiting_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_pledgeitem_listing", ["coalition_id", "side", "state", "id"], unique=False)
    op.execute(BACKFILL)
    with op.batch_alter_table("win", schema=None) as batch_op:
        batch_op.create_index("ix_win_coalition_won", ["coalition_id", "won_on", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("win", schema=None) as batch_op:
        batch_op.drop_index("ix_win_coalition_won")
    with op.batch_alter_table("pledgeitem", schema=None) as batch_op:
        batch_op.drop_index("ix_pledgeitem_listing")
        batch_op.drop_column("waiting_count")
        batch_op.drop_column("match_count")
        batch_op.drop_column("delivered")
        batch_op.drop_column("promised")
