"""One store for files' bytes: eval case files move from eval_blobs into attachment_blobs, which held the same thing
(bytes once per sha256) for conversation attachments; eval_files points there and eval_blobs goes.

Bytes already stored for an attachment are not stored twice (the key is their hash). The downgrade puts every eval
file's bytes back in eval_blobs and removes from attachment_blobs those no attachment refers to.

Revision ID: 0016_one_blob_store
Revises: 0015_layout
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_one_blob_store"
down_revision = "0015_layout"
branch_labels = None
depends_on = None

_COPY = ("INSERT INTO {to} (sha256, size, data) SELECT f.sha256, f.size, f.data FROM {source} f "
         "WHERE {only} NOT EXISTS (SELECT 1 FROM {to} t WHERE t.sha256 = f.sha256)")


def _point_eval_files_at(table: str, was: str) -> None:
    with op.batch_alter_table("eval_files") as batch:
        batch.drop_constraint(f"fk_eval_files_sha256_{was}", type_="foreignkey")
        batch.create_foreign_key(f"fk_eval_files_sha256_{table}", table, ["sha256"], ["sha256"])


def upgrade() -> None:
    op.execute(_COPY.format(to="attachment_blobs", source="eval_blobs", only=""))
    _point_eval_files_at("attachment_blobs", was="eval_blobs")
    op.drop_table("eval_blobs")


def downgrade() -> None:
    op.create_table(
        "eval_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_eval_blobs"),
    )
    op.execute(_COPY.format(to="eval_blobs", source="attachment_blobs",
                            only="f.sha256 IN (SELECT sha256 FROM eval_files) AND"))
    _point_eval_files_at("eval_blobs", was="attachment_blobs")
    op.execute("DELETE FROM attachment_blobs WHERE sha256 IN (SELECT sha256 FROM eval_files) "
               "AND sha256 NOT IN (SELECT sha256 FROM message_attachments)")
