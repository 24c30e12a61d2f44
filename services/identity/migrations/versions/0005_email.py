"""a confirmed e-mail address per citizen, sealed

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    with op.batch_alter_table("citizens") as table:
        table.add_column(sa.Column("email_sealed", sa.Text))
        table.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("citizens") as table:
        table.drop_column("email_confirmed_at")
        table.drop_column("email_sealed")
