"""Dashboard and CLI aggregates over the ledger: one query over the rollups, raw rows only where an hour is split.

Here: the filters, who may read what, the aggregation and what the pages and the CLI ask for. Where each
instant is read from is report_plan.py; the plan as SQL text both databases read, and running it, report_sql.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from ..core.errors import ValidationError
from ..core.pricing import plain_decimal as plain
from ..storage.columns import ROLLUP_KEY as KEY
from ..storage.columns import ROLLUP_SUMS as SUMS
from . import periods, report_plan
from .report_plan import hour_number
from .report_sql import DAILY, HOURLY, Sql, ledger_span, q, read, source, where, within

DIMENSIONS = {"model": "model_name", "provider": "provider", "user": "user", "team": "team", "source": "source",
              "status": "status"}
GROUPS = ("day", *DIMENSIONS)


@dataclass(frozen=True)
class Filters:
    """A slice of the ledger: [since, until) as instants (None = open), dimension filters (empty = all), the zone."""

    since: datetime | None = None
    until: datetime | None = None
    providers: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # core.types.SOURCES; "" for rows written before sources were recorded
    tz: str = "UTC"

    def __post_init__(self):
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))  # the ledger's zone
        for name in ("providers", "models", "users", "statuses", "teams", "sources"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))
        periods.zone(self.tz)
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": f"The range ends ({self.until:%Y-%m-%d %H:%M}) before it starts "
                                            f"({self.since:%Y-%m-%d %H:%M})."})


# --- who may read what: admins everything, members their own rows and their team's totals ---------

def member_view(f: Filters, view: str = "mine") -> Filters:
    """The acting member's slice of `f`: their own calls ("mine") or their team's ("team"); admins get `f`."""
    from dataclasses import replace

    from ..access.identity import actor
    from ..access.teams import team_of

    who = actor()
    if who.is_admin:
        return f
    if view == "team" and team_of(who.email):
        return replace(f, users=(), teams=(team_of(who.email),))
    return replace(f, users=(who.email,), teams=())


def authorize(f: Filters, group: tuple[str, ...] = (), *, rows: bool = False) -> None:
    """Refuse a member's read beyond their own calls and their team's totals (per user or raw rows are theirs only)."""
    from ..access.identity import actor
    from ..access.teams import team_of
    from ..core.errors import PermissionDeniedError

    who = actor()
    if who.is_admin or f.users == (who.email,):
        return
    team = team_of(who.email)
    if team and f.teams == (team,) and not f.users and "user" not in group and not rows:
        return
    raise PermissionDeniedError(f"Members see their own spend and their team's totals only; {who.email} asked "
                                "for more. An admin can see everyone's spend.")


# --- the one aggregation every report goes through ---------------------------------------------

MONEY = ("cost_usd", "cache_savings_usd", "cache_write_usd", "cache_write_1h_usd", "tiered_cost_usd")
MONEY_PLACES = 12  # the ledger's Numeric(24, 12) (storage/tables.py Money)


def _money(value) -> Decimal:
    """A sum of money as a plain Decimal. SQLite sums it as a float: read to the column's places, as SQLAlchemy's
    Numeric reads it there; PostgreSQL hands back a Decimal."""
    if value is None:
        return Decimal(0)
    return plain(f"{value:.{MONEY_PLACES}f}" if isinstance(value, float | int) else value)


def _shape(row: dict) -> dict:
    """Ints as ints, money as Decimal, and cost None (unpriced) when nothing in the group was priced."""
    out = dict(row)
    for c in SUMS:
        if c not in MONEY and c != "latency_ms":
            out[c] = int(out[c] or 0)
    for c in MONEY[1:]:
        out[c] = _money(out[c])
    out["latency_ms"] = float(out["latency_ms"] or 0)
    cost = _money(out["cost_usd"])
    out["cost_usd"] = None if out["priced_requests"] == 0 and out["unpriced_requests"] > 0 else cost
    return out


def aggregate(f: Filters, group: tuple[str, ...] = (), *, order_by_cost: bool = False,
              limit: int | None = None) -> list[dict]:
    """Sums per group ("day" in f.tz, "model", "provider", "user", "status"); one row and no keys for ()."""
    for g in group:
        if g not in GROUPS:
            raise ValidationError({"by": f"Cannot group by {g!r}; use one of {', '.join(GROUPS)}."})
    authorize(f, group)
    if "day" in group:
        span = ledger_span()
        p = report_plan.plan(*within(f.since, f.until, span), f.tz, span)
    else:
        p = report_plan.plan(f.since, f.until)
    sql = Sql()
    ctes, union = source(sql, f, p, tuple(DIMENSIONS[g] for g in group if g != "day"))
    keys = [("src.ld" if g == "day" else f"src.{q(DIMENSIONS[g])}", q(g)) for g in group]
    columns = ", ".join([*(f"{k} AS {label}" for k, label in keys), *(f"sum(src.{q(c)}) AS {q(c)}" for c in SUMS)])
    statement = (f"WITH {', '.join(ctes)} " if ctes else "") + f"SELECT {columns} FROM ({union}) AS src"
    if keys:  # a group can only be empty when moved hours cancelled its rows out
        statement += f" GROUP BY {', '.join(k for k, _ in keys)} HAVING sum(src.requests) > 0"
    if order_by_cost:
        statement += " ORDER BY cost_usd DESC, requests DESC"
    elif keys:
        statement += f" ORDER BY {', '.join(label for _, label in keys)}"
    if limit is not None:
        statement += f" LIMIT {int(limit)}"
    rows = [_shape(r) for r in read(statement, sql.params)]
    for r in rows:
        if "day" in r:
            r["day"] = periods.from_day_number(r["day"])
    return rows


# --- what the dashboard and the CLI ask for ----------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """Headline figures for a range; cost over priced calls, with unpriced calls counted beside it."""

    requests: int
    errors: int
    priced_requests: int
    unpriced_requests: int
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: Decimal | None
    cache_savings_usd: Decimal
    latency_ms: float
    cache_write_1h_tokens: int = 0
    cache_write_usd: Decimal = Decimal(0)  # spend on cache writes, both durations
    cache_write_1h_usd: Decimal = Decimal(0)  # of which on 1-hour writes
    tiered_requests: int = 0  # calls billed at a long-context tier
    tiered_cost_usd: Decimal = Decimal(0)

    @property
    def cache_write_5m_usd(self) -> Decimal:
        return self.cache_write_usd - self.cache_write_1h_usd

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @property
    def unpriced_share(self) -> float | None:
        return self.unpriced_requests / self.requests if self.requests else None

    @property
    def avg_cost_per_request(self) -> Decimal | None:
        """Mean cost of a priced call (unpriced calls have no cost to average)."""
        return self.cost_usd / self.priced_requests if self.priced_requests and self.cost_usd is not None else None

    @property
    def avg_latency_ms(self) -> float | None:
        return self.latency_ms / self.requests if self.requests else None


def summary(f: Filters) -> Summary:
    [row] = aggregate(f)
    return Summary(**row)


def breakdown(by: str, f: Filters, *, limit: int | None = None) -> list[dict]:
    """One row per day (in order) or per model/provider/user/status (most spent first)."""
    if by not in GROUPS:
        raise ValidationError({"by": f"Cannot break down by {by!r}; use one of {', '.join(GROUPS)}."})
    return aggregate(f, (by,), order_by_cost=by != "day", limit=limit)


def top(by: str, f: Filters, n: int = 10) -> list[dict]:
    return breakdown(by, f, limit=n)


def timeseries(by: str | None, f: Filters) -> list[dict]:
    """Per local day, optionally split by model/provider/user: the rows behind the stacked charts."""
    return aggregate(f, ("day",) if by is None else ("day", by))


TOKEN_KINDS = ("input (uncached)", "cached input", "cache write", "output (visible)", "reasoning")


def tokens_by_kind(row: dict) -> dict[str, int]:
    """Split a row's tokens into kinds that add up (cached is part of input, reasoning part of output)."""
    return {
        "input (uncached)": max(row["input_tokens"] - row["cached_input_tokens"] - row["cache_write_tokens"], 0),
        "cached input": row["cached_input_tokens"],
        "cache write": row["cache_write_tokens"],
        "output (visible)": max(row["output_tokens"] - row["reasoning_tokens"], 0),
        "reasoning": row["reasoning_tokens"],
    }


