"""The stored bill: fetch (or import) what providers billed, keep it with its fetch time, read it back offline.

A day is fetched again only while it may still change: until it has been fetched SETTLE after it
ended. Everything a fetch returns is gathered first and written in one transaction, so a failed
or partial fetch leaves the stored bill as it was. Fetches and imports are admin actions, audited.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, insert, select

from ...access import audit
from ...access.identity import require_admin
from ...core.errors import MissingKeyError, ProviderError, ValidationError
from ...storage.engine import get_engine
from ...storage.tables import BillingCost, BillingFetch, BillingGeneration, BillingUsage, UsageRecord, utcnow
from . import KINDS, BilledCost, BilledUsage, BillShapeError, anthropic, gemini, openai, openrouter, settings

SETTLE = timedelta(days=2)  # providers finish a day's usage and costs within this; later fetches find no change
VENDORS = {"openai": openai, "anthropic": anthropic}  # the providers with an admin API
_FETCHES, _USAGE, _COSTS = BillingFetch.__table__, BillingUsage.__table__, BillingCost.__table__
_GENERATIONS, _RAW = BillingGeneration.__table__, UsageRecord.__table__
_COLUMN = {"input": "input_tokens", "cache_read": "cache_read_tokens", "cache_write_5m": "cache_write_5m_tokens",
           "cache_write_1h": "cache_write_1h_tokens", "output": "output_tokens"}


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _runs(days: list[date]) -> list[list[date]]:
    """Consecutive days grouped, so each run is one query window."""
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and d - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


# --- where each provider's bill comes from -----------------------------------------------------

@dataclass(frozen=True)
class Source:
    """How one provider's bill reaches AlonChat, whether it can be fetched now, and what is stored."""

    provider: str
    how: str  # "admin API", "billing CSV" or "per call"
    setting: str | None  # the env var (or secrets.toml name) of the admin key; never its value
    configured: bool
    note: str
    fetched_at: datetime | None = None  # the latest fetch or import stored
    days: int = 0  # UTC days stored


def openrouter_endpoints() -> list[tuple[str, str, str | None]]:
    """(name, base URL, key env var) of every OpenRouter endpoint in the catalog."""
    from ...storage.tables import ProviderEndpoint

    t = ProviderEndpoint.__table__
    with get_engine().connect() as conn:
        rows = conn.execute(select(t.c.name, t.c.base_url, t.c.api_key_env).order_by(t.c.name)).all()
    return [(r.name, r.base_url, r.api_key_env) for r in rows if openrouter.is_openrouter(r.name, r.base_url)]


def sources() -> list[Source]:
    """Every provider AlonChat can reconcile, with its source; admins only."""
    require_admin("see the provider bills")
    with get_engine().connect() as conn:
        stored: dict[str, tuple[datetime | None, int]] = {}
        for r in conn.execute(select(_FETCHES.c.provider, _FETCHES.c.fetched_at)):
            latest, days = stored.get(r.provider, (None, 0))
            stored[r.provider] = (max(latest, r.fetched_at) if latest else r.fetched_at, days + 1)
    out = []
    for name, vendor in VENDORS.items():
        key = settings.setting(vendor.KEY_ENV) is not None
        note = ("" if key else f"Set {vendor.KEY_ENV} (an admin key) in the environment or secrets.toml to fetch.")
        out.append(Source(name, "admin API", vendor.KEY_ENV, key, note, *stored.get(name, (None, 0))))
    out.append(Source(gemini.NAME, "billing CSV", None, True,
                      "Google has no usage or cost API: import a CSV of the Cloud Billing export.",
                      *stored.get(gemini.NAME, (None, 0))))
    for name, _, key_env in openrouter_endpoints():
        ok = key_env is None or settings.setting(key_env) is not None
        out.append(Source(name, "per call", key_env, ok, "Each response carries its cost; calls without one are "
                          "looked up by generation id."))
    return out


# --- fetching -------------------------------------------------------------------------------

@dataclass
class FetchReport:
    """What one fetch did: the days fetched, those left alone (settled), rows stored, HTTP requests and waits."""

    provider: str
    days: list[date] = field(default_factory=list)
    settled: list[date] = field(default_factory=list)
    rows: int = 0
    requests: int = 0
    waits: list[float] = field(default_factory=list)
    pending: int = 0  # OpenRouter: generations not stored by OpenRouter yet (try again later)

    def describe(self) -> str:
        if not self.days and not self.rows:
            what = "nothing to fetch"
        elif self.provider in VENDORS or self.provider == gemini.NAME:
            what = f"{len(self.days)} day(s), {self.rows} row(s)"
        else:
            what = f"{self.rows} generation(s) looked up"
        extra = f"; {len(self.settled)} settled day(s) kept" if self.settled else ""
        extra += f"; {self.pending} not available yet" if self.pending else ""
        extra += f"; waited {sum(self.waits):g} s as asked" if self.waits else ""
        return f"{self.provider}: {what}{extra}."


