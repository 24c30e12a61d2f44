"""templates; notifications record their template, category, action and when read

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

# Messages written before templates were versioned came from version 1 of these.
CATEGORIES = {"welcome": "account", "level_reached": "account",
              "real_name_locked": "security"}


def upgrade():
    op.create_table(
        "templates",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("channels", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("kind", new_column_name="template_id", existing_type=sa.String(64),
                           existing_nullable=False)
        batch.add_column(sa.Column("template_version", sa.Integer, nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("category", sa.String(32), nullable=False,
                                   server_default="account"))
        batch.add_column(sa.Column("action_type", sa.String(32)))
        batch.add_column(sa.Column("action_id", sa.String(64)))
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True)))
    for template_id, category in CATEGORIES.items():
        op.execute(sa.text("UPDATE notifications SET category = :category "
                           "WHERE template_id = :template_id")
                   .bindparams(category=category, template_id=template_id))
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("template_version", server_default=None,
                           existing_type=sa.Integer, existing_nullable=False)
        batch.alter_column("category", server_default=None, existing_type=sa.String(32),
                           existing_nullable=False)


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        for column in ("read_at", "action_id", "action_type", "category", "template_version"):
            batch.drop_column(column)
        batch.alter_column("template_id", new_column_name="kind", existing_type=sa.String(64),
                           existing_nullable=False)
    op.drop_table("templates")
