"""what the hub owes agencies and how far it has read their decisions; the outbox and
inbox; the phone a matter was filed with, as a blind index

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

from chassis.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "0004"
down_revision = "0003"


def upgrade():
    create_outbox_and_inbox()
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("phone_index", sa.String(64), nullable=True))
    op.create_table(
        "agency_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("tracking_number", sa.String(20), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.JSON, nullable=True),
    )
    op.create_index("ix_agency_messages_unsent", "agency_messages", ["next_attempt_at"],
                    postgresql_where=sa.text("sent_at IS NULL"),
                    sqlite_where=sa.text("sent_at IS NULL"))
    op.create_table(
        "agency_cursors",
        sa.Column("agency", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("agency_cursors")
    op.drop_index("ix_agency_messages_unsent", "agency_messages")
    op.drop_table("agency_messages")
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("phone_index")
    drop_outbox_and_inbox()
