"""Price history and the genai-prices check: every price change kept, reference changes accepted one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import ValidationError
from ..core.pricing import PRICE_FIELDS, Prices, parse_tiers, reference, tiers_json
from ..storage.engine import with_session, writing
from ..storage.tables import AIModel, ModelPrice
from .models import get_row, update_model

SOURCES = ("manual", "genai-prices", "import", "seed")


@dataclass(frozen=True)
class PriceChange:
    """One entry of a model's price history."""

    changed_at: datetime
    source: str
    changed_by: str
    prices: Prices

    def to_json(self) -> dict:
        return {"changed_at": self.changed_at.isoformat(), "source": self.source, "changed_by": self.changed_by,
                **{f: None if v is None else float(v) for f, v in self.prices.as_dict().items()},
                "tiers": _tiers_out(self.prices.tiers)}


def _tiers_out(tiers) -> list[dict] | None:
    """Tiers as JSON-friendly dicts (prices as floats), None when there are none."""
    tiers = parse_tiers(tiers)
    return [{k: (float(v) if k != "threshold" else v) for k, v in t.as_dict().items() if v is not None}
            for t in tiers] or None


@with_session
def history(s: Session, name: str) -> list[PriceChange]:
    """A model's price changes, oldest first."""
    row = get_row(s, name)
    rows = s.scalars(select(ModelPrice).where(ModelPrice.model_pk == row.id)
                     .order_by(ModelPrice.changed_at, ModelPrice.id))
    return [PriceChange(r.changed_at, r.source, r.changed_by, Prices.of(r)) for r in rows]


@dataclass(frozen=True)
class PriceDiff:
    """Where one catalog model's prices differ from genai-prices: field -> (catalog, reference)."""

    name: str
    provider: str
    model_id: str
    ref_id: str
    changes: dict[str, tuple]  # a price field -> (Decimal | None, Decimal); "tiers" -> (JSON | None, JSON)

    def to_json(self) -> dict:
        def out(f, v):
            return _tiers_out(v) if f == "tiers" else None if v is None else float(v)

        return {"name": self.name, "provider": self.provider, "model_id": self.model_id, "ref_id": self.ref_id,
                "changes": {f: {"catalog": out(f, old), "reference": out(f, new)}
                            for f, (old, new) in self.changes.items()}}


def diff(row: AIModel) -> PriceDiff | None:
    """The reference prices that differ from the row's; a price genai-prices does not know is left alone."""
    ref = reference(row.provider, row.model_id)
    if ref is None:
        return None
    current = Prices.of(row)
    changes = {f: (getattr(current, f), getattr(ref.prices, f)) for f in PRICE_FIELDS
               if getattr(ref.prices, f) is not None and getattr(current, f) != getattr(ref.prices, f)}
    # Tiers are compared as a whole; tiers of the catalog's own where genai-prices has none are left alone.
    if ref.prices.tiers and current.tiers != ref.prices.tiers:
        changes["tiers"] = (tiers_json(current.tiers), tiers_json(ref.prices.tiers))
    return PriceDiff(row.name, row.provider, row.model_id, ref.ref_id, changes) if changes else None


@with_session
def check_prices(s: Session) -> list[PriceDiff]:
    """Every catalog model whose prices differ from the genai-prices data shipped with this install."""
    rows = s.scalars(select(AIModel).order_by(AIModel.provider, AIModel.name))
    return [d for d in map(diff, rows) if d is not None]


@writing
def accept(s: Session, name: str, *, user: str | None = None):
    """Take genai-prices' prices for one model (history source 'genai-prices')."""
    row = get_row(s, name)
    d = diff(row)
    if d is None:
        raise ValidationError(f"'{row.name}' already matches genai-prices (or genai-prices does not list "
                              f"{row.provider}/{row.model_id}); nothing to accept.")
    return update_model(row.name, {f: new for f, (_, new) in d.changes.items()}, source="genai-prices",
                        user=user, session=s)


@writing
def accept_all(s: Session, *, user: str | None = None) -> list[str]:
    """Accept every pending genai-prices change at once; returns the names updated."""
    names = [d.name for d in check_prices(session=s)]
    for name in names:
        accept(name, user=user, session=s)
    return names
