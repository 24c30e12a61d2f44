"""matters with their tracking numbers and timelines; which services are applied for

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    with op.batch_alter_table("catalogue_services") as batch:
        batch.add_column(sa.Column("application", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "matters",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tracking_number", sa.String(20), nullable=False, unique=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrections", sa.JSON, nullable=True),
        sa.Column("documents", sa.JSON, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_matters_citizen_id", "matters", ["citizen_id"])
    op.create_index("uq_matters_one_open", "matters", ["citizen_id", "service_code"],
                    unique=True, postgresql_where=sa.text("closed_at IS NULL"),
                    sqlite_where=sa.text("closed_at IS NULL"))
    op.create_table(
        "matter_steps",
        sa.Column("matter_id", sa.String(36), sa.ForeignKey("matters.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("by", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "day_counters",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("day_counters")
    op.drop_table("matter_steps")
    op.drop_index("uq_matters_one_open", "matters")
    op.drop_index("ix_matters_citizen_id", "matters")
    op.drop_table("matters")
    with op.batch_alter_table("catalogue_services") as batch:
        batch.drop_column("application")
