"""Dashboard and CLI aggregates over the ledger: one query over the rollups, raw rows only where an hour is split.

The query is SQL text that SQLite and PostgreSQL both read: on SQLite it runs straight on the driver, so
`alonchat usage` loads no SQLAlchemy (bench/startup.py); elsewhere through the engine. Only numbers the
plan computed are written into it; every value a user gave (a filter, an instant) is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from ..core.errors import ValidationError
from ..core.pricing import plain_decimal as plain
from ..storage import sqlite
from ..storage.columns import ROLLUP_KEY as KEY
from ..storage.columns import ROLLUP_SUMS as SUMS
from . import periods, report_plan
from .contributions import measures
from .report_plan import hour_number

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


# --- the source: one query over the pieces of a read plan -------------------------------------

FILTERED = (("providers", "provider"), ("models", "model_name"), ("users", "user"), ("statuses", "status"),
            ("teams", "team"), ("sources", "source"))


def chosen(f: Filters) -> list[tuple[str, tuple[str, ...]]]:
    """(column, values) of each dimension `f` narrows to: the one reading of a filter, in SQL text or Core."""
    return [(col, getattr(f, name)) for name, col in FILTERED if getattr(f, name)]


def dims(t, f: Filters) -> list:
    """The filter as SQLAlchemy conditions on table `t` (exports, receipts: reads built with Core)."""
    return [t.c[col].in_(values) for col, values in chosen(f)]


def _q(name: str) -> str:
    return f'"{name}"'  # "user" is a reserved word in PostgreSQL


RAW, HOURLY, DAILY = _q("usage_records"), _q("usage_rollups"), _q("usage_daily")


class _Sql:
    """Bound parameters of one statement, named :p0, :p1, ... (sqlite3 and SQLAlchemy's text() both read them)."""

    def __init__(self) -> None:
        self.params: dict[str, object] = {}

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def dims(self, t: str, f: Filters) -> list[str]:
        return [f"{t}.{_q(col)} IN ({', '.join(self.bind(v) for v in values)})" for col, values in chosen(f)]


# Hour and day numbers that the plan computed (never user input) are written into the SQL as text:
# binding hundreds of them cost more than the query, and a long plan would run out of parameters.

def _ints(row) -> str:
    return "(" + ",".join("NULL" if v is None else str(int(v)) for v in row) + ")"


def _where(conds: list[str]) -> str:
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def _columns(t: str, keys: tuple[str, ...], sums) -> str:
    """The key columns of `t`, then each sum column as `sums(column)` names it."""
    return ", ".join([*(f"{t}.{_q(k)} AS {_q(k)}" for k in keys), *(f"{sums(c)} AS {_q(c)}" for c in SUMS)])


def _moved(moved: str, keys: tuple[str, ...], plan_rows: list[tuple]) -> list[str]:
    """Selects over pieces summed per (ld, home, keys): each sum added on ld and subtracted from home."""
    parts = []
    if any(r[-2] is not None for r in plan_rows):
        parts.append(f"SELECT {moved}.ld AS ld, {_columns(moved, keys, lambda c: f'{moved}.{_q(c)}')} "
                     f"FROM {moved} WHERE {moved}.ld IS NOT NULL")
    if any(r[-1] is not None for r in plan_rows):
        parts.append(f"SELECT {moved}.home AS ld, {_columns(moved, keys, lambda c: f'-{moved}.{_q(c)}')} "
                     f"FROM {moved} WHERE {moved}.home IS NOT NULL")
    return parts


def _read_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys as the rollups store them after the hour or day: user first (the key), or provider, model (the index).

    Grouping by a stored prefix lets SQLite sum while it reads instead of sorting every row; a model's
    rows also carry its provider, which the final GROUP BY folds away.
    """
    if set(keys) <= {"provider", "model_name"} and keys:
        return ("provider", "model_name") if "model_name" in keys else ("provider",)
    return keys


def _source(sql: _Sql, f: Filters, p: report_plan.Plan, keys: tuple[str, ...]) -> tuple[list[str], str]:
    """(the CTEs, the union): rows of `ld` (local day), the grouped key columns and every sum column, each part
    pre-summed per (ld, keys).

    Whole UTC days come from the daily rollup, counted on day + shift; the plan's hours are read once
    from the hourly rollup, summed per hour, then added to their local day and subtracted from their
    home; raw pieces (partial hours) come from the ledger; so the sums are exact. Each part reads its
    table in key order where it can (day or hour first, then user), so SQLite sums without sorting.
    """
    ctes, parts = [], []

    def summed(t: str, first: str, value: str, conds: list[str]) -> str:
        """Sums per hour (or day) and keys, grouped in an order the table or its by-model index is stored in."""
        group = ", ".join([f"{t}.{first}", *(f"{t}.{_q(k)}" for k in _read_order(keys))])
        return (f"SELECT {value}, {_columns(t, keys, lambda c: f'sum({t}.{_q(c)})')} FROM {t}"
                f"{_where(conds)} GROUP BY {group}")

    if p.days is not None:
        d0, d1 = p.days
        conds = sql.dims(DAILY, f) + ([f"{DAILY}.day >= {int(d0)}"] if d0 is not None else []) + \
            ([f"{DAILY}.day < {int(d1)}"] if d1 is not None else [])
        parts.append(summed(DAILY, "day", f"{DAILY}.day + {int(p.shift)} AS ld", conds))
    if p.hours:
        # An IN list is read in key order, so SQLite sums per hour as it reads.
        hours_in = f"{HOURLY}.hour IN ({','.join(str(int(h)) for h, *_ in p.hours)})"
        per_hour = summed(HOURLY, "hour", f"{HOURLY}.hour AS hour", [hours_in, *sql.dims(HOURLY, f)])
        ctes.append(f"per_hour AS ({per_hour})")
        # typed when a column is all NULL; VALUES columns are column1, column2, ... in both databases
        ctes.append("hour_map AS (SELECT CAST(column1 AS INTEGER) AS hour, CAST(column2 AS INTEGER) AS ld, "
                    f"CAST(column3 AS INTEGER) AS home FROM (VALUES {','.join(map(_ints, p.hours))}) AS v)")
        key_cols = "".join(f", per_hour.{_q(k)}" for k in keys)
        ctes.append(f"moved_hours AS (SELECT hour_map.ld AS ld, hour_map.home AS home, "
                    f"{_columns('per_hour', keys, lambda c: f'sum(per_hour.{_q(c)})')} "
                    "FROM per_hour JOIN hour_map ON per_hour.hour = hour_map.hour "
                    f"GROUP BY hour_map.ld, hour_map.home{key_cols})")
        parts += _moved("moved_hours", keys, p.hours)
    if p.raws:
        pieces = ",".join(f"({sql.bind(a)}, {sql.bind(b)}, {_ints((ld, home))[1:-1]})" for a, b, ld, home in p.raws)
        ctes.append(f"raw_pieces(a, b, ld, home) AS (VALUES {pieces})")
        m = measures(RAW)
        ld, home = "CAST(raw_pieces.ld AS INTEGER)", "CAST(raw_pieces.home AS INTEGER)"  # typed even when all NULL
        key_cols = "".join(f", {RAW}.{_q(k)}" for k in keys)
        on = f"{RAW}.created_at >= raw_pieces.a AND {RAW}.created_at < raw_pieces.b"
        ctes.append(f"moved_raw AS (SELECT {ld} AS ld, {home} AS home, {_columns(RAW, keys, lambda c: f'sum({m[c]})')} "
                    f"FROM raw_pieces JOIN {RAW} ON {on}{_where(sql.dims(RAW, f))} GROUP BY {ld}, {home}{key_cols})")
        parts += _moved("moved_raw", keys, p.raws)
    if not parts:  # an empty range: one row of nothing, so a summary still has its zeros
        nothing = [*(f"'' AS {_q(k)}" for k in keys), *(f"0 AS {_q(c)}" for c in SUMS)]
        parts.append(f"SELECT 0 AS ld, {', '.join(nothing)} WHERE 1 = 0")
    return ctes, " UNION ALL ".join(parts)


def _read(statement: str, params: dict | None = None) -> list[dict]:
    """The rows of one read: on SQLite straight on the driver (no SQLAlchemy loads), elsewhere through the engine."""
    params = params or {}
    with sqlite.fast_path() as dbapi:
        if dbapi is not None:
            cursor = dbapi.execute(statement, {k: sqlite.bound(v) for k, v in params.items()})
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    from sqlalchemy import text

    from ..storage.engine import get_engine

    with get_engine().connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(statement), params)]


def _span() -> tuple[int, int]:
    """The ledger's hours [first, last + 1), to close an open range for local days."""
    [row] = _read(f"SELECT min(hour) AS first, max(hour) AS last FROM {HOURLY}")
    return (row["first"] or 0), (row["last"] or 0) + 1


def _within(since: datetime | None, until: datetime | None, span: tuple[int, int]):
    """The range cut to the ledger's hours (a day's margin each side): planning local days costs per hour of
    range, and `--until 9998-12-31` would plan millions of empty hours for the same answer."""
    lo, hi = datetime.fromtimestamp((span[0] - 24) * 3600, UTC), datetime.fromtimestamp((span[1] + 24) * 3600, UTC)
    return (None if since is None else max(since, lo)), (None if until is None else min(until, hi))


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
        span = _span()
        p = report_plan.plan(*_within(f.since, f.until, span), f.tz, span)
    else:
        p = report_plan.plan(f.since, f.until)
    sql = _Sql()
    ctes, union = _source(sql, f, p, tuple(DIMENSIONS[g] for g in group if g != "day"))
    keys = [("src.ld" if g == "day" else f"src.{_q(DIMENSIONS[g])}", _q(g)) for g in group]
    columns = ", ".join([*(f"{k} AS {label}" for k, label in keys), *(f"sum(src.{_q(c)}) AS {_q(c)}" for c in SUMS)])
    statement = (f"WITH {', '.join(ctes)} " if ctes else "") + f"SELECT {columns} FROM ({union}) AS src"
    if keys:  # a group can only be empty when moved hours cancelled its rows out
        statement += f" GROUP BY {', '.join(k for k, _ in keys)} HAVING sum(src.requests) > 0"
    if order_by_cost:
        statement += " ORDER BY cost_usd DESC, requests DESC"
    elif keys:
        statement += f" ORDER BY {', '.join(label for _, label in keys)}"
    if limit is not None:
        statement += f" LIMIT {int(limit)}"
    rows = [_shape(r) for r in _read(statement, sql.params)]
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
    sql, conds = _Sql(), []
    if f is not None and f.since is not None:
        conds.append(f"day >= {hour_number(f.since, up=False) // 24}")
    if f is not None and f.until is not None:
        conds.append(f"day <= {hour_number(f.until, up=True) // 24}")
    from ..access.identity import actor

    who = actor()
    if not who.is_admin:  # a member's choices come from their own calls: no other user's name is shown
        conds.append(f'"user" = {sql.bind(who.email)}')
    key = ", ".join(map(_q, KEY))
    rows = _read(f"SELECT {key} FROM {DAILY}{_where(conds)} GROUP BY {key}", sql.params)
    return {dim: sorted({r[col] for r in rows}) for dim, col in DIMENSIONS.items()}


def first_day(tz: str = "UTC") -> date | None:
    """The local day of the oldest ledger row, for the custom range picker."""
    [row] = _read(f"SELECT min(hour) AS first FROM {HOURLY}")
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
