"""The one place that turns usage into dollars (with a receipt), and genai-prices into catalog prices."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from .types import Usage

MILLION = Decimal(1_000_000)
# The four base prices every catalog row has had since 0001 (the seed migration writes these).
BASE_FIELDS = ("input_price", "output_price", "cache_read_price", "cache_write_price")
# Every flat price of a catalog row: the base four and the 1-hour cache write (0009).
PRICE_FIELDS = (*BASE_FIELDS, "cache_write_1h_price")
# Our price fields and genai-prices' price keys, one to one.
GENAI_KEYS = {"input_price": "input_mtok", "output_price": "output_mtok", "cache_read_price": "cache_read_mtok",
              "cache_write_price": "cache_write_mtok", "cache_write_1h_price": "cache_write_1h_mtok"}
# A reported cost (OpenRouter's usage.cost) further than this from ours flags the call.
MISMATCH_TOLERANCE = Decimal("0.000001")
# Which genai-prices provider holds the reference prices for each of our built-in providers, and for
# the OpenAI-compatible endpoints whose usual name is the vendor's (an endpoint called "groq" is Groq).
GENAI_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "gemini": "google",
                  "groq": "groq", "together": "together", "openrouter": "openrouter",
                  "fireworks": "fireworks", "deepseek": "deepseek", "mistral": "mistral"}


@dataclass(frozen=True)
class Tier:
    """Long-context prices: once a call's prompt exceeds `threshold` tokens, each price set here bills the whole call.

    A price left None keeps the base price (or a lower tier's) for that token kind, as genai-prices does.
    """

    threshold: int
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    cache_write_1h_price: Decimal | None = None

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, **{f: getattr(self, f) for f in PRICE_FIELDS}}


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens; None means unknown, and an unknown input or output price makes a call unpriced."""

    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    cache_write_1h_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()

    @classmethod
    def of(cls, row) -> Prices:
        """Prices from anything with the price attributes (a catalog row, a history row, a dict's namespace)."""
        return cls(*(plain_decimal(getattr(row, f, None)) for f in PRICE_FIELDS),
                   tiers=parse_tiers(getattr(row, "tiers", None)))

    @property
    def known(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    @property
    def free(self) -> bool:
        """Every price known or blank, and zero (a local or keyless model): a budget never refuses it."""
        return self.known and not any(self.as_dict().values()) and not self.tiers

    def as_dict(self) -> dict[str, Decimal | None]:
        """The flat prices (tiers apart: see `tiers_json`)."""
        return {f: getattr(self, f) for f in PRICE_FIELDS}

    def rate(self, kind: str, input_tokens: int) -> Decimal | None:
        """One token kind's price for a prompt of `input_tokens`: the highest tier passed that sets it, else base."""
        return self.rate_of(kind, input_tokens)[0]

    def rate_of(self, kind: str, input_tokens: int) -> tuple[Decimal | None, bool]:
        """(price, whether a tier set it): tiers bill once the prompt EXCEEDS their threshold, as genai-prices does."""
        for tier in reversed(self.tiers):
            value = getattr(tier, kind)
            if value is not None and input_tokens > tier.threshold:
                return value, True
        return getattr(self, kind), False

    def tier_for(self, input_tokens: int) -> Tier | None:
        """The highest tier a prompt of `input_tokens` falls into (billed once the prompt exceeds its threshold)."""
        return next((t for t in reversed(self.tiers) if input_tokens > t.threshold), None)


def plain_decimal(value) -> Decimal | None:
    """A plain Decimal (no '0E-9' from the database's fixed scale)."""
    if value is None:
        return None
    d = Decimal(str(value))
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def parse_tiers(value) -> tuple[Tier, ...]:
    """Tiers from the catalog's JSON text (or a list of dicts / Tier), sorted by threshold; None or '' is none."""
    if value is None or value == "":
        return ()
    items = json.loads(value) if isinstance(value, str) else value
    tiers = [t if isinstance(t, Tier) else
             Tier(int(t["threshold"]), *(plain_decimal(t.get(f)) for f in PRICE_FIELDS)) for t in items]
    return tuple(sorted(tiers, key=lambda t: t.threshold))


def tiers_json(tiers) -> str | None:
    """The catalog's stored form of tiers: JSON with prices as decimal strings, None when there are none."""
    tiers = parse_tiers(tiers) if not isinstance(tiers, tuple) else tiers
    if not tiers:
        return None
    return json.dumps([{"threshold": t.threshold, **{f: None if getattr(t, f) is None else f"{getattr(t, f):f}"
                                                    for f in PRICE_FIELDS if getattr(t, f) is not None}}
                       for t in tiers])


_SHORT = {"input_price": "input", "output_price": "output", "cache_read_price": "cache read",
          "cache_write_price": "cache write", "cache_write_1h_price": "cache write 1h"}


def describe_tiers(tiers) -> str:
    """Tiers as people read them: 'above 200,000 tokens: input $2.5, output $15'; 'none' when there are none."""
    tiers = parse_tiers(tiers) if not isinstance(tiers, tuple) else tiers
    if not tiers:
        return "none"
    return "; ".join(f"above {t.threshold:,} tokens: " + ", ".join(
        f"{_SHORT[f]} ${getattr(t, f):f}" for f in PRICE_FIELDS if getattr(t, f) is not None) for t in tiers)


# --- the receipt: how a call's cost was reached ------------------------------------------

@dataclass(frozen=True)
class PriceVersion:
    """Which entry of a model's price history priced a call: when it took effect and where it came from."""

    id: int | None
    effective: datetime | None
    source: str | None
    changed_by: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "effective": self.effective.isoformat() if self.effective else None,
                "source": self.source, "changed_by": self.changed_by}


@dataclass(frozen=True)
class ReceiptLine:
    """One token kind of a call: tokens × rate (USD per 1M) = amount."""

    kind: str
    label: str
    tokens: int
    rate: Decimal
    amount: Decimal
    tiered: bool  # the rate is a long-context tier's, not the base price
    fallback: str | None = None  # the price this kind borrowed when the catalog has none of its own

    def to_json(self) -> dict:
        return {"kind": self.kind, "label": self.label, "tokens": self.tokens, "rate_per_1m": float(self.rate),
                "amount_usd": float(self.amount), "tiered": self.tiered, "fallback": self.fallback}


@dataclass(frozen=True)
class Receipt:
    """Every answer's cost, shown in full: lines, the tier and why, the price version, and how counts were known."""

    usage: Usage
    lines: tuple[ReceiptLine, ...]
    total: Decimal | None
    tier: Tier | None
    tier_reason: str
    version: PriceVersion | None = None
    reported_cost_usd: Decimal | None = None
    unpriced_reason: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def estimated(self) -> bool:
        return self.usage.estimated

    @property
    def cost_mismatch(self) -> bool:
        """The endpoint reported a cost that disagrees with ours by more than a micro-dollar."""
        if self.reported_cost_usd is None or self.total is None:
            return False
        return abs(self.reported_cost_usd - self.total) > MISMATCH_TOLERANCE

    def amount(self, *kinds: str) -> Decimal | None:
        """The summed amount of some token kinds; None when the call is unpriced."""
        if self.total is None:
            return None
        return sum((ln.amount for ln in self.lines if ln.kind in kinds), Decimal(0))

    def to_json(self) -> dict:
        u = self.usage
        return {
            "total_usd": None if self.total is None else float(self.total),
            "total_usd_exact": None if self.total is None else f"{self.total:f}",
            "lines": [ln.to_json() for ln in self.lines],
            "tier": None if self.tier is None else {k: (float(v) if isinstance(v, Decimal) else v)
                                                   for k, v in self.tier.as_dict().items() if v is not None},
            "tier_reason": self.tier_reason,
            "price_version": None if self.version is None else self.version.to_json(),
            "counts": "estimated" if u.estimated else "reported",
            "tokens": {"input": u.input_tokens, "cache_read": u.cached_input_tokens,
                       "cache_write": u.cache_write_tokens, "cache_write_1h": u.cache_write_1h_tokens,
                       "output": u.output_tokens, "reasoning": u.reasoning_tokens},
            "reported_cost_usd": None if self.reported_cost_usd is None else float(self.reported_cost_usd),
            "cost_mismatch": self.cost_mismatch,
            "unpriced_reason": self.unpriced_reason,
            **self.extra,
        }

    def to_text(self) -> str:
        """The receipt as plain lines (the CLI's `usage show`)."""
        out = []
        for ln in self.lines:
            note = " (long-context tier)" if ln.tiered else (f" (at the {ln.fallback})" if ln.fallback else "")
            out.append(f"  {ln.label:<24} {ln.tokens:>12,} × ${ln.rate:f}/1M = ${ln.amount:.6f}{note}")
        total = "unpriced" + (f" ({self.unpriced_reason})" if self.unpriced_reason else "") if self.total is None \
            else f"${self.total:.6f}"
        out.append(f"  {'total':<24} {'':>12}   {total}")
        out.append(f"  tier: {self.tier_reason}")
        if self.version is not None:
            when = self.version.effective.strftime("%Y-%m-%d %H:%M UTC") if self.version.effective else "unknown"
            out.append(f"  prices: version #{self.version.id} in force since {when}, source {self.version.source}")
        out.append("  counts: " + ("estimated by AlonChat (the provider reported none)" if self.estimated
                                   else "reported by the provider"))
        if self.reported_cost_usd is not None:
            flag = "  ← DISAGREES with ours" if self.cost_mismatch else " (agrees)"
            out.append(f"  endpoint-reported cost: ${self.reported_cost_usd:.6f}{flag}")
        return "\n".join(out)


# (kind, label, the kind whose price it borrows when its own is unknown)
_KINDS = (("input_price", "input (uncached)", None), ("cache_read_price", "cache read", "input_price"),
          ("cache_write_price", "cache write (5 min)", "input_price"),
          ("cache_write_1h_price", "cache write (1 hour)", "cache_write_price"),
          ("output_price", "output", None))


def _tokens(usage: Usage) -> dict[str, int]:
    return {
        "input_price": max(usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens, 0),
        "cache_read_price": usage.cached_input_tokens,
        "cache_write_price": max(usage.cache_write_tokens - usage.cache_write_1h_tokens, 0),
        "cache_write_1h_price": usage.cache_write_1h_tokens,
        "output_price": usage.output_tokens,
    }


_PARENT = {k: p for k, _, p in _KINDS}


def effective_rate(prices: Prices, kind: str, input_tokens: int) -> tuple[Decimal | None, str | None, bool]:
    """(rate, kind it fell back to, tiered): an unknown cache price bills as its parent kind, as genai-prices does."""
    own, tiered = prices.rate_of(kind, input_tokens)
    if own is not None or _PARENT.get(kind) is None:
        return own, None, tiered
    rate, _, tiered = effective_rate(prices, _PARENT[kind], input_tokens)
    return rate, _PARENT[kind], tiered


def receipt(usage: Usage, prices: Prices, version: PriceVersion | None = None) -> Receipt:
    """The cost of one call, line by line: the engine's one cost computation (cost_usd is its total).

    Threshold pricing: once the prompt (input_tokens, cache included, as the provider counts it) exceeds a
    tier's threshold, every price that tier sets bills the whole call, not just the tokens above it.
    """
    n = usage.input_tokens
    tier = prices.tier_for(n)
    if tier is None:
        reason = ("no long-context tiers" if not prices.tiers else
                  f"base prices: the prompt's {n:,} tokens do not exceed the first tier's "
                  f"{prices.tiers[0].threshold:,}")
    else:
        reason = (f"long-context tier: the prompt's {n:,} tokens (cache included) exceed {tier.threshold:,}, "
                  "so the tier's prices bill the whole call")
    if not prices.known:
        missing = " and ".join(f for f in ("input", "output") if getattr(prices, f"{f}_price") is None)
        return Receipt(usage, (), None, tier, reason, version, usage.reported_cost_usd,
                       unpriced_reason=f"the catalog has no {missing} price")
    lines = []
    counts = _tokens(usage)
    for kind, label, _ in _KINDS:
        tokens = counts[kind]
        if not tokens and kind not in ("input_price", "output_price"):
            continue
        rate, fallback, tiered = effective_rate(prices, kind, n)
        if kind == "output_price" and usage.reasoning_tokens:
            label = f"output (incl. {usage.reasoning_tokens:,} reasoning)"
        lines.append(ReceiptLine(kind, label, tokens, rate, tokens * rate / MILLION, tiered,
                                 None if fallback is None else fallback.replace("_", " ")))
    # One division at the end: the exact sum genai-prices reaches (it divides each unit, exactly, in Decimal).
    total = sum((ln.tokens * ln.rate for ln in lines), Decimal(0)) / MILLION
    return Receipt(usage, tuple(lines), total, tier, reason, version, usage.reported_cost_usd)


def cost_usd(usage: Usage, prices: Prices) -> Decimal | None:
    """Exact cost of one call (the receipt's total); None (unpriced) when the input or output price is unknown."""
    return receipt(usage, prices).total


def cache_savings_usd(usage: Usage, prices: Prices) -> Decimal | None:
    """What the cached input would have cost at the full input price, minus what it cost; None when unpriced.

    Cache writes are not counted: they cost more than plain input, and a dashboard that netted
    them here would hide that the cache reads paid for them (the writes are in cost_usd already).
    Both prices are those of the tier the call was billed at.
    """
    if not prices.known:
        return None
    n = usage.input_tokens
    read, _, _ = effective_rate(prices, "cache_read_price", n)
    return usage.cached_input_tokens * (prices.rate("input_price", n) - read) / MILLION


# --- genai-prices as the reference ---------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """What genai-prices says of a model: the catalog's seed and the 'check prices' yardstick."""

    ref_id: str
    name: str | None
    context_window: int | None
    prices: Prices
    deprecated: bool


def _split(value) -> tuple[Decimal | None, list[tuple[int, Decimal]]]:
    """(base, [(threshold, price), ...]) of a genai-prices price, tiered or flat."""
    if value is None:
        return None, []
    if hasattr(value, "base"):
        return Decimal(value.base), [(int(t.start), Decimal(t.price)) for t in value.tiers]
    return Decimal(value), []


def from_genai(price) -> Prices:
    """A genai-prices ModelPrice as catalog prices: base prices, and tiers merged by threshold."""
    base: dict[str, Decimal | None] = {}
    by_threshold: dict[int, dict[str, Decimal]] = {}
    for ours, key in GENAI_KEYS.items():
        value, tiers = _split(getattr(price, key, None))
        base[ours] = plain_decimal(value)
        for start, tier_price in tiers:
            by_threshold.setdefault(start, {})[ours] = plain_decimal(tier_price)
    tiers = tuple(Tier(t, **by_threshold[t]) for t in sorted(by_threshold))
    return Prices(**base, tiers=tiers)


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
    return Reference(info.id, info.name, info.context_window, from_genai(price), bool(info.deprecated))

