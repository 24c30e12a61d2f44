"""citizens' preferences per category and channel; texts and e-mails with their statuses;
callers' idempotency keys; mini-program subscriptions

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    op.create_table(
        "preferences",
        sa.Column("citizen_id", sa.String(36), primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "channel_sends",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("content_sealed", sa.Text, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("provider_ref", sa.String(255)),
        sa.Column("detail", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_channel_sends_due", "channel_sends", ["status", "send_after"])
    op.create_index("ix_channel_sends_notification_id", "channel_sends", ["notification_id"])
    op.create_index("ix_channel_sends_citizen", "channel_sends",
                    ["citizen_id", "channel", "created_at"])
    op.create_table(
        "subscriptions",
        sa.Column("citizen_id", sa.String(36), primary_key=True),
        sa.Column("template_id", sa.String(64), primary_key=True),
        sa.Column("one_time_credits", sa.Integer, nullable=False),
        sa.Column("long_term", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "send_keys",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("send_keys")
    op.drop_table("subscriptions")
    op.drop_index("ix_channel_sends_citizen", "channel_sends")
    op.drop_index("ix_channel_sends_notification_id", "channel_sends")
    op.drop_index("ix_channel_sends_due", "channel_sends")
    op.drop_table("channel_sends")
    op.drop_table("preferences")
