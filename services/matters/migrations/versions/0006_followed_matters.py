"""matters the hub follows from payments' and appointments' events: their source, one
matter each; one open matter per service is a rule of applications only

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

APPLICATIONS_OPEN = "closed_at IS NULL AND kind = 'application'"


def upgrade():
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("source_id", sa.String(36), nullable=True))
    op.drop_index("uq_matters_one_open", "matters")
    op.create_index("uq_matters_one_open", "matters", ["citizen_id", "service_code"],
                    unique=True, postgresql_where=sa.text(APPLICATIONS_OPEN),
                    sqlite_where=sa.text(APPLICATIONS_OPEN))
    op.create_index("uq_matters_source", "matters", ["kind", "source_id"], unique=True,
                    postgresql_where=sa.text("source_id IS NOT NULL"),
                    sqlite_where=sa.text("source_id IS NOT NULL"))


def downgrade():
    op.drop_index("uq_matters_source", "matters")
    op.drop_index("uq_matters_one_open", "matters")
    op.create_index("uq_matters_one_open", "matters", ["citizen_id", "service_code"],
                    unique=True, postgresql_where=sa.text("closed_at IS NULL"),
                    sqlite_where=sa.text("closed_at IS NULL"))
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("source_id")
