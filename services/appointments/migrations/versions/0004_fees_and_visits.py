"""registration fees (an appointment by its payment, the refunds to ask for), the
queue numbers of each department's day, reminders, and waitlists

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.add_column("appointments", sa.Column("refund_state", sa.String(8), nullable=True))
    op.create_index("ix_appointments_payment", "appointments", ["payment_id"])
    op.create_index("ix_appointments_refunds", "appointments", ["refund_state"])
    op.create_index("ix_appointments_visits", "appointments", ["status", "end"])
    op.create_table(
        "queue_counters",
        sa.Column("department_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "reminders",
        sa.Column("appointment_id", sa.String(36), sa.ForeignKey("appointments.id"),
                  primary_key=True),
        sa.Column("kind", sa.String(24), primary_key=True),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_reminders_due", "reminders", ["status", "send_at"])
    op.create_table(
        "waitlist",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("slot_id", sa.String(36), sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("slot_id", "citizen_id", name="uq_waitlist_citizen"),
    )
    op.create_index("ix_waitlist_slot", "waitlist", ["slot_id", "status"])
    op.create_index("ix_waitlist_citizen_id", "waitlist", ["citizen_id"])


def downgrade():
    op.drop_table("waitlist")
    op.drop_table("reminders")
    op.drop_table("queue_counters")
    op.drop_index("ix_appointments_visits", "appointments")
    op.drop_index("ix_appointments_refunds", "appointments")
    op.drop_index("ix_appointments_payment", "appointments")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("refund_state")