def stale_days(provider: str, first: date, last: date, now: datetime | None = None) -> tuple[list[date], list[date]]:
    """(days to fetch, settled days kept) in [first, last], never past today (UTC)."""
    now = now or datetime.now(UTC)
    last = min(last, now.date())
    with get_engine().connect() as conn:
        fetched = {r.day: r.fetched_at for r in conn.execute(
            select(_FETCHES.c.day, _FETCHES.c.fetched_at).where(
                _FETCHES.c.provider == provider, _FETCHES.c.day >= first, _FETCHES.c.day <= last))}
    stale, settled = [], []
    for d in days_between(first, last) if first <= last else []:
        day_end = datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1)
        (settled if d in fetched and fetched[d] >= day_end + SETTLE else stale).append(d)
    return stale, settled


def fetch(provider: str, first: date, last: date, *, force: bool = False, now: datetime | None = None,
          sleep: Callable[[float], None] = time.sleep) -> FetchReport:
    """Fetch the provider's usage and costs for the UTC days [first, last] that may still change; admins only."""
    who = require_admin("fetch the provider's bill")
    vendor = VENDORS.get(provider)
    if vendor is None:
        raise ValidationError(f"'{provider}' has no billing API AlonChat can fetch; fetchable: "
                              f"{', '.join(VENDORS)} (Gemini: import a billing CSV; OpenRouter: per call).")
    key = settings.setting(vendor.KEY_ENV)
    if key is None:
        raise MissingKeyError(f"{provider} billing", [vendor.KEY_ENV],
                              "It must be an admin key of the organization, not the key calls use.")
    now = now or datetime.now(UTC)
    stale, settled = stale_days(provider, first, last, now)
    if force:
        stale, settled = sorted(stale + settled), []
    report = FetchReport(provider, stale, settled)
    if not stale:
        return report
    usage: list[BilledUsage] = []
    costs: list[BilledCost] = []
    with vendor.client(key, settings.setting(vendor.BASE_URL_ENV), sleep) as http:
        try:
            for run in _runs(stale):
                u, c = vendor.fetch(http, run[0], run[-1] + timedelta(days=1))
                usage += u
                costs += c
        except BillShapeError as e:
            raise ProviderError(f"{http.label} answered in a shape AlonChat does not know ({e}); nothing was "
                                "stored. Try again later, or report it.", provider=provider) from e
        finally:
            report.requests, report.waits = http.requests, list(http.waits)
    wanted = set(stale)
    usage = [u for u in usage if u.day in wanted]
    costs = [c for c in costs if c.day in wanted]
    report.rows = len(usage) + len(costs)
    with get_engine().begin() as conn:
        _replace(conn, provider, stale, usage, costs, "api", now)
        audit.record("bill", f"{provider} {stale[0]}..{stale[-1]}", "fetch",
                     {"days": [None, len(stale)], "rows": [None, report.rows]}, who.email, conn)
    return report


def _replace(conn, provider: str, days: list[date], usage: list[BilledUsage], costs: list[BilledCost],
             source: str, now: datetime) -> None:
    """The stored bill of these days becomes exactly this (usage and costs summed per key)."""
    for table in (_USAGE, _COSTS, _FETCHES):
        conn.execute(delete(table).where(table.c.provider == provider, table.c.day.in_(days)))
    summed: dict[tuple, dict] = {}
    for u in usage:
        key = (u.day, u.model, u.api_key_id, u.scope)
        row = summed.setdefault(key, {"provider": provider, "day": u.day, "model": u.model[:200],
                                      "api_key_id": u.api_key_id[:200], "scope": u.scope[:200], "requests": None,
                                      **{_COLUMN[k]: None for k in KINDS}, "fetched_at": now})
        if u.requests is not None:
            row["requests"] = (row["requests"] or 0) + u.requests
        for k in KINDS:
            if u.tokens.get(k) is not None:
                row[_COLUMN[k]] = (row[_COLUMN[k]] or 0) + u.tokens[k]
    if summed:
        conn.execute(insert(_USAGE), list(summed.values()))
    if costs:
        conn.execute(insert(_COSTS), [{"provider": provider, "day": c.day, "model": c.model[:200], "kind": c.kind,
                                       "item": c.item[:300], "scope": c.scope[:200], "amount_usd": c.amount_usd,
                                       "source": source, "fetched_at": now} for c in costs])
    conn.execute(insert(_FETCHES), [{"provider": provider, "day": d, "fetched_at": now, "source": source}
                                    for d in days])


