"""partner webhooks, their event feeds and deliveries; who each citizen's partner is

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.create_table(
        "recipients",
        sa.Column("citizen_id", sa.String(36), primary_key=True),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("email_confirmed", sa.Boolean, nullable=False),
    )
    op.create_table(
        "partner_webhooks",
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("secret_sealed", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requires_subscription", sa.Boolean, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True)),
        sa.Column("paused_at", sa.DateTime(timezone=True)),
        sa.Column("lease_owner", sa.String(36)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "partner_feeds",
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "partner_events",
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.String(200)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_deliveries_queue", "webhook_deliveries",
                    ["partner_id", "status", "seq"])
    op.create_index("ix_webhook_deliveries_recent", "webhook_deliveries",
                    ["partner_id", "created_at"])
    op.create_index("ix_webhook_deliveries_notification_id", "webhook_deliveries",
                    ["notification_id"])


def downgrade():
    op.drop_index("ix_webhook_deliveries_notification_id", "webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_recent", "webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_queue", "webhook_deliveries")
    for table in ("webhook_deliveries", "partner_events", "partner_feeds",
                  "partner_webhooks", "recipients"):
        op.drop_table(table)