def dimension_values(f: Filters | None = None) -> dict[str, list[str]]:
    """The users, models, providers and statuses present (in the range, when given): filter choices."""
    sql, conds = Sql(), []
    if f is not None and f.since is not None:
        conds.append(f"day >= {hour_number(f.since, up=False) // 24}")
    if f is not None and f.until is not None:
        conds.append(f"day <= {hour_number(f.until, up=True) // 24}")
    from ..access.identity import actor

    who = actor()
    if not who.is_admin:  # a member's choices come from their own calls: no other user's name is shown
        conds.append(f'"user" = {sql.bind(who.email)}')
    key = ", ".join(map(q, KEY))
    rows = read(f"SELECT {key} FROM {DAILY}{where(conds)} GROUP BY {key}", sql.params)
    return {dim: sorted({r[col] for r in rows}) for dim, col in DIMENSIONS.items()}


def first_day(tz: str = "UTC") -> date | None:
    """The local day of the oldest ledger row, for the custom range picker."""
    [row] = read(f"SELECT min(hour) AS first FROM {HOURLY}")
    first = row["first"]
    return None if first is None else datetime.fromtimestamp(first * 3600, UTC).astimezone(periods.zone(tz)).date()


def as_json(row: dict) -> dict:
    """A row with plain JSON types: dates as ISO strings, money as float (None stays null = unpriced)."""
    out = {}
    for k, v in row.items():
        if isinstance(v, Decimal):
            v = float(v)
        elif isinstance(v, date):
            v = v.isoformat()
        out[k] = v
    return out
