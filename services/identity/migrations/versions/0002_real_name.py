"""real-name fields on citizens, and failed real-name attempts

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    with op.batch_alter_table("citizens") as batch:
        batch.add_column(sa.Column("name_sealed", sa.Text))
        batch.add_column(sa.Column("id_number_sealed", sa.Text))
        batch.add_column(sa.Column("id_number_index", sa.String(64)))
        # One person's ID number backs at most one citizen of a partner.
        batch.create_unique_constraint("uq_citizens_partner_id_number",
                                       ["partner_id", "id_number_index"])
    op.create_table(
        "real_name_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_real_name_failures_citizen", "real_name_failures",
                    ["citizen_id", "failed_at"])


def downgrade():
    op.drop_index("ix_real_name_failures_citizen", "real_name_failures")
    op.drop_table("real_name_failures")
    with op.batch_alter_table("citizens") as batch:
        batch.drop_constraint("uq_citizens_partner_id_number", type_="unique")
        batch.drop_column("id_number_index")
        batch.drop_column("id_number_sealed")
        batch.drop_column("name_sealed")
