"""Date ranges and local days for reports: presets, time zones, and the UTC offsets a range crosses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..core.errors import ValidationError
from ..core.text import quoted

PRESETS = ("today", "7 days", "30 days", "this month")
EPOCH = date(1970, 1, 1)
# The dates a report may name: wide enough for any ledger, narrow enough for every time zone's arithmetic.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name ("UTC", "Europe/Paris"), with a fix-it message when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValidationError({"tz": f"Unknown time zone {quoted(name)}; use an IANA name such as UTC or "
                                     "Europe/Paris."}) from e


def common_zones() -> list[str]:
    """Zones offered on the page: UTC first, then every IANA region/city name."""
    return ["UTC", *sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))]


def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` starts in `tz`."""
    return datetime.combine(day, time(), tzinfo=zone(tz)).astimezone(UTC)


def day_range(first: date, last: date, tz: str = "UTC") -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in `tz`, as UTC instants; both days included."""
    if last < first:
        raise ValidationError({"until": f"The end date {last} is before the start date {first}."})
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def shown_days(since: datetime, until: datetime, tz: str = "UTC") -> tuple[date, date]:
    """The first and last local day of [since, until), as the page shows the range; `until` is exclusive."""
    z = zone(tz)
    return since.astimezone(z).date(), (until - timedelta(microseconds=1)).astimezone(z).date()


def preset_range(preset: str, tz: str = "UTC", now: datetime | None = None) -> tuple[datetime, datetime]:
    """today / 7 days / 30 days (today included) / this month, in `tz`; the end is the start of tomorrow."""
    today = (now or datetime.now(UTC)).astimezone(zone(tz)).date()
    first = {"today": today, "7 days": today - timedelta(days=6), "30 days": today - timedelta(days=29),
             "this month": today.replace(day=1)}.get(preset)
    if first is None:
        raise ValidationError({"preset": f"Unknown range {preset!r}; pick one of {', '.join(PRESETS)}."})
    return day_range(first, today, tz)


def parse_when(text: str, *, end: bool, tz: str = "UTC") -> datetime:
    """A CLI date: YYYY-MM-DD (a whole day in `tz`; as an end, the day is included) or an ISO datetime."""
    value, key = text.strip(), "until" if end else "since"
    try:
        moment = datetime.combine(date.fromisoformat(value), time()) if len(value) == 10 else \
            datetime.fromisoformat(value)
    except ValueError as e:
        raise ValidationError({key: f"{quoted(text)} is not a date: use YYYY-MM-DD or an ISO "
                                    "datetime such as 2026-11-01T09:00"}) from e
    # Python's datetimes end at year 9999 and start at year 1: the next day of 9999-12-31, or
    # 0001-01-01 east of UTC, overflow. Reports have no use for such dates: refuse them plainly.
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValidationError({key: f"{quoted(text)} is out of range: use a date from {FIRST_DAY} to {LAST_DAY}."})
    if len(value) == 10:
        return local_midnight(moment.date() + timedelta(days=1) if end else moment.date(), tz)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return moment.astimezone(UTC)


def offset_segments(tz: str, lo: datetime, hi: datetime) -> list[tuple[int, int]]:
    """[(from epoch second, UTC offset in seconds)] covering [lo, hi): one entry per offset in force.

    Reports turn a UTC moment into a local day with the offset of its segment, in SQL, so a DST
    change inside the range still puts every hour on its right local day.
    """
    z = zone(tz)

    def off(t: int) -> int:
        return int(datetime.fromtimestamp(t, UTC).astimezone(z).utcoffset().total_seconds())

    start, stop = int(lo.timestamp()) // 3600 * 3600, int(hi.timestamp())
    segments = [(start, off(start))]
    t = start
    while t < stop:  # step a day at a time; bisect to the hour where the offset changed
        nxt = min(t + 86400, stop)
        if off(nxt) != segments[-1][1]:
            a, b = t, nxt
            while b - a > 3600:
                mid = (a + b) // 7200 * 3600
                a, b = (mid, b) if off(mid) == segments[-1][1] else (a, mid)
            segments.append((b, off(b)))
        t = nxt
    return segments


def from_day_number(n: int) -> date:
    return EPOCH + timedelta(days=int(n))
