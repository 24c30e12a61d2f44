"""partners that are an institution's check-in kiosk

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("partners", sa.Column("kiosk_institution", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("kiosk_institution")
