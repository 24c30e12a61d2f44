"""citizens, outbox and inbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from chassis.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "citizens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("partner_user_id", sa.String(128), nullable=False),
        sa.Column("phone_sealed", sa.Text, nullable=False),
        sa.Column("phone_index", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("assurance_level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("partner_id", "partner_user_id", name="uq_citizens_partner_user"),
    )
    op.create_index("ix_citizens_phone_index", "citizens", ["phone_index"])
    create_outbox_and_inbox()


def downgrade():
    drop_outbox_and_inbox()
    op.drop_index("ix_citizens_phone_index", "citizens")
    op.drop_table("citizens")
