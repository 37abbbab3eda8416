"""The ledger against the provider's bill: per UTC day × provider × model, ours and theirs, the gap, a status and why.

Reads only the database (the ledger's daily rollups, raw rows for OpenRouter, the stored bill), so it
works offline once a bill was fetched; fetching is usage/bills/store.py. Admins only.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ...access.identity import require_admin
from ...catalog.snapshots import Match, SnapshotMap, catalog_map
from ...core.errors import ValidationError
from ...core.pricing import MILLION, Prices, effective_rate
from ...storage.engine import get_engine
from ...storage.tables import AIModel, BillingGeneration, ModelPrice
from ..bills import KIND_LABELS, KINDS, settings
from ..bills import gemini as gemini_bill
from ..bills.store import VENDORS, Stored, openrouter_endpoints, read
from ..rollups import DAILY, RAW

STATUSES = ("match", "over", "under", "provider_only", "ours_only")
EPOCH = date(1970, 1, 1)
# Our price field for each kind of a bill (the fallbacks of pricing.effective_rate apply).
PRICE_OF = {"input": "input_price", "cache_read": "cache_read_price", "cache_write_5m": "cache_write_price",
            "cache_write_1h": "cache_write_1h_price", "output": "output_price"}
OTHER = "(other charges)"  # the row of charges the provider does not attribute to a model


@dataclass(frozen=True)
class Tolerance:
    """A gap within `percent` of the larger side, or under `usd` dollars, is a match (tokens: `percent` only).

    1% absorbs the providers' own rounding (OpenAI rounds amounts, Anthropic reports fractional cents)
    and a stray estimated count; a real difference (a cache write the ledger missed, another key's
    usage, a price change) is larger than that on any day with real spend.
    """

    percent: Decimal = Decimal(1)
    usd: Decimal = Decimal("0.01")

    def __post_init__(self):
        if not Decimal(0) <= Decimal(self.percent) <= Decimal(100):
            raise ValidationError({"tolerance": f"The tolerance {self.percent} is not a percentage between 0 and 100."})
        if Decimal(self.usd) < 0:
            raise ValidationError({"tolerance": "The dollar tolerance cannot be negative."})

    def close(self, a, b, floor: Decimal | int = 0) -> bool:
        a, b = Decimal(a), Decimal(b)
        return abs(b - a) <= max(Decimal(floor), Decimal(self.percent) / 100 * max(abs(a), abs(b)))


@dataclass
class Side:
    """One side of a row: calls, tokens by kind (None = not reported apart) and dollars (None = unknown)."""

    calls: int | None = None
    tokens: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    usd: Decimal | None = None

    def add_tokens(self, tokens: dict[str, int | None]) -> None:
        for k in KINDS:
            if tokens.get(k) is not None:
                self.tokens[k] = (self.tokens[k] or 0) + tokens[k]

    @property
    def total_tokens(self) -> int:
        return sum(n or 0 for n in self.tokens.values())

    def to_json(self) -> dict:
        return {"calls": self.calls, "usd": _num(self.usd), "tokens": dict(self.tokens)}


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class Row:
    """One UTC day × provider × model."""

    day: date
    provider: str
    model: str  # the catalog name(s), or the provider's name when nothing in the catalog matches
    model_id: str
    mapped: bool
    provider_models: tuple[str, ...]  # names the provider billed it under (dated snapshots)
    ours: Side | None
    theirs: Side | None
    status: str = "match"
    gap_usd: Decimal | None = None
    gap_tokens: dict[str, int | None] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    over_tolerance: bool = False

    def to_json(self) -> dict:
        o, t = self.ours or Side(0), self.theirs
        return {
            "day": self.day.isoformat(), "provider": self.provider, "model": self.model, "model_id": self.model_id,
            "mapped": self.mapped, "provider_models": list(self.provider_models), "status": self.status,
            "ours_usd": _num(o.usd), "provider_usd": _num(t.usd) if t else None, "gap_usd": _num(self.gap_usd),
            "ours_calls": o.calls, "provider_calls": t.calls if t else None,
            "ours_tokens": dict(o.tokens), "provider_tokens": dict(t.tokens) if t else dict.fromkeys(KINDS),
            "gap_tokens": dict(self.gap_tokens), "explanation": " ".join(self.explanation),
            "over_tolerance": self.over_tolerance,
        }


CSV_COLUMNS = ("day", "provider", "model", "model_id", "mapped", "provider_models", "status", "ours_usd",
               "provider_usd", "gap_usd", "ours_calls", "provider_calls",
               *(f"ours_{k}_tokens" for k in KINDS), *(f"provider_{k}_tokens" for k in KINDS),
               *(f"gap_{k}_tokens" for k in KINDS), "explanation", "over_tolerance")


@dataclass(frozen=True)
class Total:
    """A month's totals (of one provider, or all when provider is None), the gap also as a percentage of the bill."""

    month: str
    provider: str | None
    ours_usd: Decimal
    provider_usd: Decimal
    gap_usd: Decimal
    gap_percent: Decimal | None

    def to_json(self) -> dict:
        return {"month": self.month, "provider": self.provider, "ours_usd": float(self.ours_usd),
                "provider_usd": float(self.provider_usd), "gap_usd": float(self.gap_usd),
                "gap_percent": _num(self.gap_percent)}


