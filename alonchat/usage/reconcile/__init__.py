"""The ledger against the provider's bill: per UTC day × provider × model, ours and theirs, the gap, a status and why.

Reads only the database (the ledger's daily rollups, raw rows for OpenRouter, the stored bill), so it
works offline once a bill was fetched; fetching is usage/bills/store.py. Admins only. The parts: types.py (what a
reconciliation is made of), gather.py (both sides), prices.py (to explain a dollar gap), compare.py (status and why).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from ...access.identity import require_admin
from ...catalog.snapshots import catalog_map
from ...core.errors import ValidationError
from ...storage.engine import get_engine
from ..bills import gemini as gemini_bill
from ..bills.store import VENDORS, read
from ..rollups import DAILY
from . import gather
from .compare import compare, explain
from .gather import EPOCH, Bucket
from .prices import PRICE_OF, price_changes, price_history, provider_rates
from .types import CSV_COLUMNS, OTHER, STATUSES, Reconciliation, Row, Side, Tolerance, Total

__all__ = ["CSV_COLUMNS", "EPOCH", "OTHER", "PRICE_OF", "STATUSES", "Reconciliation", "Row", "Side", "Tolerance",
           "Total", "reconcile"]


def reconcile(first: date, last: date, providers: Iterable[str] | None = None,
              tolerance: Tolerance | None = None) -> Reconciliation:
    """Ledger against the stored bill for the UTC days [first, last] (no network: fetch first); admins only."""
    require_admin("reconcile spend with the provider's bill")
    tol = tolerance or Tolerance()
    if last < first:
        raise ValidationError({"until": f"The range ends ({last}) before it starts ({first})."})
    chosen = tuple(dict.fromkeys(providers or ()))
    stored = read(first, last, chosen or None)
    with get_engine().connect() as conn:
        used = set(conn.execute(select(DAILY.c.provider).distinct().where(
            DAILY.c.day >= gather.day_number(first), DAILY.c.day <= gather.day_number(last))).scalars())
    checked, unchecked, routers = gather.checked_providers(first, last, chosen, stored, used)
    smap = catalog_map()
    accs: dict[tuple[date, str, str], Bucket] = {}
    if checked:
        gather.add_ours(first, last, checked, smap, accs)
    for p in checked:
        if p in VENDORS:
            gather.add_theirs_api(p, stored, smap, accs)
        elif p == gemini_bill.NAME:
            gather.add_theirs_csv(p, stored, smap, accs)
    per_call = [p for p in checked if p in routers]
    if per_call:
        gather.add_theirs_per_call(first, last, per_call, smap, accs)
    rates = {key: provider_rates(acc) for key, acc in accs.items()}
    ctx = {"fetched": stored.fetched, "routers": routers, "rates": rates, "changes": price_changes(rates),
           "history": price_history(n for acc in accs.values() for n in acc.match.names)}
    rows = []
    for (day, provider, model_id), acc in sorted(accs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1].match.label)):
        if acc.ours is None and acc.theirs is None:
            continue
        if (acc.ours is None or (acc.ours.total_tokens == 0 and not acc.ours.usd)) and acc.theirs is not None \
                and acc.theirs.total_tokens == 0 and not acc.theirs.usd and not acc.other_keys:
            continue  # an empty bucket on both sides
        names = acc.match.label if acc.match.model_id != OTHER else OTHER
        row = Row(day, provider, names, model_id, acc.match.mapped, tuple(sorted(n for n in acc.names if n)),
                  acc.ours, acc.theirs)
        compare(row, tol)
        explain(row, acc, tol, ctx)
        rows.append(row)
    fetched = {p: max(stored.fetched[p].values()) if stored.fetched.get(p) else None for p in checked}
    return Reconciliation(first, last, tol, rows, unchecked, fetched)
