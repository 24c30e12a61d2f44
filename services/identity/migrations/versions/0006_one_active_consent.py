"""one active consent per partner, purpose and set of attributes: granting the same
consent again (a retry, a twin request) is that consent, kept so by the database

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

ACTIVE = "revoked_at IS NULL"


def upgrade():
    # Grants made twice before this rule: the later twins end when the first was
    # granted, so the citizen's consents allow what they allowed (the first still does).
    op.execute(sa.text(
        "UPDATE consents SET revoked_at = granted_at WHERE revoked_at IS NULL AND EXISTS ("
        "SELECT 1 FROM consents AS first WHERE first.revoked_at IS NULL "
        "AND first.citizen_id = consents.citizen_id "
        "AND first.partner_id = consents.partner_id AND first.purpose = consents.purpose "
        "AND first.attributes = consents.attributes "
        "AND (first.granted_at < consents.granted_at OR (first.granted_at = consents.granted_at "
        "AND first.id < consents.id)))"))
    op.create_index("uq_consents_active", "consents",
                    ["citizen_id", "partner_id", "purpose", "attributes"], unique=True,
                    postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))


def downgrade():
    op.drop_index("uq_consents_active", "consents")
