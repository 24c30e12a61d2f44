"""the working-day calendar: the days the weekday rule gets wrong

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("working", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("set_by", sa.String(16), nullable=False),
    )


def downgrade():
    op.drop_table("calendar_days")
