"""Evaluate: test sets (versioned, with their cases and files), runs, their cells and the workers running them.

Revision ID: 0014_evals
Revises: 0013_arena
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_evals"
down_revision = "0013_arena"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "eval_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("prompts", sa.Text(), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_eval_sets"),
        sa.UniqueConstraint("name", "version", name="uq_eval_sets_name_version"),
    )
    op.create_table(
        "eval_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["eval_sets.id"], name="fk_eval_cases_set_id_eval_sets",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_eval_cases"),
        sa.UniqueConstraint("set_id", "idx", name="uq_eval_cases_set_idx"),
    )
    op.create_table(
        "eval_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_eval_blobs"),
    )
    op.create_table(
        "eval_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["eval_sets.id"], name="fk_eval_files_set_id_eval_sets",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sha256"], ["eval_blobs.sha256"], name="fk_eval_files_sha256_eval_blobs"),
        sa.PrimaryKeyConstraint("id", name="pk_eval_files"),
        sa.UniqueConstraint("set_id", "ref", name="uq_eval_files_set_ref"),
    )
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
        sa.Column("panes", sa.Text(), nullable=False),
        sa.Column("prompts", sa.Text(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Text(), nullable=False),
        sa.Column("judge", sa.String(length=100), nullable=True),
        sa.Column("estimate_low_usd", MONEY, nullable=True),
        sa.Column("estimate_high_usd", MONEY, nullable=True),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["set_id"], ["eval_sets.id"], name="fk_eval_runs_set_id_eval_sets"),
        sa.PrimaryKeyConstraint("id", name="pk_eval_runs"),
    )
    op.create_index("ix_eval_runs_set_id", "eval_runs", ["set_id"])
    op.create_index("ix_eval_runs_user", "eval_runs", ["user"])
    op.create_index("ix_eval_runs_team", "eval_runs", ["team"])
    op.create_table(
        "eval_cells",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_idx", sa.Integer(), nullable=False),
        sa.Column("prompt_idx", sa.Integer(), nullable=False),
        sa.Column("pane_idx", sa.Integer(), nullable=False),
        sa.Column("repeat_idx", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("claim", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("checks", sa.Text(), nullable=True),
        sa.Column("cost_usd", MONEY, nullable=True),
        sa.Column("judge_cost_usd", MONEY, nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("usage_id", BIG_ID, nullable=True),
        sa.Column("self_judged", sa.Boolean(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["eval_runs.id"], name="fk_eval_cells_run_id_eval_runs",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_eval_cells"),
        sa.UniqueConstraint("run_id", "case_idx", "prompt_idx", "pane_idx", "repeat_idx", name="uq_eval_cells_slot"),
    )
    op.create_index("ix_eval_cells_claim", "eval_cells", ["run_id", "state", "pane_idx"])
    op.create_index("ix_eval_cells_pane", "eval_cells", ["run_id", "pane_idx", "status"])
    op.create_table(
        "eval_workers",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["eval_runs.id"], name="fk_eval_workers_run_id_eval_runs",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name="pk_eval_workers"),
    )
    op.create_index("ix_eval_workers_run_id", "eval_workers", ["run_id"])


def downgrade() -> None:
    op.drop_table("eval_workers")
    op.drop_table("eval_cells")
    op.drop_table("eval_runs")
    op.drop_table("eval_files")
    op.drop_table("eval_blobs")
    op.drop_table("eval_cases")
    op.drop_table("eval_sets")
