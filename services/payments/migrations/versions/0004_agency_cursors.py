"""how far each agency's refund requests have been read

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


def downgrade():
    op.drop_table("agency_cursors")
