"""Dashboard and CLI aggregates over the ledger: one query over the rollups, raw rows only where an hour is split."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    Integer,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
    values,
)
from sqlalchemy.sql.expression import ColumnElement

from ..core.errors import ValidationError
from ..core.pricing import plain_decimal as plain
from ..storage.engine import get_engine
from . import periods, report_plan
from .report_plan import hour_number
from .rollups import DAILY, HOURLY, KEY, RAW, SUMS, raw_measures

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

def dims(t, f: Filters) -> list:
    conds = []
    for chosen, col in ((f.providers, "provider"), (f.models, "model_name"), (f.users, "user"),
                        (f.statuses, "status"), (f.teams, "team"), (f.sources, "source")):
        if chosen:
            conds.append(t.c[col].in_(chosen))
    return conds


# Hour and day numbers that the plan computed (never user input) are written into the SQL as text:
# binding or compiling hundreds of them cost more than the query, and a long plan would run out of parameters.

def _int_list(numbers) -> ColumnElement:
    return literal_column("(" + ",".join(str(int(n)) for n in numbers) + ")")


def _int_rows(name: str, names: tuple[str, ...], rows: list[tuple]):
    """A CTE of integer rows (None as NULL), as a VALUES list both SQLite and PostgreSQL read."""
    body = ",".join("(" + ",".join("NULL" if v is None else str(int(v)) for v in row) + ")" for row in rows)
    cols = ", ".join(f"CAST(column{i + 1} AS INTEGER) AS {n}" for i, n in enumerate(names))  # typed when all NULL
    return text(f"SELECT {cols} FROM (VALUES {body}) AS v").columns(*(column(n, Integer) for n in names)).cte(name)


def _moved(moved, keys: tuple[str, ...], plan_rows: list[tuple]) -> list:
    """Selects over pieces summed per (ld, home, keys): each sum added on ld and subtracted from home."""
    parts = []
    if any(r[-2] is not None for r in plan_rows):
        parts.append(select(moved.c.ld, *(moved.c[k] for k in keys), *(moved.c[c] for c in SUMS))
                     .where(moved.c.ld.is_not(None)))
    if any(r[-1] is not None for r in plan_rows):
        parts.append(select(moved.c.home.label("ld"), *(moved.c[k] for k in keys),
                            *((-moved.c[c]).label(c) for c in SUMS)).where(moved.c.home.is_not(None)))
    return parts


def _read_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys as the rollups store them after the hour or day: user first (the key), or provider, model (the index).

    Grouping by a stored prefix lets SQLite sum while it reads instead of sorting every row; a model's
    rows also carry its provider, which the final GROUP BY folds away.
    """
    if set(keys) <= {"provider", "model_name"} and keys:
        return ("provider", "model_name") if "model_name" in keys else ("provider",)
    return keys


