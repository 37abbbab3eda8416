"""The model catalog: the one place that looks models up (and, below, changes them)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .db import get_engine
from .db import session as new_session
from .errors import InactiveModelError, UnknownModelError
from .models import AIModel
from .pricing import Prices


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

    @classmethod
    def of(cls, row: AIModel) -> ModelSpec:
        return cls(row.name, row.display_name, row.provider, row.model_id, row.context_window,
                   row.max_tokens, row.is_active, Prices.of(row), row.description or "")


def _with_session(fn):
    """Run `fn(session)` on the caller's session, or on a short one of our own."""
    def wrapper(*args, session: Session | None = None, **kwargs):
        if session is not None:
            return fn(session, *args, **kwargs)
        with new_session() as s:
            return fn(s, *args, **kwargs)
    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


_BY_NAME = select(AIModel.__table__).where(AIModel.__table__.c.name == bindparam("name"))


def resolve(name: str, *, active_only: bool = True, session: Session | None = None) -> ModelSpec:
    """The catalog entry called `name`, read fresh on every call so edits elsewhere apply at once."""
    # A cached Core statement on a pooled connection: the hot path of every call.
    if session is None:
        with get_engine().connect() as conn:
            row = conn.execute(_BY_NAME, {"name": name}).first()
    else:
        row = session.connection().execute(_BY_NAME, {"name": name}).first()
    if row is not None and (row.is_active or not active_only):
        return ModelSpec.of(row)
    return _resolve_slow(name, active_only=active_only, session=session)


@_with_session
def _resolve_slow(s: Session, name: str, *, active_only: bool = True) -> ModelSpec:
    """Case-insensitive match, inactive models and suggestions: only when the exact lookup failed."""
    row = s.scalars(select(AIModel).where(AIModel.name == name)).first()
    if row is None:
        names = list(s.scalars(select(AIModel.name)))
        lowered = {n.lower(): n for n in names}
        if name.lower() in lowered:
            row = s.scalars(select(AIModel).where(AIModel.name == lowered[name.lower()])).first()
        else:
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            close += [n for n in names if name.lower() in n.lower() and n not in close]
            raise UnknownModelError(name, close[:5])
    if active_only and not row.is_active:
        raise InactiveModelError(row.name)
    return ModelSpec.of(row)


@_with_session
def list_models(s: Session, *, active_only: bool = False) -> list[ModelSpec]:
    stmt = select(AIModel).order_by(AIModel.provider, AIModel.name)
    if active_only:
        stmt = stmt.where(AIModel.is_active.is_(True))
    return [ModelSpec.of(r) for r in s.scalars(stmt)]
