"""the janitor watches a trade closed unpaid until the provider's answer is final: until
when (late money found on it is refunded in full)

Orders that ended before this revision are not watched: reconciliation settles any
money the provider's statement shows on them.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    with op.batch_alter_table("payments") as table:
        table.add_column(sa.Column("watch_until", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("payments") as table:
        table.drop_column("watch_until")