@dataclass
class Reconciliation:
    first: date
    last: date
    tolerance: Tolerance
    rows: list[Row]
    unchecked: dict[str, str]  # provider -> why it could not be reconciled
    fetched: dict[str, datetime | None]  # provider -> the latest fetch of its stored bill in the range

    @property
    def over_tolerance(self) -> bool:
        return any(r.over_tolerance for r in self.rows)

    @property
    def unmapped(self) -> list[tuple[str, str]]:
        """(provider, name) the bill used that no catalog model matches."""
        return sorted({(r.provider, n) for r in self.rows if not r.mapped and r.model != OTHER
                       for n in r.provider_models or (r.model,)})

    def months(self) -> list[Total]:
        """Per month: every provider together first, then each provider."""
        sums: dict[tuple[str, str | None], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for r in self.rows:
            month = r.day.strftime("%Y-%m")
            for key in ((month, None), (month, r.provider)):
                sums[key][0] += (r.ours.usd or 0) if r.ours else 0
                sums[key][1] += (r.theirs.usd or 0) if r.theirs else 0
        out = []
        for (month, provider), (ours, theirs) in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            gap = theirs - ours
            out.append(Total(month, provider, ours, theirs, gap, gap / theirs * 100 if theirs else None))
        return out

    def daily(self) -> list[tuple[date, Decimal, Decimal]]:
        """(day, ledger dollars, provider dollars) over every reconciled provider, for the chart."""
        sums: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for r in self.rows:
            sums[r.day][0] += (r.ours.usd or 0) if r.ours else 0
            sums[r.day][1] += (r.theirs.usd or 0) if r.theirs else 0
        return [(d, a, b) for d, (a, b) in sorted(sums.items())]

    def to_json(self) -> dict:
        return {"first_day": self.first.isoformat(), "last_day": self.last.isoformat(), "days": "UTC",
                "tolerance": {"percent": float(self.tolerance.percent), "usd": float(self.tolerance.usd)},
                "over_tolerance": self.over_tolerance, "rows": [r.to_json() for r in self.rows],
                "months": [t.to_json() for t in self.months()], "unchecked": self.unchecked,
                "unmapped": [{"provider": p, "model": m} for p, m in self.unmapped],
                "fetched_at": {p: t.isoformat() if t else None for p, t in self.fetched.items()}}

    def to_csv(self) -> str:
        from ...core.text import safe_cell

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in self.rows:
            j = r.to_json()
            flat = {**j, "provider_models": " ".join(j["provider_models"]),
                    **{f"ours_{k}_tokens": j["ours_tokens"][k] for k in KINDS},
                    **{f"provider_{k}_tokens": j["provider_tokens"][k] for k in KINDS},
                    **{f"gap_{k}_tokens": j["gap_tokens"].get(k) for k in KINDS}}
            writer.writerow([safe_cell(flat[c]) for c in CSV_COLUMNS])
        return out.getvalue()


# --- gathering both sides ---------------------------------------------------------------------

@dataclass
class _Acc:
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


def _day_number(d: date) -> int:
    return (d - EPOCH).days


def _checked(first: date, last: date, providers: tuple[str, ...], stored: Stored,
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


def _ours(first: date, last: date, checked: list[str], smap: SnapshotMap, accs: dict) -> None:
    """The ledger's calls per UTC day, provider and model, from the daily rollups."""
    t = DAILY
    sums = [func.sum(t.c[c]).label(c) for c in (
        "requests", "priced_requests", "unpriced_requests", "tiered_requests", "input_tokens", "cached_input_tokens",
        "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "cost_usd")]
    stmt = (select(t.c.day, t.c.provider, t.c.model_name, t.c.status, *sums)
            .where(t.c.day >= _day_number(first), t.c.day <= _day_number(last), t.c.provider.in_(checked))
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
        acc = accs.setdefault((day, r.provider, m.model_id), _Acc(m))
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


def _theirs_api(provider: str, stored: Stored, smap: SnapshotMap, accs: dict) -> None:
    """An admin API's usage and costs: only AlonChat's keys and projects when they are configured."""
    vendor = VENDORS[provider]
    key_ids, scopes = set(settings.id_list(vendor.KEY_IDS_ENV)), set(settings.id_list(vendor.SCOPES_ENV))
    for s in stored.usage:
        u = s.usage
        if s.provider != provider or (scopes and u.scope not in scopes):
            continue
        m = smap.match(provider, u.model)
        acc = accs.setdefault((u.day, provider, m.model_id), _Acc(m))
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
        acc = accs.setdefault((c.day, provider, m.model_id), _Acc(m))
        if c.model:
            acc.names.add(c.model)
        acc.costs[c.kind] = acc.costs.get(c.kind, Decimal(0)) + c.amount_usd
        acc.items.add(c.item)
        acc.theirs = acc.theirs or Side(None, dict.fromkeys(KINDS))
    for (_, p, _), acc in accs.items():
        if p == provider and acc.theirs is not None and acc.costs:
            acc.theirs.usd = _share(acc) if acc.other_keys else sum(acc.costs.values(), Decimal(0))


def _share(acc: _Acc) -> Decimal:
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


def _theirs_csv(provider: str, stored: Stored, smap: SnapshotMap, accs: dict) -> None:
    """A billing export: dollars only."""
    for s in stored.costs:
        c = s.cost
        if s.provider != provider:
            continue
        m = smap.match(provider, c.model) if c.model else Match(OTHER, ())
        acc = accs.setdefault((c.day, provider, m.model_id), _Acc(m))
        acc.items.add(c.item)
        acc.names.add(c.item)
        acc.costs[c.kind] = acc.costs.get(c.kind, Decimal(0)) + c.amount_usd
        theirs = acc.theirs = acc.theirs or Side(None, dict.fromkeys(KINDS))
        theirs.usd = (theirs.usd or Decimal(0)) + c.amount_usd


def _theirs_per_call(first: date, last: date, routers: list[str], smap: SnapshotMap, accs: dict) -> None:
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
        acc = accs.setdefault((r.created_at.astimezone(UTC).date(), r.provider, m.model_id), _Acc(m))
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


# --- prices, to explain a dollar gap ----------------------------------------------------------

def _price_history(names: Iterable[str]) -> dict[str, list[tuple[datetime, Prices]]]:
    m, p = AIModel.__table__, ModelPrice.__table__
    names = list(set(names))
    if not names:
        return {}
    out: dict[str, list[tuple[datetime, Prices]]] = defaultdict(list)
    with get_engine().connect() as conn:
        for r in conn.execute(select(m.c.name, p).join(m, m.c.id == p.c.model_pk).where(m.c.name.in_(names))
                              .order_by(p.c.changed_at, p.c.id)):
            out[r.name].append((r.changed_at, Prices.of(r)))
    return out


def _catalog_rates(history: list[tuple[datetime, Prices]], day: date, kind: str) -> list[tuple[Decimal, datetime]]:
    """The catalog's rates for `kind` in force at some time of the UTC day, with the date each took effect.

    A day before the catalog's first recorded price (history starts when the model was added) gets that
    first price: the ledger's calls of that day were priced with something no later than it.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    versions = [(when, prices) for when, prices in history if when < end]
    live = [v for v in versions if v[0] >= start]
    before = [v for v in versions if v[0] < start][-1:] or ([] if live else history[:1])
    out = []
    for when, prices in before + live:
        rate, _, _ = effective_rate(prices, PRICE_OF[kind], 0)
        if rate is not None:
            out.append((rate, when))
    return out


def _provider_rates(acc: _Acc) -> dict[str, Decimal]:
    """USD per 1M the provider billed per kind: the kind's cost over all its tokens that day (all keys)."""
    out = {}
    for kind in KINDS:
        tokens = acc.all_tokens.get(kind)
        if tokens and kind in acc.costs:
            out[kind] = acc.costs[kind] / tokens * MILLION
    return out


def _per_m(rate: Decimal) -> str:
    text = format(rate.quantize(Decimal("0.0001")).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}/1M"


# --- the comparison ---------------------------------------------------------------------------

def _compare(row: Row, tol: Tolerance) -> None:
    ours, theirs = row.ours, row.theirs
    if theirs is None:
        row.status, row.gap_usd = "ours_only", None if ours.usd is None else -ours.usd
        row.gap_tokens = {k: -(ours.tokens[k] or 0) for k in KINDS}
        row.over_tolerance = (ours.usd or 0) > tol.usd or (ours.usd is None and ours.total_tokens > 0)
        return
    if ours is None:
        row.status, row.gap_usd = "provider_only", theirs.usd
        row.gap_tokens = dict(theirs.tokens)
        row.over_tolerance = (theirs.usd or 0) > tol.usd or (theirs.usd is None and theirs.total_tokens > 0)
        return
    # A kind the provider does not report apart is inside its input (OpenAI counts cache writes as input).
    folded = dict(ours.tokens)
    for k in KINDS:
        if theirs.tokens[k] is None and k != "input" and theirs.tokens["input"] is not None:
            folded["input"] = (folded["input"] or 0) + (folded[k] or 0)
    row.gap_tokens = {k: None if theirs.tokens[k] is None else theirs.tokens[k] - (folded[k] or 0) for k in KINDS}
    if theirs.usd is not None:
        row.gap_usd = theirs.usd - (ours.usd or 0)  # an unpriced ledger priced nothing of it
    usd_ok = theirs.usd is None or tol.close(ours.usd or 0, theirs.usd, tol.usd)
    tokens_ok = all(theirs.tokens[k] is None or tol.close(folded[k] or 0, theirs.tokens[k]) for k in KINDS)
    if usd_ok and tokens_ok:
        row.status = "match"
        return
    if not usd_ok:
        direction = row.gap_usd
    else:
        direction = sum(g for g in row.gap_tokens.values() if g is not None)
    row.status = "over" if direction > 0 else "under"
    row.over_tolerance = True


def _explain(row: Row, acc: _Acc, tol: Tolerance, ctx: dict) -> None:
    say = row.explanation.append
    mismatch = row.status != "match"
    if not row.mapped and row.model != OTHER:
        say(f"No catalog model matches {', '.join(sorted(acc.names)) or row.model_id}: shown as the provider "
            "names it; add it to the catalog (or fix its model id) to compare it with the ledger's calls.")
    if row.model == OTHER:
        say("Billed apart from any model: " + "; ".join(sorted(i for i in acc.items if i)) + ".")
    if row.theirs is None and row.ours is not None:
        if acc.unknown_cost:
            say(f"{acc.unknown_cost} call(s) have no cost from {row.provider} yet" + (
                f" ({acc.no_id} without a generation id to look up)" if acc.no_id else
                ": fetch the bill to look them up by generation id") + ".")
        elif row.day not in ctx["fetched"].get(row.provider, {}) and row.provider not in ctx["routers"]:
            say(f"No bill is stored for this UTC day of {row.provider}: fetch it"
                + (" or import the billing CSV." if row.provider == gemini_bill.NAME else "."))
        else:
            say("The provider reports no usage of this model on this UTC day.")
    if row.ours is None and row.theirs is not None and row.model != OTHER:
        say("AlonChat recorded no calls of this model on this UTC day.")
    # token kinds that differ
    if row.ours is not None and row.theirs is not None:
        for k in KINDS:
            gap, theirs = row.gap_tokens.get(k), row.theirs.tokens[k]
            if gap is None or tol.close(theirs - gap, theirs):
                continue
            ours_k = theirs - gap
            if ours_k == 0:
                say(f"{KIND_LABELS[k].capitalize()}: the provider billed {theirs:,} tokens the ledger did not see.")
            elif theirs == 0:
                say(f"{KIND_LABELS[k].capitalize()}: the ledger has {ours_k:,} tokens the provider did not bill.")
            else:
                say(f"{KIND_LABELS[k].capitalize()}: the provider billed {theirs:,} tokens, the ledger {ours_k:,} "
                    f"({gap:+,}).")
    # usage from keys AlonChat does not use
    if acc.other_keys:
        keys = ", ".join(k or "no key (Console)" for k in sorted(acc.other_keys))
        say(f"Left out {sum(acc.other_keys.values()):,} tokens from API keys AlonChat does not use ({keys}).")
    elif mismatch and len(acc.keys) > 1 and row.provider in VENDORS:
        keys = ", ".join(k or "no key (Console)" for k in sorted(acc.keys))
        say(f"The provider reports usage from {len(acc.keys)} API keys ({keys}): set "
            f"{VENDORS[row.provider].KEY_IDS_ENV} to the ids of the keys AlonChat uses to leave the others out.")
    # calls we recorded as cancelled or truncated
    broken = {s: acc.statuses[s] for s in ("cancelled", "truncated") if acc.statuses[s]}
    if mismatch and broken:
        say(" and ".join(f"{n} call(s) recorded as {s}" for s, n in broken.items())
            + ": their usage is estimated, and the provider bills what it processed before the stop.")
    if mismatch and acc.unpriced:
        say(f"{acc.unpriced} of the ledger's calls are unpriced (the catalog has no price for this model).")
    if mismatch and acc.tiered:
        say(f"{acc.tiered} call(s) were billed at a long-context tier.")
    # prices that differ, or changed
    if row.ours is not None and row.theirs is not None:
        for kind, rate in ctx["rates"].get((row.day, row.provider, row.model_id), {}).items():
            catalog = [] if not acc.match.names else _catalog_rates(ctx["history"].get(acc.match.names[0], []),
                                                                    row.day, kind)
            if not catalog or any(tol.close(r, rate) for r, _ in catalog):
                continue
            ours_rate, since = catalog[-1]
            say(f"{KIND_LABELS[kind].capitalize()}: the provider billed {_per_m(rate)}, the catalog has "
                f"{_per_m(ours_rate)} (its price {'since' if since.date() <= row.day else 'recorded on'} "
                f"{since:%Y-%m-%d}).")
            change = ctx["changes"].get((row.provider, row.model_id, kind))
            if change and change[1] <= row.day:
                before, after, old, new = change
                when = (f"on {after:%Y-%m-%d}" if after - before == timedelta(days=1) else
                        f"between {before:%Y-%m-%d} and {after:%Y-%m-%d}")
                say(f"The provider's {KIND_LABELS[kind]} price changed {when} ({_per_m(old)} → {_per_m(new)}); "
                    "update the catalog's price.")
    if row.theirs is not None and row.theirs.usd is None and row.ours is not None and row.provider in VENDORS:
        say("The provider's cost report has no amount for this model on this day: compared on tokens only.")
    if acc.unknown_cost and row.theirs is not None:
        say(f"{acc.unknown_cost} call(s) have no cost from {row.provider} yet and are left out of its side.")
    if row.status in ("over", "under") and not row.explanation:
        say("The data gives no reason: compare this day's calls with the provider's own logs.")


def _price_changes(rates: dict) -> dict[tuple[str, str, str], tuple[date, date, Decimal, Decimal]]:
    """Where the provider's rate for a model and kind first changed in the range: (last day at the old rate, first
    day at the new one, old rate, new rate); days without usage in between tell nothing."""
    series: dict[tuple[str, str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    for (day, provider, model_id), kinds in rates.items():
        for kind, rate in kinds.items():
            series[(provider, model_id, kind)].append((day, rate))
    out = {}
    for key, points in series.items():
        points.sort()
        for (day_before, before), (day, after) in zip(points, points[1:], strict=False):
            if not Tolerance().close(before, after):
                out[key] = (day_before, day, before, after)
                break
    return out


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
            DAILY.c.day >= _day_number(first), DAILY.c.day <= _day_number(last))).scalars())
    checked, unchecked, routers = _checked(first, last, chosen, stored, used)
    smap = catalog_map()
    accs: dict[tuple[date, str, str], _Acc] = {}
    if checked:
        _ours(first, last, checked, smap, accs)
    for p in checked:
        if p in VENDORS:
            _theirs_api(p, stored, smap, accs)
        elif p == gemini_bill.NAME:
            _theirs_csv(p, stored, smap, accs)
    per_call = [p for p in checked if p in routers]
    if per_call:
        _theirs_per_call(first, last, per_call, smap, accs)
    rates = {key: _provider_rates(acc) for key, acc in accs.items()}
    ctx = {"fetched": stored.fetched, "routers": routers, "rates": rates, "changes": _price_changes(rates),
           "history": _price_history(n for acc in accs.values() for n in acc.match.names)}
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
        _compare(row, tol)
        _explain(row, acc, tol, ctx)
        rows.append(row)
    fetched = {p: max(stored.fetched[p].values()) if stored.fetched.get(p) else None for p in checked}
    return Reconciliation(first, last, tol, rows, unchecked, fetched)
