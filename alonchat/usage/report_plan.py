"""Where each instant of a report's range is read from (daily, hourly or raw rows) and which local day it falls on.

Pure Python, no SQL: reports.py turns a Plan into one query. Local days are worked out here per
hour from the zone's real offsets, so the database only ever matches hour numbers and instants.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import periods

DAY, HOUR = 86400, 3600


@dataclass
class Plan:
    """Daily rows for UTC days [d0, d1) (None = open) counted on day + shift, then hourly and raw pieces.

    hours: (hour, local day, home); raws: (from, to, local day or None, home or None), instants
    [from, to) of the ledger itself. A piece's rows are added to its local day and subtracted from
    its home: the day that a daily row (or an hourly piece) already counted them on.
    """

    days: tuple[int | None, int | None] | None = None
    shift: int = 0
    hours: list[tuple[int, int, int | None]] = field(default_factory=list)
    raws: list[tuple[datetime, datetime, int | None, int | None]] = field(default_factory=list)


def hour_number(dt: datetime, up: bool) -> int:
    """Whole hours since the epoch, rounded up or down."""
    t = int(dt.timestamp())
    return -(-t // HOUR) if up else t // HOUR


def _instant(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class _Days:
    """Exact local days of UTC seconds in one zone: offsets at whole hours, checked inside an hour where they change."""

    def __init__(self, tz: str, first_hour: int, end_hour: int):
        self.zone = periods.zone(tz)
        segments = periods.offset_segments(tz, _instant(first_hour * HOUR), _instant(end_hour * HOUR))
        self.starts = [s for s, _ in segments]
        self.offsets = [o for _, o in segments]
        self.i = 0

    def exact_offset(self, t: int) -> int:
        return int(_instant(t).astimezone(self.zone).utcoffset().total_seconds())

    def _offset_at_hour(self, h: int) -> int:
        t = h * HOUR  # hours are asked for in increasing order (mostly), so walk the segments
        while self.i + 1 < len(self.starts) and self.starts[self.i + 1] <= t:
            self.i += 1
        while self.i > 0 and self.starts[self.i] > t:
            self.i -= 1
        return self.offsets[self.i]

    def parts(self, h: int) -> list[tuple[int, int, int]]:
        """Hour h as [(from second, to second, local day)], one entry per local day it touches."""
        t, end = h * HOUR, (h + 1) * HOUR
        off = self._offset_at_hour(h)
        pieces = [(t, end, off)]
        if self.i + 1 < len(self.starts) and self.starts[self.i + 1] == end and self.exact_offset(end - 1) != off:
            lo, hi = t, end - 1  # the offset changes inside this hour (e.g. Lord Howe's half-hour DST): find the second
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if self.exact_offset(mid) == off else (lo, mid)
            pieces = [(t, hi, off), (hi, end, self.exact_offset(hi))]
        out: list[tuple[int, int, int]] = []
        for a, b, o in pieces:
            first, last = (a + o) // DAY, (b - 1 + o) // DAY
            split = (first + 1) * DAY - o
            cuts = [(a, b, first)] if first == last else [(a, split, first), (split, b, last)]
            for piece in cuts:
                if out and out[-1][2] == piece[2]:
                    out[-1] = (out[-1][0], piece[1], piece[2])
                else:
                    out.append(piece)
        return out


def _partial(days: _Days | None, lo: datetime, hi: datetime, home: int | None = None) -> tuple[list, list]:
    """Hour and raw pieces for [lo, hi) inside one hour: raw rows for it, or the hour minus raw rows for the rest.

    The hour's rows are added (and subtracted from `home`, the day a daily row already counted them
    on); the ledger is read for the smaller side, so a half-hour zone reads at most half of each hour
    it splits, and a range edge at :55 reads five minutes, not fifty-five.
    """
    h = int(lo.timestamp()) // HOUR
    parts = [(0, (h + 1) * HOUR, 0)] if days is None else days.parts(h)
    inside = [(max(lo, _instant(a)), min(hi, _instant(b)), ld) for a, b, ld in parts]
    inside = [(a, b, ld) for a, b, ld in inside if a < b]
    seconds = {ld: 0.0 for *_, ld in parts}
    for a, b, ld in inside:
        seconds[ld] += (b - a).total_seconds()
    big = max(seconds, key=seconds.get)
    if HOUR - seconds[big] >= sum(seconds.values()):  # reading what is inside is the smaller read
        return [], [(a, b, ld, home) for a, b, ld in inside]
    # most of the hour is on one day in the range: take the hour there, and correct the rest raw
    raws = [(a, b, ld, big) for a, b, ld in inside if ld != big]
    raws += [(a, b, None, big) for a, b in ((_instant(h * HOUR), lo), (hi, _instant((h + 1) * HOUR))) if a < b]
    return [] if big == home else [(h, big, home)], raws


def plan(since: datetime | None, until: datetime | None, tz: str | None = None,
         span: tuple[int, int] | None = None) -> Plan:
    """The read plan of [since, until); with tz each piece carries its local day (span: ledger hours, for open ends)."""
    h0 = None if since is None else hour_number(since, up=True)
    h1 = None if until is None else hour_number(until, up=False)
    result = Plan()
    if since is not None and until is not None and h0 >= h1:  # inside one hour: no whole hour to read
        if since < until:
            first = hour_number(since, up=False)
            result.hours, result.raws = _partial(None if tz is None else _Days(tz, first, first + 1), since, until)
        return result
    d0 = None if h0 is None else -(-h0 // 24)
    d1 = None if h1 is None else h1 // 24
    whole_days = d0 is None or d1 is None or d0 < d1
    result.days = (d0, d1) if whole_days else None
    # the whole hours outside whole days, and the hours of whole days (only needed for local days)
    edges = (([] if d0 is None else [(h0, d0 * 24)]) + ([] if d1 is None else [(d1 * 24, h1)])) if whole_days \
        else [(h0, h1)]
    days, inner = None, (0, 0)
    if tz is not None:
        lo_hour = h0 if h0 is not None else (span[0] if span else 0)
        hi_hour = h1 if h1 is not None else (span[1] if span else 0)
        if whole_days:
            inner = ((d0 if d0 is not None else lo_hour // 24) * 24, (d1 if d1 is not None else -(-hi_hour // 24)) * 24)
        lo_all, hi_all = min(lo_hour, inner[0] if whole_days else lo_hour), max(hi_hour, inner[1])
        days = _Days(tz, lo_all - 1, max(hi_all, lo_all) + 1)
    hours, raws = [], []

    def add(piece):
        hours.extend(piece[0])
        raws.extend(piece[1])

    for a, b in edges:
        for h in range(a, b):
            parts = None if days is None else days.parts(h)
            if parts is None or len(parts) == 1:
                hours.append((h, 0 if parts is None else parts[0][2], None))
            else:  # a local midnight inside the hour
                add(_partial(days, _instant(h * HOUR), _instant((h + 1) * HOUR)))
    if days is not None and inner[0] < inner[1]:
        hour_parts = [days.parts(h) for h in range(*inner)]
        # the UTC day's row counts on the local day most of its hours fall on, so the fewest hours move
        result.shift = Counter(p[0][2] - (inner[0] + i) // 24 for i, p in enumerate(hour_parts)).most_common(1)[0][0]
        for i, parts in enumerate(hour_parts):
            h = inner[0] + i
            home = h // 24 + result.shift
            if len(parts) > 1:  # a local midnight inside the hour
                add(_partial(days, _instant(h * HOUR), _instant((h + 1) * HOUR), home))
            elif parts[0][2] != home:
                hours.append((h, parts[0][2], home))
    if h0 is not None and since.timestamp() < h0 * HOUR:
        add(_partial(days, since, _instant(h0 * HOUR)))
    if h1 is not None and until.timestamp() > h1 * HOUR:
        add(_partial(days, _instant(h1 * HOUR), until))
    result.hours, result.raws = sorted(hours), raws
    return result
