"""how far each agency's refund requests have been read; e-receipts

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.create_table(
        "agency_cursors",
        sa.Column("agency", sa.String(32), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "receipts",
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("payments.id"), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("receipts")
    op.drop_table("agency_cursors")
