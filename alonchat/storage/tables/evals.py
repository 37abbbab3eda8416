"""Evaluate (0014): test sets, their runs and each run's cells, and the workers that claim them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Money, utcnow


class EvalSet(Base):
    """One version of a named test set: its prompt variants, its checks for every case, and its table's columns."""

    __tablename__ = "eval_sets"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_eval_sets_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(100), default="")
    prompts: Mapped[str] = mapped_column(Text)  # JSON [{label, system, user}]
    checks: Mapped[str] = mapped_column(Text, default="[]")  # JSON: checks every case gets
    columns: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the case table's columns, in order
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64))  # of the content: saving the same content twice is one version
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual, csv, jsonl, promptfoo, import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvalCase(Base):
    """One case of a set version: its variables, its own checks, tags and description (JSON)."""

    __tablename__ = "eval_cases"
    __table_args__ = (UniqueConstraint("set_id", "idx", name="uq_eval_cases_set_idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("eval_sets.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)


class EvalFile(Base):
    """A file a case variable names (`file://cat.png`): what the variable says, and the bytes it stands for."""

    __tablename__ = "eval_files"
    __table_args__ = (UniqueConstraint("set_id", "ref", name="uq_eval_files_set_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("eval_sets.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))  # its bytes (0016: were eval_blobs)


class EvalRun(Base):
    """A set version x prompt variants x panes x repeats; its state lives here so any process can show or resume it."""

    __tablename__ = "eval_runs"
    __table_args__ = (Index("ix_eval_runs_user", "user"), Index("ix_eval_runs_team", "team"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("eval_sets.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    user: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, running, stopped, done, imported
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    panes: Mapped[str] = mapped_column(Text)  # JSON [{model, options}]
    prompts: Mapped[str] = mapped_column(Text)  # JSON: the set's prompt variants this run sends (indexes)
    repeats: Mapped[int] = mapped_column(Integer, default=1)
    concurrency: Mapped[str] = mapped_column(Text, default="{}")  # JSON {provider: most calls at once}
    judge: Mapped[str | None] = mapped_column(String(100))
    estimate_low_usd: Mapped[Decimal | None] = mapped_column(Money)
    estimate_high_usd: Mapped[Decimal | None] = mapped_column(Money)
    cells: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text)  # why it stopped on its own (a budget ran out, ...)


class EvalCell(Base):
    """One case x prompt x pane x repeat: claimed by one worker at a time, then its answer, verdict and cost."""

    __tablename__ = "eval_cells"
    __table_args__ = (
        UniqueConstraint("run_id", "case_idx", "prompt_idx", "pane_idx", "repeat_idx", name="uq_eval_cells_slot"),
        Index("ix_eval_cells_claim", "run_id", "state", "pane_idx"),
        Index("ix_eval_cells_pane", "run_id", "pane_idx", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"))
    case_idx: Mapped[int] = mapped_column(Integer)
    prompt_idx: Mapped[int] = mapped_column(Integer)
    pane_idx: Mapped[int] = mapped_column(Integer)
    repeat_idx: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending, running, done
    claim: Mapped[str | None] = mapped_column(String(40))  # the worker running it (eval_workers.token)
    status: Mapped[str | None] = mapped_column(String(20))  # the call's: ok, error, truncated, refused, ...
    passed: Mapped[bool | None] = mapped_column(Boolean)  # None: nothing was checked, or a check could not grade
    score: Mapped[float | None] = mapped_column(Float)  # the judge's mean score, 0..1
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    checks: Mapped[str | None] = mapped_column(Text)  # JSON [{check, passed, score, reason}]
    cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    judge_cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    usage_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    self_judged: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime | None] = mapped_column()


class EvalWorker(Base):
    """A process working on a run; its heartbeat tells the others whether the cells it claimed are still in hand."""

    __tablename__ = "eval_workers"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    user: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
