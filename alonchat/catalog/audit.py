"""The catalog's audit entries, written in the transaction of the change: prices apart from the rest of a model."""

from __future__ import annotations

from ..access import audit
from ..access.identity import current_user
from ..core.pricing import PRICE_FIELDS
from ..core.text import redact
from ..storage.tables import utcnow

PRICES = (*PRICE_FIELDS, "tiers")  # long-context tiers are prices too: audited (and kept in the history) with them


def catalog_change(session, name: str, old: dict | None, new: dict | None, action: str | None = None) -> None:
    """Audit a model change inside the catalog's own transaction: prices (tiers too) as 'price', the rest as 'model'."""
    action = action or ("create" if old is None else "delete" if new is None else "update")
    changes = audit.diff(old, new)
    conn, at = session.connection(), utcnow()  # one instant for both entries: one change (audit.merged)
    price = {k: v for k, v in changes.items() if k in PRICES}
    rest = {k: v for k, v in changes.items() if k not in PRICES}
    if rest or action != "update":
        audit.record("model", name, action, rest, current_user(), conn, at=at)
    if price:
        audit.record("price", name, action, price, current_user(), conn, at=at)


def endpoint_change(session, name: str, old: dict | None, new: dict | None) -> None:
    """Audit an endpoint change inside the catalog's transaction (a URL's credentials masked: the log is read by all
    admins and kept for ever)."""
    action = "create" if old is None else "delete" if new is None else "update"
    old, new = ({**d, "base_url": redact(d["base_url"])} if d and d.get("base_url") else d for d in (old, new))
    audit.record("endpoint", name, action, audit.diff(old, new), current_user(), session.connection())