def _source(f: Filters, p: report_plan.Plan, keys: tuple[str, ...]):
    """Rows of `ld` (local day), the grouped key columns and every sum column, each part pre-summed per (ld, keys).

    Whole UTC days come from the daily rollup, counted on day + shift; the plan's hours are read once
    from the hourly rollup, summed per hour, then added to their local day and subtracted from their
    home; raw pieces (partial hours) come from the ledger; so the sums are exact. Each part reads its
    table in key order where it can (day or hour first, then user), so SQLite sums without sorting.
    """
    parts = []

    def summed(t, first, value, *where):
        """Sums per hour (or day) and keys, grouped in an order the table or its by-model index is stored in."""
        key_cols = [t.c[k] for k in keys]
        return (select(value, *key_cols, *(func.sum(t.c[c]).label(c) for c in SUMS))
                .where(*where).group_by(first, *(t.c[k] for k in _read_order(keys))))

    if p.days is not None:
        d0, d1 = p.days
        conds = ([DAILY.c.day >= d0] if d0 is not None else []) + ([DAILY.c.day < d1] if d1 is not None else [])
        parts.append(summed(DAILY, DAILY.c.day, (DAILY.c.day + p.shift).label("ld"), *dims(DAILY, f), *conds))
    if p.hours:
        hour_map = _int_rows("hour_map", ("hour", "ld", "home"), p.hours)
        # An IN list is read in key order, so SQLite sums per hour as it reads.
        hours_in = HOURLY.c.hour.op("IN")(_int_list(h for h, *_ in p.hours))
        per_hour = summed(HOURLY, HOURLY.c.hour, HOURLY.c.hour, hours_in, *dims(HOURLY, f)).cte("per_hour")
        parts += _moved(select(hour_map.c.ld, hour_map.c.home, *(per_hour.c[k] for k in keys),
                               *(func.sum(per_hour.c[c]).label(c) for c in SUMS))
                        .select_from(per_hour.join(hour_map, per_hour.c.hour == hour_map.c.hour))
                        .group_by(hour_map.c.ld, hour_map.c.home, *(per_hour.c[k] for k in keys)).cte("moved_hours"),
                        keys, p.hours)
    if p.raws:
        m = raw_measures()
        pieces = values(column("a", RAW.c.created_at.type), column("b", RAW.c.created_at.type),
                        column("ld", Integer), column("home", Integer), name="raw_pieces"
                        ).data(p.raws).cte("raw_pieces")
        on = and_(RAW.c.created_at >= pieces.c.a, RAW.c.created_at < pieces.c.b)
        ld, home = cast(pieces.c.ld, Integer), cast(pieces.c.home, Integer)  # typed even when all NULL
        parts += _moved(select(ld.label("ld"), home.label("home"), *(RAW.c[k] for k in keys),
                               *(func.sum(m[c]).label(c) for c in SUMS))
                        .select_from(pieces.join(RAW, on)).where(*dims(RAW, f))
                        .group_by(ld, home, *(RAW.c[k] for k in keys)).cte("moved_raw"),
                        keys, p.raws)
    if not parts:  # an empty range: one row of nothing, so a summary still has its zeros
        parts.append(select(literal(0).label("ld"), *(literal("").label(k) for k in keys),
                            *(literal(0).label(c) for c in SUMS)).where(literal(False)))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _span(conn) -> tuple[int, int]:
    """The ledger's hours [first, last + 1), to close an open range for local days."""
    first, last = conn.execute(select(func.min(HOURLY.c.hour), func.max(HOURLY.c.hour))).one()
    return (first or 0), (last or 0) + 1


def _within(since: datetime | None, until: datetime | None, span: tuple[int, int]):
    """The range cut to the ledger's hours (a day's margin each side): planning local days costs per hour of
    range, and `--until 9998-12-31` would plan millions of empty hours for the same answer."""
    lo, hi = datetime.fromtimestamp((span[0] - 24) * 3600, UTC), datetime.fromtimestamp((span[1] + 24) * 3600, UTC)
    return (None if since is None else max(since, lo)), (None if until is None else min(until, hi))


# --- the one aggregation every report goes through ---------------------------------------------

def _money(value) -> Decimal:
    return plain(value) if value is not None else Decimal(0)


MONEY = ("cost_usd", "cache_savings_usd", "cache_write_usd", "cache_write_1h_usd", "tiered_cost_usd")


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
    with get_engine().connect() as conn:
        if "day" in group:
            span = _span(conn)
            p = report_plan.plan(*_within(f.since, f.until, span), f.tz, span)
        else:
            p = report_plan.plan(f.since, f.until)
        src = _source(f, p, tuple(DIMENSIONS[g] for g in group if g != "day")).subquery("src")
        keys = [(src.c.ld if g == "day" else src.c[DIMENSIONS[g]]).label(g) for g in group]
        sums = [func.sum(src.c[c]).label(c) for c in SUMS]
        stmt = select(*keys, *sums)
        if keys:  # a group can only be empty when moved hours cancelled its rows out
            stmt = stmt.group_by(*keys).having(func.sum(src.c.requests) > 0)
        if order_by_cost:
            stmt = stmt.order_by(literal_column("cost_usd").desc(), literal_column("requests").desc())
        elif keys:
            stmt = stmt.order_by(*keys)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = [_shape(r._asdict()) for r in conn.execute(stmt)]
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
    conds = []
    if f is not None and f.since is not None:
        conds.append(DAILY.c.day >= hour_number(f.since, up=False) // 24)
    if f is not None and f.until is not None:
        conds.append(DAILY.c.day <= hour_number(f.until, up=True) // 24)
    from ..access.identity import actor

    who = actor()
    if not who.is_admin:  # a member's choices come from their own calls: no other user's name is shown
        conds.append(DAILY.c.user == who.email)
    stmt = select(*(DAILY.c[k] for k in KEY)).where(*conds).group_by(*(DAILY.c[k] for k in KEY))
    with get_engine().connect() as conn:
        rows = conn.execute(stmt).all()
    return {dim: sorted({getattr(r, col) for r in rows}) for dim, col in DIMENSIONS.items()}


def first_day(tz: str = "UTC") -> date | None:
    """The local day of the oldest ledger row, for the custom range picker."""
    with get_engine().connect() as conn:
        first = conn.execute(select(func.min(HOURLY.c.hour))).scalar()
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
