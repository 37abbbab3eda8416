"""Both sides gathered per (UTC day, provider, model id): the ledger's rollups, and the stored bill or OpenRouter's
per-call costs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ...catalog.snapshots import Match, SnapshotMap
from ...storage.engine import get_engine
from ...storage.tables import AIModel, BillingGeneration
from ..bills import KINDS, settings
from ..bills import gemini as gemini_bill
from ..bills.store import VENDORS, Stored, openrouter_endpoints
from ..rollups import DAILY, RAW
from .types import OTHER, Side

EPOCH = date(1970, 1, 1)


@dataclass
class Bucket:
    """Everything known of one (day, provider, model id) while the rows are built."""

    match: Match
    ours: Side | None = None
    statuses: Counter = field(default_factory=Counter)
    unpriced: int = 0
    tiered: int = 0
    names: set[str] = field(default_factory=set)  # what the provider billed it as
    theirs: Side | None = None
    all_tokens: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(KINDS))
    other_keys: Counter = field(default_factory=Counter)  # key id -> tokens left out (not AlonChat's)
    keys: set[str] = field(default_factory=set)
    costs: dict[str, Decimal] = field(default_factory=dict)  # kind -> dollars (all keys)
    items: set[str] = field(default_factory=set)
    unknown_cost: int = 0  # OpenRouter calls with no cost known yet
    no_id: int = 0  # ... of which the response had no id to look it up by


def day_number(d: date) -> int:
    return (d - EPOCH).days


def checked_providers(first: date, last: date, providers: tuple[str, ...], stored: Stored,
             used: set[str]) -> tuple[list[str], dict[str, str], set[str]]:
    """(providers to reconcile, those that cannot be with why, OpenRouter endpoint names)."""
    routers = {name for name, _, _ in openrouter_endpoints()}
    candidates = set(providers) or (used | set(stored.fetched) | (routers & used))
    checked, unchecked = [], {}
    for p in sorted(candidates):
        if p in routers or p in VENDORS and stored.fetched.get(p):
            checked.append(p)
        elif p in VENDORS:
            env = VENDORS[p].KEY_ENV
            unchecked[p] = (f"No bill stored for {first}..{last}: fetch it" + (
                "." if settings.setting(env) else f" (set {env}, an admin key, first)."))
        elif p == gemini_bill.NAME and stored.fetched.get(p):
            checked.append(p)
        elif p == gemini_bill.NAME:
            unchecked[p] = "Google has no usage or cost API: import a CSV of the Cloud Billing export."
        else:
            unchecked[p] = "AlonChat knows no billing source for this provider."
    return checked, unchecked, routers


def _model_ids() -> dict[tuple[str, str], str]:
    t = AIModel.__table__
    with get_engine().connect() as conn:
        return {(r.provider, r.name): r.model_id for r in conn.execute(select(t.c.provider, t.c.name, t.c.model_id))}


def add_ours(first: date, last: date, checked: list[str], smap: SnapshotMap, accs: dict) -> None:
    """The ledger's calls per UTC day, provider and model, from the daily rollups."""
    t = DAILY
    sums = [func.sum(t.c[c]).label(c) for c in (
        "requests", "priced_requests", "unpriced_requests", "tiered_requests", "input_tokens", "cached_input_tokens",
        "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "cost_usd")]
    stmt = (select(t.c.day, t.c.provider, t.c.model_name, t.c.status, *sums)
            .where(t.c.day >= day_number(first), t.c.day <= day_number(last), t.c.provider.in_(checked))
            .group_by(t.c.day, t.c.provider, t.c.model_name, t.c.status))
    ids = _model_ids()
    with get_engine().connect() as conn:
        rows = conn.execute(stmt).all()
        missing = {(r.provider, r.model_name) for r in rows if (r.provider, r.model_name) not in ids}
        if missing:  # models since deleted from the catalog: the id their calls were made with
            for r in conn.execute(select(RAW.c.provider, RAW.c.model_name, func.max(RAW.c.model_id))
                                  .where(RAW.c.model_name.in_({m for _, m in missing}))
                                  .group_by(RAW.c.provider, RAW.c.model_name)):
                ids[(r[0], r[1])] = r[2]
    for r in rows:
        if r.status in ("error", "refused") and not (r.input_tokens or r.output_tokens):
            continue  # nothing was sent or billed
        day = EPOCH + timedelta(days=int(r.day))
        m = smap.match(r.provider, ids.get((r.provider, r.model_name), r.model_name))
        acc = accs.setdefault((day, r.provider, m.model_id), Bucket(m))
        ours = acc.ours = acc.ours or Side(0)
        ours.calls += int(r.requests)
        cached, writes, writes_1h = int(r.cached_input_tokens), int(r.cache_write_tokens), int(r.cache_write_1h_tokens)
        ours.add_tokens({"input": max(int(r.input_tokens) - cached - writes, 0), "cache_read": cached,
                         "cache_write_5m": max(writes - writes_1h, 0), "cache_write_1h": writes_1h,
                         "output": int(r.output_tokens)})
        if int(r.priced_requests):
            ours.usd = (ours.usd or Decimal(0)) + Decimal(str(r.cost_usd or 0))
        acc.unpriced += int(r.unpriced_requests)
        acc.tiered += int(r.tiered_requests or 0)
        acc.statuses[r.status] += int(r.requests)


def add_theirs_api(provider: str, stored: Stored, smap: SnapshotMap, accs: dict) -> None:
    """An admin API's usage and costs: only AlonChat's keys and projects when they are configured."""
    vendor = VENDORS[provider]
    key_ids, scopes = set(settings.id_list(vendor.KEY_IDS_ENV)), set(settings.id_list(vendor.SCOPES_ENV))
    for s in stored.usage:
        u = s.usage
        if s.provider != provider or (scopes and u.scope not in scopes):
            continue
        m = smap.match(provider, u.model)
        acc = accs.setdefault((u.day, provider, m.model_id), Bucket(m))
        acc.names.add(u.model)
        acc.keys.add(u.api_key_id)
        for k in KINDS:
            if u.tokens.get(k) is not None:
                acc.all_tokens[k] = (acc.all_tokens[k] or 0) + u.tokens[k]
        theirs = acc.theirs = acc.theirs or Side(None, dict.fromkeys(KINDS))
        for k in KINDS:  # a kind the provider reports is 0 (not unknown) on AlonChat's side until counted
            if u.tokens.get(k) is not None and theirs.tokens[k] is None:
                theirs.tokens[k] = 0
        if key_ids and u.api_key_id not in key_ids:
            acc.other_keys[u.api_key_id] += sum(n or 0 for n in u.tokens.values())
            continue
        theirs.add_tokens(u.tokens)
        if u.requests is not None:
            theirs.calls = (theirs.calls or 0) + u.requests
    for s in stored.costs:
        c = s.cost
        if s.provider != provider or (scopes and c.scope not in scopes):
            continue
        m = smap.match(provider, c.model) if c.model else Match(OTHER, ())
        acc = accs.setdefault((c.day, provider, m.model_id), Bucket(m))
        if c.model:
            acc.names.add(c.model)
        acc.costs[c.kind] = acc.costs.get(c.kind, Decimal(0)) + c.amount_usd
        acc.items.add(c.item)
        acc.theirs = acc.theirs or Side(None, dict.fromkeys(KINDS))
    for (_, p, _), acc in accs.items():
        if p == provider and acc.theirs is not None and acc.costs:
            acc.theirs.usd = _share(acc) if acc.other_keys else sum(acc.costs.values(), Decimal(0))


def _share(acc: Bucket) -> Decimal:
    """AlonChat's part of a day's cost when other keys used the model too: each kind's cost × our share of it.

    Cost reports are not split by API key, so the dollars follow the tokens, kind by kind.
    """
    ours, total = acc.theirs.tokens, acc.all_tokens
    all_ours = sum(n or 0 for n in ours.values())
    all_total = sum(n or 0 for n in total.values())
    usd = Decimal(0)
    for kind, amount in acc.costs.items():
        if kind in KINDS and total.get(kind):
            usd += amount * (ours.get(kind) or 0) / total[kind]
        elif all_total:
            usd += amount * all_ours / all_total
    return usd


def add_theirs_csv(provider: str, stored: Stored, smap: SnapshotMap, accs: dict) -> None:
    """A billing export: dollars only."""
    for s in stored.costs:
        c = s.cost
        if s.provider != provider:
            continue
        m = smap.match(provider, c.model) if c.model else Match(OTHER, ())
        acc = accs.setdefault((c.day, provider, m.model_id), Bucket(m))
        acc.items.add(c.item)
        acc.names.add(c.item)
        acc.costs[c.kind] = acc.costs.get(c.kind, Decimal(0)) + c.amount_usd
        theirs = acc.theirs = acc.theirs or Side(None, dict.fromkeys(KINDS))
        theirs.usd = (theirs.usd or Decimal(0)) + c.amount_usd


def add_theirs_per_call(first: date, last: date, routers: list[str], smap: SnapshotMap, accs: dict) -> None:
    """OpenRouter: the cost each response reported (kept on the ledger row), else its looked-up generation."""
    g = BillingGeneration.__table__
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    until = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    stmt = (select(RAW.c.created_at, RAW.c.provider, RAW.c.model_id, RAW.c.status, RAW.c.input_tokens,
                   RAW.c.cached_input_tokens, RAW.c.cache_write_tokens, RAW.c.cache_write_1h_tokens,
                   RAW.c.output_tokens, RAW.c.reported_cost_usd, RAW.c.response_id, g.c.total_cost_usd,
                   g.c.input_tokens.label("g_input"), g.c.cache_read_tokens.label("g_cached"),
                   g.c.output_tokens.label("g_output"))
            .select_from(RAW.outerjoin(g, g.c.generation_id == RAW.c.response_id))
            .where(RAW.c.provider.in_(routers), RAW.c.created_at >= since, RAW.c.created_at < until))
    with get_engine().connect() as conn:
        rows = conn.execute(stmt).all()
    for r in rows:
        if r.status in ("error", "refused") and not (r.input_tokens or r.output_tokens):
            continue
        m = smap.match(r.provider, r.model_id)
        acc = accs.setdefault((r.created_at.astimezone(UTC).date(), r.provider, m.model_id), Bucket(m))
        acc.names.add(r.model_id)
        if r.reported_cost_usd is not None:
            cost = Decimal(str(r.reported_cost_usd))
            cached, writes = r.cached_input_tokens, r.cache_write_tokens
            tokens = {"input": max(r.input_tokens - cached - writes, 0), "cache_read": cached,
                      "cache_write_5m": max(writes - r.cache_write_1h_tokens, 0),
                      "cache_write_1h": r.cache_write_1h_tokens, "output": r.output_tokens}
        elif r.total_cost_usd is not None:
            cost = Decimal(str(r.total_cost_usd))
            cached = r.g_cached or 0
            tokens = {"input": max((r.g_input or 0) - cached, 0), "cache_read": cached, "cache_write_5m": 0,
                      "cache_write_1h": 0, "output": r.g_output or 0}
        else:
            acc.unknown_cost += 1
            acc.no_id += r.response_id is None
            continue
        theirs = acc.theirs = acc.theirs or Side(0, dict.fromkeys(KINDS, 0), Decimal(0))
        theirs.calls += 1
        theirs.usd += cost
        theirs.add_tokens(tokens)
