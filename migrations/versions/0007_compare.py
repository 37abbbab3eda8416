"""Compare: model capabilities (reasoning, vision, PDF), the options each call was sent with, message attachments.

Capabilities decide which settings and attachments a model is offered; the seed models get theirs from
data/seed_models.json ("capabilities"). usage_records.options keeps the call's options as JSON text
(never attachment bytes). Attachments are stored once per content (sha256) however many panes got them.

Revision ID: 0007_compare
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_compare"
down_revision = "0006"
branch_labels = None
depends_on = None

CAPABILITIES = ("supports_reasoning", "supports_vision", "supports_pdf")


def upgrade() -> None:
    from alonchat.catalog.seed import seed_capabilities

    # Plain ADD COLUMN (no batch copy): recreating ai_models on SQLite would cascade-delete its price history.
    for column in CAPABILITIES:
        op.add_column("ai_models", sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()))
    models = sa.table("ai_models", sa.column("name"), *(sa.column(c, sa.Boolean()) for c in CAPABILITIES))
    conn = op.get_bind()
    for name, caps in seed_capabilities().items():
        conn.execute(models.update().where(models.c.name == name).values(**caps))

    op.add_column("usage_records", sa.Column("options", sa.Text(), nullable=True))

    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachment_blobs"),
    )
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE",
                                name="fk_message_attachments_message_id_messages"),
        sa.ForeignKeyConstraint(["sha256"], ["attachment_blobs.sha256"],
                                name="fk_message_attachments_sha256_attachment_blobs"),
        sa.PrimaryKeyConstraint("id", name="pk_message_attachments"),
    )
    op.create_index("ix_message_attachments_message_id", "message_attachments", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_message_attachments_message_id", table_name="message_attachments")
    op.drop_table("message_attachments")
    op.drop_table("attachment_blobs")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of ai_models would cascade-delete its price history.
    op.drop_column("usage_records", "options")
    for column in reversed(CAPABILITIES):
        op.drop_column("ai_models", column)
