"""A budget's amount: what an admin may set, what a stored row still means, and how it reads in a message."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...core.pricing import plain_decimal as plain
from ...core.text import quoted

# What an admin may set: a nano-dollar (the catalog's price precision: tests and trials bound cheap calls with
# tiny budgets) to a billion dollars a month, to 9 decimals. The column (Numeric(24, 12)) holds 12 digits before
# the point and 12 after: 1e30 broke every read, and 1e-13 was stored as $0.00.
MIN_USD, MAX_USD, PLACES = Decimal("0.000000001"), Decimal(1_000_000_000), 9
COLUMN_MAX = Decimal(10) ** 12
AMOUNT_RANGE = f"from ${MIN_USD:f} to ${MAX_USD:,}"


def parse_amount(value) -> Decimal:
    """A monthly amount as given (text, a number, '$50'), checked against MIN_USD..MAX_USD and PLACES (ValueError)."""
    try:
        amount = Decimal(str(value).strip().lstrip("$"))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{quoted(value)} is not an amount: give a monthly budget in US dollars {AMOUNT_RANGE}, "
                         "e.g. 50.") from None
    if not amount.is_finite() or not MIN_USD <= amount <= MAX_USD:
        raise ValueError(f"{quoted(value)} is not an amount {AMOUNT_RANGE}: give a monthly budget in US dollars, "
                         "e.g. 50.")
    amount = amount.normalize()
    if amount.as_tuple().exponent < -PLACES:
        raise ValueError(f"{quoted(value)} has more than {PLACES} decimals: round the monthly budget to the "
                         "nano-dollar.")
    return plain(amount)


def stored_amount(value) -> Decimal | None:
    """A budget's amount as the database holds it, or None when it cannot be used (a row from before
    parse_amount: 1e30 overflowed every read, 1e-13 was stored as $0.00); such a budget is listed as
    'invalid' and enforces nothing until an admin sets or removes it."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return plain(amount) if amount.is_finite() and 0 < amount < COLUMN_MAX else None


def shown(value) -> str:
    """A stored amount for the audit log, even an unusable one."""
    amount = stored_amount(value)
    return str(value) if amount is None else str(amount)


def money(amount) -> str:
    """Dollars and cents, or every decimal of a sub-cent amount (a $0.005 budget is not "$0.01")."""
    amount = Decimal(amount)
    return f"${amount:,.2f}" if amount == round(amount, 2) else f"${amount.normalize():,f}"
