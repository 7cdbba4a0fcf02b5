"""Decisions: proposals, frozen electorates, open and secret ballots, delegates, the decision log

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("electorate", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("quorum_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("threshold", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("remind_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["closed_by"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposer_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coalition_id", "request_key", name="uq_decision_request"),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index("ix_decision_open", ["status", "deadline"], unique=False)
        batch_op.create_index("ix_decision_page", ["coalition_id", "status", "id"], unique=False)

    op.create_table(
        "decisiondelegate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=True),
        sa.Column("alternate_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alternate_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delegate_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coalition_id", "organisation_id", name="uq_decision_delegate"),
    )
    with op.batch_alter_table("decisiondelegate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisiondelegate_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisiondelegate_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "decisionelector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decisionelector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisionelector_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(
            "ix_decisionelector_decision", ["decision_id", "member_id", "organisation_id"], unique=False
        )
        batch_op.create_index("ix_decisionelector_member", ["member_id", "decision_id"], unique=False)
        batch_op.create_index("ix_decisionelector_org", ["organisation_id", "decision_id"], unique=False)

    op.create_table(
        "decisionlogentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("electorate", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("turnout", sa.Integer(), nullable=False),
        sa.Column("quorum_met", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decisionlogentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisionlogentry_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisionlogentry_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index("ix_decisionlogentry_page", ["coalition_id", "id"], unique=False)

    op.create_table(
        "decisionparticipant",
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("org_ballot", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("decision_id", "member_id"),
        sa.UniqueConstraint("decision_id", "org_ballot", name="uq_decision_org_ballot"),
    )
    with op.batch_alter_table("decisionparticipant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisionparticipant_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index("ix_decisionparticipant_member", ["member_id", "decision_id"], unique=False)

    op.create_table(
        "decisionvote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "member_id", name="uq_decision_vote"),
    )
    with op.batch_alter_table("decisionvote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisionvote_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisionvote_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index("ix_decisionvote_member", ["member_id", "decision_id"], unique=False)

    op.create_table(
        "secretballot",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["coalition_id"], ["coalition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("secretballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_secretballot_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_secretballot_decision_id"), ["decision_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("secretballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_secretballot_decision_id"))
        batch_op.drop_index(batch_op.f("ix_secretballot_coalition_id"))

    op.drop_table("secretballot")
    with op.batch_alter_table("decisionvote", schema=None) as batch_op:
        batch_op.drop_index("ix_decisionvote_member")
        batch_op.drop_index(batch_op.f("ix_decisionvote_decision_id"))
        batch_op.drop_index(batch_op.f("ix_decisionvote_coalition_id"))

    op.drop_table("decisionvote")
    with op.batch_alter_table("decisionparticipant", schema=None) as batch_op:
        batch_op.drop_index("ix_decisionparticipant_member")
        batch_op.drop_index(batch_op.f("ix_decisionparticipant_coalition_id"))

    op.drop_table("decisionparticipant")
    with op.batch_alter_table("decisionlogentry", schema=None) as batch_op:
        batch_op.drop_index("ix_decisionlogentry_page")
        batch_op.drop_index(batch_op.f("ix_decisionlogentry_decision_id"))
        batch_op.drop_index(batch_op.f("ix_decisionlogentry_coalition_id"))

    op.drop_table("decisionlogentry")
    with op.batch_alter_table("decisionelector", schema=None) as batch_op:
        batch_op.drop_index("ix_decisionelector_org")
        batch_op.drop_index("ix_decisionelector_member")
        batch_op.drop_index("ix_decisionelector_decision")
        batch_op.drop_index(batch_op.f("ix_decisionelector_coalition_id"))

    op.drop_table("decisionelector")
    with op.batch_alter_table("decisiondelegate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisiondelegate_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_decisiondelegate_coalition_id"))

    op.drop_table("decisiondelegate")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_page")
        batch_op.drop_index("ix_decision_open")
        batch_op.drop_index(batch_op.f("ix_decision_coalition_id"))

    op.drop_table("decision")
