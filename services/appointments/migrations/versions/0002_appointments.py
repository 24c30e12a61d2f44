"""each institution's level and places; appointments

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("institutions", sa.Column("required_assurance_level", sa.Integer,
                                            nullable=False, server_default="2"))
    op.add_column("institutions", sa.Column("places_per_period", sa.Integer,
                                            nullable=False, server_default="20"))
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("institution_id", sa.String(64), sa.ForeignKey("institutions.id"),
                  nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        # One visit per citizen per institution per day.
        sa.UniqueConstraint("citizen_id", "institution_id", "day",
                            name="uq_appointments_citizen_institution_day"),
    )
    op.create_index("ix_appointments_institution_day", "appointments",
                    ["institution_id", "day", "period"])


def downgrade():
    op.drop_index("ix_appointments_institution_day", "appointments")
    op.drop_table("appointments")
    with op.batch_alter_table("institutions") as batch:
        batch.drop_column("places_per_period")
        batch.drop_column("required_assurance_level")
