"""bills from agencies, linked accounts; orders with their provider trade, janitor and
agency write-off; transitions, the double-entry ledger, refunds, idempotency keys

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

IN_FLIGHT = sa.text("status = 'awaiting_payment'")


def upgrade():
    with op.batch_alter_table("fees") as batch:
        batch.add_column(sa.Column("agency", sa.String(32), nullable=False, server_default=""))
    op.create_table(
        "bills",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("fee_code", sa.String(64), sa.ForeignKey("fees.code"), nullable=False),
        sa.Column("agency", sa.String(32), nullable=False),
        sa.Column("bill_number", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64)),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("late_fee_cents", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("payee", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("fee_code", "bill_number", name="uq_bills_number"),
    )
    op.create_table(
        "citizen_bills",
        sa.Column("citizen_id", sa.String(36), primary_key=True),
        sa.Column("bill_id", sa.String(36), sa.ForeignKey("bills.id"), primary_key=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "linked_accounts",
        sa.Column("citizen_id", sa.String(36), primary_key=True),
        sa.Column("fee_code", sa.String(64), sa.ForeignKey("fees.code"), primary_key=True),
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True)),
    )
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("partner_id", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("agency", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("bill_id", sa.String(36)))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("trade_no", sa.String(64)))
        batch.add_column(sa.Column("cashier_url", sa.String(500)))
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("queries_made", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("agency_confirmation", sa.String(64)))
        batch.add_column(sa.Column("next_confirm_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("confirm_attempts", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("refunded_cents", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.create_foreign_key("fk_payments_bill_id", "bills", ["bill_id"], ["id"])
    op.create_index("uq_payments_bill_in_flight", "payments", ["bill_id"], unique=True,
                    postgresql_where=IN_FLIGHT, sqlite_where=IN_FLIGHT)
    op.create_index("ix_payments_janitor", "payments", ["status", "next_check_at"])
    op.create_table(
        "payment_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("from_state", sa.String(24)),
        sa.Column("to_state", sa.String(24), nullable=False),
        sa.Column("cause", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(200)),
    )
    op.create_index("ix_payment_transitions_payment_id", "payment_transitions", ["payment_id"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("movement", sa.String(120), nullable=False),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("movement", "account", name="uq_ledger_movement"),
    )
    op.create_index("ix_ledger_entries_payment_id", "ledger_entries", ["payment_id"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("request_no", sa.String(64), nullable=False, unique=True),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_refunds_payment_id", "refunds", ["payment_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("idempotency_keys")
    op.drop_index("ix_refunds_payment_id", "refunds")
    op.drop_table("refunds")
    op.drop_index("ix_ledger_entries_payment_id", "ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index("ix_payment_transitions_payment_id", "payment_transitions")
    op.drop_table("payment_transitions")
    op.drop_index("ix_payments_janitor", "payments")
    op.drop_index("uq_payments_bill_in_flight", "payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("fk_payments_bill_id", type_="foreignkey")
        for column in ("refunded_cents", "confirm_attempts", "next_confirm_at",
                       "agency_confirmation", "queries_made", "next_check_at", "paid_at",
                       "cashier_url", "trade_no", "expires_at", "bill_id", "agency",
                       "partner_id"):
            batch.drop_column(column)
    op.drop_table("linked_accounts")
    op.drop_table("citizen_bills")
    op.drop_table("bills")
    with op.batch_alter_table("fees") as batch:
        batch.drop_column("agency")
