"""The one place that turns usage into dollars, and genai-prices into catalog prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from .core import Usage

MILLION = Decimal(1_000_000)
PRICE_FIELDS = ("input_price", "output_price", "cache_read_price", "cache_write_price")
# Which genai-prices provider holds the reference prices for each of our built-in providers, and for
# the OpenAI-compatible endpoints whose usual name is the vendor's (an endpoint called "groq" is Groq).
GENAI_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "gemini": "google",
                  "groq": "groq", "together": "together", "openrouter": "openrouter",
                  "fireworks": "fireworks", "deepseek": "deepseek", "mistral": "mistral"}


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens; None means unknown, and an unknown input or output price makes a call unpriced."""

    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None

    @classmethod
    def of(cls, row) -> Prices:
        """Prices from anything with the four price attributes (a catalog row, a history row)."""
        return cls(*(plain_decimal(getattr(row, f, None)) for f in PRICE_FIELDS))

    @property
    def known(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    def as_dict(self) -> dict[str, Decimal | None]:
        return {f: getattr(self, f) for f in PRICE_FIELDS}


def plain_decimal(value) -> Decimal | None:
    """A plain Decimal (no '0E-9' from the database's fixed scale)."""
    if value is None:
        return None
    d = Decimal(str(value))
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def cost_usd(usage: Usage, prices: Prices) -> Decimal | None:
    """Exact cost of one call; None (unpriced) when the input or output price is unknown.

    Cached reads and cache writes are carved out of input_tokens and billed at their own
    prices; a cache price the catalog does not know falls back to the input price, which is
    what providers without a cache discount bill.
    """
    if not prices.known:
        return None
    read = prices.cache_read_price if prices.cache_read_price is not None else prices.input_price
    write = prices.cache_write_price if prices.cache_write_price is not None else prices.input_price
    plain = max(usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens, 0)
    total = (
        plain * prices.input_price
        + usage.cached_input_tokens * read
        + usage.cache_write_tokens * write
        + usage.output_tokens * prices.output_price
    )
    return total / MILLION


@dataclass(frozen=True)
class Reference:
    """What genai-prices says of a model: the catalog's seed and the 'check prices' yardstick."""

    ref_id: str
    name: str | None
    context_window: int | None
    prices: Prices
    deprecated: bool


def _base(value) -> Decimal | None:
    """The base tier of a tiered price: the rate for prompts under the long-context threshold."""
    if value is None:
        return None
    return Decimal(value.base) if hasattr(value, "base") else Decimal(value)


@lru_cache(maxsize=4096)
def reference(provider: str, model_id: str, at: datetime | None = None) -> Reference | None:
    """genai-prices' data for a model of one of our providers, resolved to the prices in force at `at`."""
    from genai_prices import data_snapshot

    pid = GENAI_PROVIDER.get(provider)
    if pid is None or not model_id.strip():
        return None
    snapshot = data_snapshot.get_snapshot()
    try:
        _, info = snapshot.find_provider_model(model_id.strip(), None, pid, None)
    except LookupError:
        return None
    price = info.get_prices(at or datetime.now(UTC)) if hasattr(info, "get_prices") else info.prices
    values = [
        _base(getattr(price, k, None))
        for k in ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok")
    ]
    return Reference(info.id, info.name, info.context_window, Prices(*values), bool(info.deprecated))


def cache_savings_usd(usage: Usage, prices: Prices) -> Decimal | None:
    """What the cached input would have cost at the full input price, minus what it cost; None when unpriced.

    Cache writes are not counted: they cost more than plain input, and a dashboard that netted
    them here would hide that the cache reads paid for them (the writes are in cost_usd already).
    """
    if not prices.known:
        return None
    read = prices.cache_read_price if prices.cache_read_price is not None else prices.input_price
    return usage.cached_input_tokens * (prices.input_price - read) / MILLION
