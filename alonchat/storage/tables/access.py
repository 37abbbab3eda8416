"""Who belongs to which team, and the audit log of changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class TeamMember(Base):
    """Who belongs to which team: an exact email, or every address of an @domain (0008)."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(String(200), unique=True)
    team: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One change to a model, price, endpoint, budget, role or team: who, when, what (old -> new) (0008)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str] = mapped_column(Text)  # JSON {field: [old, new]}
