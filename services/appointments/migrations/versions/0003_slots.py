"""departments, schedules and slots; appointments on slots, with holds; citizens' loads

The appointments of 0002 were a count per morning or afternoon with no slot to hang
on; nothing else referred to them, so they go (the demo data of `make up` only).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

ACTIVE = sa.text("status IN ('proposed', 'pending', 'booked')")


def upgrade():
    op.drop_index("ix_appointments_institution_day", "appointments")
    op.drop_table("appointments")
    with op.batch_alter_table("institutions") as batch:
        batch.drop_column("places_per_period")
    op.create_table(
        "departments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("institution_id", sa.String(64), sa.ForeignKey("institutions.id"),
                  nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("fee_code", sa.String(64), nullable=True),
        sa.Column("queue_prefix", sa.String(2), nullable=False),
        sa.Column("documents", sa.JSON, nullable=False),
    )
    op.create_index("ix_departments_institution_id", "departments", ["institution_id"])
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("department_id", sa.String(64), sa.ForeignKey("departments.id"),
                  nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("pattern", sa.JSON, nullable=False),
        sa.Column("release_days_ahead", sa.Integer, nullable=False),
        sa.Column("release_at", sa.String(5), nullable=False),
    )
    op.create_index("ix_schedules_department_id", "schedules", ["department_id"])
    op.create_table(
        "slots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("schedule_id", sa.String(64), sa.ForeignKey("schedules.id"),
                  nullable=False),
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("taken", sa.Integer, nullable=False),
        sa.CheckConstraint("taken >= 0 AND taken <= places", name="ck_slots_taken"),
        sa.UniqueConstraint("schedule_id", "start", name="uq_slots_schedule_start"),
    )
    op.create_index("ix_slots_department_start", "slots", ["department_id", "start"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("slot_id", sa.String(36), sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.String(36), nullable=True),
        sa.Column("queue_number", sa.String(8), nullable=True),
        sa.Column("ended_because", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_appointments_one_per_department_day", "appointments",
                    ["citizen_id", "department_id", "day"], unique=True,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.create_index("ix_appointments_citizen", "appointments", ["citizen_id", "start"])
    op.create_index("ix_appointments_holds", "appointments", ["status", "hold_expires_at"])
    op.create_table(
        "citizen_loads",
        sa.Column("citizen_id", sa.String(36), primary_key=True),
        sa.Column("hospital_active", sa.Integer, nullable=False),
        sa.CheckConstraint("hospital_active >= 0 AND hospital_active <= 3",
                           name="ck_citizen_loads_hospital"),
    )


def downgrade():
    op.drop_table("citizen_loads")
    op.drop_table("appointments")
    op.drop_table("slots")
    op.drop_table("schedules")
    op.drop_table("departments")
    with op.batch_alter_table("institutions") as batch:
        batch.add_column(sa.Column("places_per_period", sa.Integer, nullable=False,
                                   server_default="20"))
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
        sa.UniqueConstraint("citizen_id", "institution_id", "day",
                            name="uq_appointments_citizen_institution_day"),
    )
    op.create_index("ix_appointments_institution_day", "appointments",
                    ["institution_id", "day", "period"])
