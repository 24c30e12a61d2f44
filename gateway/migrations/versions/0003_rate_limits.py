"""each partner's own rate limits (None: the settings' defaults)

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.add_column("partners", sa.Column("requests_per_minute", sa.Integer, nullable=True))
    op.add_column("partners", sa.Column("sensitive_per_minute", sa.Integer, nullable=True))


def downgrade():
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("sensitive_per_minute")
        batch.drop_column("requests_per_minute")
