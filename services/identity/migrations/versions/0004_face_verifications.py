"""face and liveness verifications

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.create_table(
        "face_verifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("citizen_id", sa.String(36), nullable=False),
        sa.Column("provider_session", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        # The provider's outcome and scores: a face result, so sealed.
        sa.Column("result_sealed", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_face_verifications_citizen", "face_verifications", ["citizen_id"])


def downgrade():
    op.drop_index("ix_face_verifications_citizen", "face_verifications")
    op.drop_table("face_verifications")
