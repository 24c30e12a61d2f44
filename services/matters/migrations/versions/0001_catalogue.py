"""the service catalogue

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "catalogue_services",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("required_assurance_level", sa.Integer, nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("fee_code", sa.String(64), nullable=True),
        sa.Column("fee_amount_cents", sa.Integer, nullable=True),
        sa.Column("charges_fee", sa.Boolean, nullable=False),
        sa.Column("sla_working_days", sa.Integer, nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("summary_zh", sa.String(1000), nullable=False),
        sa.Column("summary_en", sa.String(1000), nullable=False),
        sa.Column("documents", sa.JSON, nullable=False),
    )


def downgrade():
    op.drop_table("catalogue_services")
