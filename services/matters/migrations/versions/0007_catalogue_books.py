"""which kind of institution a catalogue service books, so that its level is the one
holds there need

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade():
    with op.batch_alter_table("catalogue_services") as batch:
        batch.add_column(sa.Column("books", sa.String(16), nullable=True))


def downgrade():
    with op.batch_alter_table("catalogue_services") as batch:
        batch.drop_column("books")
