"""scheduled sends, by their caller's key

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.create_table(
        "scheduled_sends",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("action_type", sa.String(32)),
        sa.Column("action_id", sa.String(64)),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scheduled_sends_due", "scheduled_sends", ["status", "send_at"])


def downgrade():
    op.drop_index("ix_scheduled_sends_due", "scheduled_sends")
    op.drop_table("scheduled_sends")
