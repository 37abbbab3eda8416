"""How numbers read on every page: money, durations, token counts; unpriced is never shown as $0."""

from __future__ import annotations

from decimal import Decimal

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


def duration(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"
