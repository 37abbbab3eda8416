"""The receipt of any ledger row: its stored counts priced again by the price version that priced the call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import ValidationError
from ..core.pricing import Prices, PriceVersion, Receipt, receipt
from ..core.types import Usage
from ..storage.engine import with_session
from ..storage.tables import AIModel, ModelPrice, UsageRecord


def _version(s: Session, row: UsageRecord) -> ModelPrice | None:
    """The price version recorded on the row, or (rows from before 0009) the one in force when it was written."""
    if row.price_id is not None:
        found = s.get(ModelPrice, row.price_id)
        if found is not None:
            return found
    return s.scalars(select(ModelPrice).join(AIModel, AIModel.id == ModelPrice.model_pk)
                     .where(AIModel.name == row.model_name, ModelPrice.changed_at <= row.created_at)
                     .order_by(ModelPrice.changed_at.desc(), ModelPrice.id.desc()).limit(1)).first()


@with_session
def for_usage(s: Session, usage_id: int) -> Receipt:
    """Line by line, how ledger row `usage_id` was priced; `extra` holds the row's own facts and charged cost.

    A member reads the receipts of their own calls only; another's row is "no such row" to them.
    """
    from ..access.identity import actor

    who = actor()
    row = s.get(UsageRecord, usage_id)
    if row is None or not (who.is_admin or row.user == who.email):
        raise ValidationError({"id": f"No usage row #{usage_id}; list recent ones on the costs page "
                                     "(Raw rows) or with `alonchat usage --by day`."})
    usage = Usage(row.input_tokens, row.cached_input_tokens, row.cache_write_tokens, row.output_tokens,
                  row.reasoning_tokens, bool(row.usage_estimated), row.cache_write_1h_tokens or 0,
                  row.reported_cost_usd)
    version = _version(s, row)
    if version is None:  # a model added without a price history (scripts, tests): its prices as they stand
        current = s.scalars(select(AIModel).where(AIModel.name == row.model_name)).first()
        prices = Prices.of(current) if current is not None else Prices()
    else:
        prices = Prices.of(version)
    pv = PriceVersion(version.id, version.changed_at, version.source, version.changed_by) if version else None
    out = receipt(usage, prices, pv)
    charged = row.cost_usd
    extra = {"usage_id": row.id, "created_at": row.created_at.isoformat(), "model": row.model_name,
             "provider": row.provider, "model_id": row.model_id, "status": row.status,
             "charged_usd": None if charged is None else float(charged),
             "charged_usd_exact": None if charged is None else f"{charged.normalize():f}",
             "cost_mismatch": bool(row.cost_mismatch)}
    return Receipt(out.usage, out.lines, out.total, out.tier, out.tier_reason, out.version, out.reported_cost_usd,
                   out.unpriced_reason, extra)


CALL_COLUMNS = ("id", "created_at", "user", "model_name", "provider", "status", "input_tokens",
                "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "usage_estimated", "cost_usd",
                "tier_threshold", "reported_cost_usd", "cost_mismatch")


def recent_calls(f, *, limit: int = 100, tiered_only: bool = False, mismatched_only: bool = False) -> list[dict]:
    """The newest ledger rows in a report's slice (newest first), optionally only long-context or disputed calls.

    Read through the created_at index from the newest end, so it stops after `limit` rows. Rows are
    people's calls: a member gets their own only (reports.authorize refuses a wider slice).
    """
    from ..storage.engine import get_engine
    from .report_sql import dims
    from .reports import authorize
    from .rollups import RAW

    authorize(f, rows=True)
    conds = dims(RAW, f)
    if f.since is not None:
        conds.append(RAW.c.created_at >= f.since)
    if f.until is not None:
        conds.append(RAW.c.created_at < f.until)
    if tiered_only:
        conds.append(RAW.c.tier_threshold.is_not(None))
    if mismatched_only:
        conds.append(RAW.c.cost_mismatch.is_(True))
    stmt = (select(*(RAW.c[c] for c in CALL_COLUMNS)).where(*conds)
            .order_by(RAW.c.created_at.desc(), RAW.c.id.desc()).limit(limit))
    with get_engine().connect() as conn:
        return [r._asdict() for r in conn.execute(stmt)]
