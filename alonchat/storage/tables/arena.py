"""Arena's blind battles and their votes (0013)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ArenaBattle(Base):
    """One blind battle: two panes (a model plus its settings) answered one prompt, and the vote once cast (0013).

    A battle holds at most one vote, so the vote is columns here (NULL until cast). `model_a` is the
    pane shown as "A" (LMArena's convention); `shown_left` says which of the two sat on the left
    (NULL when unknown, as in most imported data). Imported battles have no usage rows.
    """

    __tablename__ = "arena_battles"
    __table_args__ = (
        Index("ix_arena_battles_voted_at", "voted_at"),
        Index("ix_arena_battles_team_voted", "team", "voted_at"),
        Index("ix_arena_battles_user_voted", "user", "voted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the pair was drawn
    voted_at: Mapped[datetime | None] = mapped_column()
    user: Mapped[str] = mapped_column(String(200))  # who voted ("" when an import does not say)
    team: Mapped[str] = mapped_column(String(100), default="", server_default="")
    origin: Mapped[str] = mapped_column(String(20), default="arena", server_default="arena")  # arena | import
    category: Mapped[str | None] = mapped_column(String(100))
    model_a: Mapped[str] = mapped_column(String(100))
    model_b: Mapped[str] = mapped_column(String(100))
    settings_a: Mapped[str | None] = mapped_column(Text)  # JSON of the options sent (inputs.sent_options)
    settings_b: Mapped[str | None] = mapped_column(Text)
    usage_a: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))  # usage_records.id
    usage_b: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    shown_left: Mapped[str | None] = mapped_column(String(10))  # "model_a" | "model_b" | NULL (unknown)
    winner: Mapped[str | None] = mapped_column(String(10))  # model_a | model_b | tie | both_bad; NULL = no vote yet
    # The answer named its own model or vendor: the vote is kept, and marked (LMArena does the same).
    names_self_a: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    names_self_b: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[str | None] = mapped_column(Text)  # an import's other columns, as JSON, written back on export
