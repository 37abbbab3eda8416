"""What providers billed, per UTC day: fetched through their admin APIs (or a billing CSV) and kept with its fetch time.

One module per source (openai, anthropic, openrouter, gemini) turns the vendor's documented shape into
the rows below; http.py is the one way they talk HTTP; store.py keeps what was fetched. The comparison
with the ledger is usage/reconcile/, which never talks HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Token kinds as bills split them, each counted once: input is the uncached part.
KINDS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")
KIND_LABELS = {"input": "uncached input", "cache_read": "cache reads", "cache_write_5m": "cache writes (5 min)",
               "cache_write_1h": "cache writes (1 hour)", "output": "output"}


@dataclass(frozen=True)
class BilledUsage:
    """Tokens a provider reports it served on one UTC day, for one model (as it names it), key and project."""

    day: date
    model: str
    tokens: dict[str, int | None]  # KINDS -> count; None = the provider does not report that kind apart
    api_key_id: str = ""
    scope: str = ""  # OpenAI project id or Anthropic workspace id
    requests: int | None = None


@dataclass(frozen=True)
class BilledCost:
    """Dollars a provider billed on one UTC day for one line item."""

    day: date
    amount_usd: Decimal
    model: str = ""  # "" = not attributed to a model (web search, a charge the provider does not split)
    kind: str = "total"  # one of KINDS, "total" (not split by kind) or "other"
    item: str = ""  # the line item or description as the provider wrote it
    scope: str = ""


@dataclass
class Bill:
    """One fetch of one provider: the days it covers (even those with no usage) and what it said of them."""

    provider: str
    days: list[date]
    usage: list[BilledUsage] = field(default_factory=list)
    costs: list[BilledCost] = field(default_factory=list)


class BillShapeError(ValueError):
    """A reply in a shape the vendor does not document: never stored, reported with where it broke."""


def count(fields: dict, key: str, where: str, missing: int | None = 0) -> int | None:
    """A token count from a bill: absent or null is `missing`; a whole float (12.0) is a count; else a shape error."""
    value = fields.get(key)
    if value is None:
        return missing
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BillShapeError(f"{where}.{key} is {value!r}, not a token count")
    return value


def text(fields: dict, key: str) -> str:
    """A text field of a bill; "" when absent or null (a field the query did not group by)."""
    value = fields.get(key)
    return value if isinstance(value, str) else ""
