"""The one model lookup: a catalog name to a ModelSpec, read fresh on every call (on SQLite, straight on the driver).

Every call starts here, so this module loads no SQLAlchemy: the SQL is kept as text for SQLite, and the
SQLAlchemy statement for other databases (and the case-insensitive fallback) is built on first use.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ..core.pricing import PRICE_FIELDS, Prices, PriceVersion
from ..storage import sqlite

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ModelSpec:
    """A detached, immutable view of a catalog row, safe to hand to threads."""

    name: str
    display_name: str
    provider: str
    model_id: str
    context_window: int | None
    max_tokens: int | None
    is_active: bool
    prices: Prices
    description: str = ""
    # Capabilities decide which settings and attachments the model is offered (and accepts).
    supports_reasoning: bool = False
    supports_vision: bool = False
    supports_pdf: bool = False
    price_version: PriceVersion | None = None  # the price-history entry in force: a call's receipt names it

    @classmethod
    def of(cls, row: Any) -> ModelSpec:
        """From a catalog row (an AIModel, or the row the lookup reads with its price version)."""
        version = None
        if getattr(row, "price_id", None) is not None:
            when = row.price_effective
            if isinstance(when, str):  # the SQLite fast path hands back SQLAlchemy's stored text
                when = datetime.fromisoformat(when).replace(tzinfo=UTC)
            version = PriceVersion(row.price_id, when, row.price_source)
        return cls(row.name, row.display_name, row.provider, row.model_id, row.context_window,
                   row.max_tokens, bool(row.is_active), Prices.of(row), row.description or "",
                   *(bool(getattr(row, c, False)) for c in CAPABILITIES), price_version=version)


CAPABILITIES = ("supports_reasoning", "supports_vision", "supports_pdf")
_SPEC_COLUMNS = ("name", "display_name", "provider", "model_id", "context_window", "max_tokens",
                 "is_active", *PRICE_FIELDS, "tiers", "description", *CAPABILITIES)
_VERSION_COLUMNS = ("price_id", "price_effective", "price_source")
# The row and its latest price version (model_prices is append-only, so the highest id is the one in force).
_BY_NAME_SQLITE = (f"SELECT {', '.join('m.' + c for c in _SPEC_COLUMNS)}, p.id, p.changed_at, p.source "
                   "FROM ai_models m LEFT JOIN model_prices p ON p.id = "
                   "(SELECT max(id) FROM model_prices WHERE model_pk = m.id) WHERE m.name = ?")


@functools.cache
def _by_name():
    """The same read as SQLAlchemy Core, for databases other than SQLite and for a caller's session."""
    from sqlalchemy import bindparam, func, select

    from ..storage.tables import AIModel, ModelPrice

    m, p = AIModel.__table__, ModelPrice.__table__
    latest = select(func.max(p.c.id)).where(p.c.model_pk == m.c.id).correlate(m).scalar_subquery()
    return (select(*(m.c[c] for c in _SPEC_COLUMNS), p.c.id.label("price_id"),
                   p.c.changed_at.label("price_effective"), p.c.source.label("price_source"))
            .select_from(m.outerjoin(p, p.c.id == latest)).where(m.c.name == bindparam("name")))


def resolve(name: str, *, active_only: bool = True, session: Session | None = None) -> ModelSpec:
    """The catalog entry called `name`, read fresh on every call so edits elsewhere apply at once."""
    # The hot path of every call: a plain indexed read, straight on the driver where it is SQLite.
    row = None
    if session is None:
        with sqlite.fast_path() as dbapi:
            if dbapi is not None:
                found = dbapi.execute(_BY_NAME_SQLITE, (name,)).fetchone()
                row = SimpleNamespace(**dict(zip((*_SPEC_COLUMNS, *_VERSION_COLUMNS), found, strict=True))) \
                    if found else None
            else:
                from ..storage.engine import get_engine

                with get_engine().connect() as conn:
                    row = conn.execute(_by_name(), {"name": name}).first()
    else:
        row = session.connection().execute(_by_name(), {"name": name}).first()
    if row is not None and (row.is_active or not active_only):
        return ModelSpec.of(row)
    from .models import resolve_slow  # case-insensitive match, inactive models, suggestions: only on a miss

    return resolve_slow(name, active_only=active_only, session=session)
