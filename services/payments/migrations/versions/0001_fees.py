"""fees catalogue, outbox and inbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from chassis.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "fees",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("amount_cents", sa.Integer),
        sa.Column("currency", sa.String(3), nullable=False, server_default="CNY"),
        sa.Column("required_assurance_level", sa.Integer, nullable=False, server_default="2"),
    )
    create_outbox_and_inbox()


def downgrade():
    drop_outbox_and_inbox()
    op.drop_table("fees")
