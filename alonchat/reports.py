"""Dashboard and CLI aggregates over the ledger: rollups for whole hours, raw rows only for a range's partial edges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import case, func, literal, literal_column, select, union_all

from . import periods
from .db import get_engine
from .errors import ValidationError
from .pricing import _dec as plain
from .rollups import DAILY, HOURLY, KEY, RAW, SUMS, epoch_hour, epoch_second, raw_measures

DIMENSIONS = {"model": "model_name", "provider": "provider", "user": "user", "status": "status"}
GROUPS = ("day", *DIMENSIONS)


@dataclass(frozen=True)
class Filters:
    """A slice of the ledger: [since, until) as instants (None = open), dimension filters (empty = all), display zone."""

    since: datetime | None = None
    until: datetime | None = None
    providers: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    tz: str = "UTC"

    def __post_init__(self):
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))  # the ledger's zone
        for name in ("providers", "models", "users", "statuses"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))
        periods.zone(self.tz)
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": f"The range ends ({self.until:%Y-%m-%d %H:%M}) before it starts "
                                            f"({self.since:%Y-%m-%d %H:%M})."})


# --- the source: rollup hours inside the range, raw rows for its partial edges -----------------

def _dims(t, f: Filters) -> list:
    conds = []
    for values, col in ((f.providers, "provider"), (f.models, "model_name"), (f.users, "user"),
                        (f.statuses, "status")):
        if values:
            conds.append(t.c[col].in_(values))
    return conds


def _hour(dt: datetime, up: bool) -> int:
    t = int(dt.timestamp())
    return -(-t // 3600) if up else t // 3600


def _between(col, lo: int | None, hi: int | None) -> list:
    return ([col >= lo] if lo is not None else []) + ([col < hi] if hi is not None else [])


def _offset_at(t: int, segments: list[tuple[int, int]]) -> int:
    return next((off for start, off in reversed(segments) if t >= start), segments[0][1])


def _moved_runs(d0: int, d1: int, segments, shift: int) -> list[tuple[int, int]]:
    """Hour ranges inside UTC days [d0, d1) whose local day is not their UTC day + shift (the offset's hours)."""
    runs: list[list[int]] = []
    for h in range(d0 * 24, d1 * 24):
        t = h * 3600
        if (t + _offset_at(t, segments)) // 86400 != h // 24 + shift:
            if runs and runs[-1][1] == h:
                runs[-1][1] = h + 1
            else:
                runs.append([h, h + 1])
    return [tuple(r) for r in runs]


def _source(f: Filters, *, raw_only: bool = False, segments=None, span=None):
    """Rows with `ld` (local day, when `segments` are given), the key columns and every sum column.

    Whole UTC days come from the daily rollup, the remaining whole hours from the hourly one, and
    only the partial hours at the ends of the range from the raw ledger, so the sums are exact.
    For local days in a zone other than UTC, a UTC day's row counts on the local day most of its
    hours fall on, and the few hours that belong to the neighbouring day are moved there from the
    hourly rollup (added to their local day, subtracted from the UTC day's).
    """
    m = raw_measures()
    zero = literal(0)

    def ld_of(t):
        return zero if segments is None else _local_day(t, segments)

    def raw(lo: datetime | None, hi: datetime | None):
        conds = _dims(RAW, f) + ([RAW.c.created_at >= lo] if lo is not None else []) + (
            [RAW.c.created_at < hi] if hi is not None else [])
        t = epoch_second(RAW.c.created_at) if raw_only else epoch_hour(RAW.c.created_at) * 3600
        return select(ld_of(t).label("ld"), *(RAW.c[k] for k in KEY), *(m[c].label(c) for c in SUMS)).where(*conds)

    def hourly(conds, ld=None, sign=1):
        return select((ld_of(HOURLY.c.hour * 3600) if ld is None else ld).label("ld"), *(HOURLY.c[k] for k in KEY),
                      *((HOURLY.c[c] if sign > 0 else -HOURLY.c[c]).label(c) for c in SUMS)
                      ).where(*_dims(HOURLY, f), *conds)

    if raw_only:
        return raw(f.since, f.until)
    h0 = None if f.since is None else _hour(f.since, up=True)
    h1 = None if f.until is None else _hour(f.until, up=False)
    if h0 is not None and h1 is not None and h0 >= h1:  # inside one hour: no whole hour to read
        return raw(f.since, f.until)
    parts = []
    d0 = None if h0 is None else -(-h0 // 24)
    d1 = None if h1 is None else h1 // 24
    if d0 is None or d1 is None or d0 < d1:
        shift = 0 if segments is None else round(segments[0][1] / 86400)
        ld = zero if segments is None else DAILY.c.day + shift
        parts.append(select(ld.label("ld"), *(DAILY.c[k] for k in KEY), *(DAILY.c[c] for c in SUMS))
                     .where(*_dims(DAILY, f), *_between(DAILY.c.day, d0, d1)))
        if segments is not None:
            lo_day = d0 if d0 is not None else _hour(span[0], up=False) // 24
            hi_day = d1 if d1 is not None else _hour(span[1], up=True) // 24 + 1
            moved_hours = [h for a, b in _moved_runs(lo_day, hi_day, segments, shift) for h in range(a, b)]
            if moved_hours:  # an IN list, so the database seeks each hour instead of scanning the table
                moved = [HOURLY.c.hour.in_(moved_hours)]
                parts.append(hourly(moved))
                parts.append(hourly(moved, ld=HOURLY.c.hour // 24 + shift, sign=-1))
        if d0 is not None and h0 < d0 * 24:
            parts.append(hourly(_between(HOURLY.c.hour, h0, d0 * 24)))
        if d1 is not None and d1 * 24 < h1:
            parts.append(hourly(_between(HOURLY.c.hour, d1 * 24, h1)))
    else:
        parts.append(hourly(_between(HOURLY.c.hour, h0, h1)))
    if h0 is not None and f.since.timestamp() < h0 * 3600:
        parts.append(raw(f.since, datetime.fromtimestamp(h0 * 3600, UTC)))
    if h1 is not None and f.until.timestamp() > h1 * 3600:
        parts.append(raw(datetime.fromtimestamp(h1 * 3600, UTC), f.until))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _bounds(conn, f: Filters) -> tuple[datetime, datetime]:
    """The range to look up UTC offsets over; an open end is closed at the ledger's first or last hour."""
    lo, hi = f.since, f.until
    if lo is None or hi is None:
        first, last = conn.execute(select(func.min(HOURLY.c.hour), func.max(HOURLY.c.hour))).one()
        lo = lo or datetime.fromtimestamp((first or 0) * 3600, UTC)
        hi = hi or datetime.fromtimestamp(((last or 0) + 1) * 3600, UTC)
    return lo, max(lo, hi)


def _local_day(t, segments: list[tuple[int, int]]):
    """Days since the epoch in the display zone, with each segment's UTC offset (exact across DST changes)."""
    if len(segments) == 1:
        offset = literal(segments[0][1])
    else:
        offset = case(*((t < start, prev) for (start, _), (_, prev) in zip(segments[1:], segments, strict=False)),
                      else_=segments[-1][1])
    return (t + offset) // 86400


# --- the one aggregation every report goes through ---------------------------------------------

def _money(value) -> Decimal:
    return plain(value) if value is not None else Decimal(0)


def _shape(row: dict) -> dict:
    """Ints as ints, money as Decimal, and cost None (unpriced) when nothing in the group was priced."""
    out = dict(row)
    for c in SUMS:
        if c not in ("cost_usd", "cache_savings_usd", "latency_ms"):
            out[c] = int(out[c] or 0)
    out["cache_savings_usd"] = _money(out["cache_savings_usd"])
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
    with get_engine().connect() as conn:
        segments = span = None
        raw_only = False
        if "day" in group:
            span = _bounds(conn, f)
            segments = periods.offset_segments(f.tz, *span)
            raw_only = not all(off % 3600 == 0 for _, off in segments)  # e.g. UTC+5:30: hours straddle days
        src = _source(f, raw_only=raw_only, segments=segments, span=span).subquery("src")
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
        conds.append(DAILY.c.day >= _hour(f.since, up=False) // 24)
    if f is not None and f.until is not None:
        conds.append(DAILY.c.day <= _hour(f.until, up=True) // 24)
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