def import_csv(text: str, name: str = "billing export", provider: str = gemini.NAME) -> FetchReport:
    """Import a billing-export CSV (Gemini): its days' stored costs become the file's; admins only."""
    who = require_admin("import a billing export")
    from ...catalog.snapshots import undated
    from ...storage.tables import AIModel

    t = AIModel.__table__
    with get_engine().connect() as conn:
        ids = {undated(m) for m in conn.execute(select(t.c.model_id).where(t.c.provider == provider)).scalars()}
    costs = gemini.parse_csv(text, ids)
    days = sorted({c.day for c in costs})
    now = utcnow()
    with get_engine().begin() as conn:
        _replace(conn, provider, days, [], costs, "csv", now)
        audit.record("bill", f"{provider} {days[0]}..{days[-1]}", "import",
                     {"file": [None, name[:100]], "days": [None, len(days)], "rows": [None, len(costs)]},
                     who.email, conn)
    return FetchReport(provider, days, rows=len(costs))


def fetch_generations(first: date, last: date, *, sleep: Callable[[float], None] = time.sleep) -> list[FetchReport]:
    """Look up OpenRouter calls in [first, last] whose response carried no cost; admins only."""
    who = require_admin("fetch the provider's bill")
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    until = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    reports = []
    for name, base_url, key_env in openrouter_endpoints():
        with get_engine().connect() as conn:
            known = select(_GENERATIONS.c.generation_id)
            ids = list(conn.execute(select(_RAW.c.response_id).distinct().where(
                _RAW.c.provider == name, _RAW.c.created_at >= since, _RAW.c.created_at < until,
                _RAW.c.reported_cost_usd.is_(None), _RAW.c.response_id.is_not(None), _RAW.c.status != "error",
                _RAW.c.response_id.not_in(known))).scalars())
        report = FetchReport(name)
        reports.append(report)
        if not ids:
            continue
        key = settings.setting(key_env) if key_env else None
        found = []
        with openrouter.client(name, base_url, key, key_env, sleep) as http:
            try:
                for gid in ids:
                    g = openrouter.lookup(http, gid)
                    if g is None:
                        report.pending += 1
                    else:
                        found.append(g)
            except BillShapeError as e:
                raise ProviderError(f"{http.label} answered in a shape AlonChat does not know ({e}); nothing was "
                                    "stored.", provider=name) from e
            finally:
                report.requests, report.waits = http.requests, list(http.waits)
        report.rows = len(found)
        if found:
            now = utcnow()
            with get_engine().begin() as conn:
                conn.execute(insert(_GENERATIONS), [
                    {"generation_id": g.generation_id, "provider": name, "model": g.model[:200],
                     "total_cost_usd": g.total_cost_usd, "input_tokens": g.input_tokens,
                     "cache_read_tokens": g.cache_read_tokens, "output_tokens": g.output_tokens, "fetched_at": now}
                    for g in found])
                audit.record("bill", f"{name} {first}..{last}", "fetch", {"generations": [None, len(found)]},
                             who.email, conn)
    return reports


# --- reading it back (offline) ---------------------------------------------------------------

@dataclass(frozen=True)
class StoredUsage:
    provider: str
    usage: BilledUsage


@dataclass(frozen=True)
class StoredCost:
    provider: str
    cost: BilledCost


@dataclass
class Stored:
    """The stored bill of [first, last]: usage and cost rows, and when each provider day was fetched."""

    usage: list[StoredUsage] = field(default_factory=list)
    costs: list[StoredCost] = field(default_factory=list)
    fetched: dict[str, dict[date, datetime]] = field(default_factory=dict)  # provider -> day -> fetched_at


def read(first: date, last: date, providers: Iterable[str] | None = None) -> Stored:
    """What was stored for the UTC days [first, last] (no network)."""
    chosen = tuple(providers or ())
    out = Stored()
    with get_engine().connect() as conn:
        def rows(table):
            stmt = select(table).where(table.c.day >= first, table.c.day <= last)
            return conn.execute(stmt.where(table.c.provider.in_(chosen)) if chosen else stmt)

        for r in rows(_FETCHES):
            out.fetched.setdefault(r.provider, {})[r.day] = r.fetched_at
        for r in rows(_USAGE):
            tokens = {k: getattr(r, _COLUMN[k]) for k in KINDS}
            out.usage.append(StoredUsage(r.provider, BilledUsage(r.day, r.model, tokens, r.api_key_id, r.scope,
                                                                 r.requests)))
        for r in rows(_COSTS):
            amount = Decimal(str(r.amount_usd))
            out.costs.append(StoredCost(r.provider, BilledCost(r.day, amount, r.model, r.kind, r.item, r.scope)))
    return out
