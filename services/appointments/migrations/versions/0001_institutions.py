"""institutions, outbox and inbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from chassis.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "institutions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("address_zh", sa.String(300), nullable=False),
    )
    create_outbox_and_inbox()


def downgrade():
    drop_outbox_and_inbox()
    op.drop_table("institutions")
