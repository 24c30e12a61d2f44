"""notifications, outbox and inbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from chassis.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notifications_citizen_seq", "notifications", ["citizen_id", "seq"])
    create_outbox_and_inbox()


def downgrade():
    drop_outbox_and_inbox()
    op.drop_index("ix_notifications_citizen_seq", "notifications")
    op.drop_table("notifications")
