"""consents, and the append-only, hash-chained access log

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

# The access log is append-only in the database itself, not just by convention.
POSTGRES_GUARD = """
CREATE FUNCTION access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_is_append_only();
"""
SQLITE_GUARDS = [
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
    "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
]


def upgrade():
    op.create_table(
        "consents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("attributes", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_consents_citizen", "consents", ["citizen_id", "partner_id"])
    op.create_table(
        "access_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("reader", sa.String(64), nullable=False),
        sa.Column("attributes", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        # Two writers that saw the same last entry cannot both append after it.
        sa.UniqueConstraint("citizen_id", "prev_hash", name="uq_access_log_chain"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_GUARD)
    else:
        for guard in SQLITE_GUARDS:
            op.execute(guard)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_log_append_only ON access_log")
        op.execute("DROP FUNCTION access_log_is_append_only()")
    op.drop_table("access_log")
    op.drop_index("ix_consents_citizen", "consents")
    op.drop_table("consents")
