"""What-if: the filtered calls' token counts priced at another catalogued model's prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..catalog import models as catalog
from ..core.pricing import cost_usd
from ..core.types import Usage
from .reports import Filters, breakdown


@dataclass
class WhatIf:
    """The filtered calls' token counts priced at another model's catalog prices."""

    model: str
    priced: bool  # False: the target model has no price, so nothing can be said
    rows: list[dict] = field(default_factory=list)
    actual_usd: Decimal | None = None
    what_if_usd: Decimal | None = None
    comparable_actual_usd: Decimal | None = None  # over source models whose every call was priced
    comparable_what_if_usd: Decimal | None = None


def what_if(f: Filters, model_name: str) -> WhatIf:
    """What the same tokens would have cost on `model_name` (per source model, and in total)."""
    spec = catalog.resolve(model_name, active_only=False)
    result = WhatIf(spec.name, spec.prices.known)
    actual = what = comp_a = comp_w = Decimal(0)
    any_actual = False
    for row in breakdown("model", f):
        usage = Usage(input_tokens=row["input_tokens"], cached_input_tokens=row["cached_input_tokens"],
                      cache_write_tokens=row["cache_write_tokens"], output_tokens=row["output_tokens"],
                      reasoning_tokens=row["reasoning_tokens"])
        hypothetical = cost_usd(usage, spec.prices)  # linear in tokens: the sum prices like the calls
        result.rows.append({**row, "what_if_usd": hypothetical})
        if row["cost_usd"] is not None:
            actual += row["cost_usd"]
            any_actual = True
        if hypothetical is not None:
            what += hypothetical
            if row["unpriced_requests"] == 0 and row["cost_usd"] is not None:
                comp_a += row["cost_usd"]
                comp_w += hypothetical
    result.actual_usd = actual if any_actual else None
    if spec.prices.known:
        result.what_if_usd, result.comparable_actual_usd, result.comparable_what_if_usd = what, comp_a, comp_w
    return result
