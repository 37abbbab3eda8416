"""Long-context tiers as a person types them: one check for the form, the CLI and the import."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator

from ..core.pricing import PRICE_FIELDS, tiers_json
from .validation import blank_to_none

MAX_TOKENS_BOUND = 100_000_000
MAX_PRICE = 10_000  # USD per 1M tokens; anything above is a unit mistake, not a price
TIER_PRICES = PRICE_FIELDS
TIER_LABELS = {"input_price": "input", "output_price": "output", "cache_read_price": "cache read",
                "cache_write_price": "cache write", "cache_write_1h_price": "cache write 1h"}


def check_tiers(value) -> str | None:
    """Tiers as typed (a list of dicts, or their JSON): whole numbers, no negative price, ascending; stored as JSON.

    Blank means no tiers; a row with nothing in it is dropped; a row with a threshold but no price (or a
    price but no threshold) is half-written and refused.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError('must be a JSON list like [{"threshold": 200000, "input_price": 6}].') from None
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ValueError("must be a list of tiers, each with a threshold and at least one price.")
    tiers, last = [], 0
    for i, raw in enumerate(value, start=1):
        unknown = set(raw) - {"threshold", *TIER_PRICES}
        if unknown:
            raise ValueError(f"Tier {i} has unknown fields ({', '.join(sorted(map(str, unknown)))}); use threshold "
                             f"and {', '.join(TIER_PRICES)}.")
        cells = {k: blank_to_none(v) for k, v in raw.items()}
        cells = {k: (None if isinstance(v, float) and v != v else v) for k, v in cells.items()}  # NaN = empty
        if all(v is None for v in cells.values()):
            continue
        threshold = cells.get("threshold")
        if threshold is None:
            raise ValueError(f"Tier {i} has prices but no threshold; give the prompt size it starts above, "
                             "or clear the row.")
        try:
            threshold = Decimal(str(threshold))
        except ArithmeticError:
            raise ValueError(f"Tier {i}'s threshold must be a whole number of tokens, e.g. 200000.") from None
        if isinstance(cells["threshold"], bool) or threshold != threshold.to_integral_value() or not (
                1 <= threshold <= MAX_TOKENS_BOUND):
            raise ValueError(f"Tier {i}'s threshold must be a whole number of tokens from 1 to "
                             f"{MAX_TOKENS_BOUND:,}, e.g. 200000.")
        if threshold <= last:
            raise ValueError(f"Tier thresholds must go up: tier {i} ({int(threshold):,}) is not above "
                             f"the tier before it ({last:,}).")
        last = int(threshold)
        prices = {}
        for f in TIER_PRICES:
            v = cells.get(f)
            if v is None:
                continue
            try:
                d = Decimal(str(v))
            except ArithmeticError:
                raise ValueError(f"Tier {i}'s {TIER_LABELS[f]} price must be a number in USD per 1M tokens.") \
                    from None
            if isinstance(v, bool) or not d.is_finite() or d < 0:
                raise ValueError(f"Tier {i}'s {TIER_LABELS[f]} price can't be negative; leave it empty to keep "
                                 "the base price.")
            if d >= MAX_PRICE:
                raise ValueError(f"Tier {i}'s {TIER_LABELS[f]} price must be below {MAX_PRICE:,} USD per 1M "
                                 "tokens; check it is per million tokens.")
            prices[f] = d
        if not prices:
            raise ValueError(f"Tier {i} has a threshold but no price; give at least one price, or clear the row.")
        tiers.append({"threshold": last, **prices})
    return tiers_json(tiers)


TiersIn = Annotated[str | None, BeforeValidator(check_tiers)]
