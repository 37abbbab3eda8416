"""How numbers read on every page: money, durations, token counts; unpriced is never shown as $0."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

UNPRICED = ":orange-badge[unpriced]"
STATUS_BADGE = {
    "error": ":red-badge[:material/error: error]",
    "truncated": ":orange-badge[:material/content_cut: truncated]",
    "cancelled": ":gray-badge[:material/stop_circle: cancelled]",
    "refused": ":red-badge[:material/block: refused by budget]",
}


def money(value: Decimal | float | None, *, badge: bool = True) -> str:
    """Dollars with enough digits for sub-cent calls; None is 'unpriced', never $0."""
    if value is None:
        return UNPRICED if badge else "unpriced"
    value = Decimal(str(value))
    if value == 0:
        return "$0.00"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    if abs(value) >= Decimal("0.01"):
        whole, _, frac = f"{value:.4f}".partition(".")
        return f"${whole}.{frac.rstrip('0').ljust(2, '0')}"
    # Sub-cent calls keep three significant digits, so a real, tiny cost never reads as $0.00.
    whole, _, frac = f"{value:.{2 - value.adjusted()}f}".partition(".")
    return f"${whole}.{frac.rstrip('0').ljust(2, '0')}"


def places(values, significant: int = 2) -> int:
    """Decimal places that show each of `values` with at least `significant` digits (cents at least, 8 at
    most): the one precision of a line of figures, a table column or a chart axis."""
    nonzero = [abs(Decimal(str(v))) for v in values if v is not None and v == v and v != 0]
    return max(2, min(8, significant - 1 - min(nonzero).adjusted())) if nonzero else 2


def money_line(*values: Decimal | float | None) -> list[str]:
    """Amounts shown side by side at one precision ($11.6906 · $0.0043, never $11.69 · $0.00428); None is unpriced."""
    n = places(values)
    step = Decimal(1).scaleb(-n)
    return ["unpriced" if v is None else f"${Decimal(str(v)).quantize(step, ROUND_HALF_UP):,.{n}f}" for v in values]


def money_column(values) -> str:
    """A table column's printf format for dollars at one precision that still shows its smallest amount."""
    return f"$%.{places(values)}f"


def duration(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def short_count(n: int | None) -> str:
    """A token count in a few characters for a tight line: 950, 12.3k, 128k, 1M."""
    if n is None:
        return "–"
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if n >= size:
            value = n / size
            return f"{value:.1f}".rstrip("0").rstrip(".") + unit if value < 100 else f"{value:.0f}{unit}"
    return str(n)
