"""好差评 ratings and the rectification tasks poor ones open; what the SLA watch told

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("deadline_told", sa.String(16), nullable=True))
    op.create_table(
        "ratings",
        sa.Column("matter_id", sa.String(36), sa.ForeignKey("matters.id"), primary_key=True),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("comment_sealed", sa.Text, nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rectification_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("matter_id", sa.String(36), sa.ForeignKey("matters.id"), nullable=False,
                  unique=True),
        sa.Column("tracking_number", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("overdue_told", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_rectification_tasks_agency", "rectification_tasks", ["agency"])


def downgrade():
    op.drop_index("ix_rectification_tasks_agency", "rectification_tasks")
    op.drop_table("rectification_tasks")
    op.drop_table("ratings")
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("deadline_told")
