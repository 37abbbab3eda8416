"""OpenRouter's bill is per call: the cost on each response (already in the ledger), else GET /generation?id=.

An OpenRouter endpoint is a provider_endpoints row named "openrouter" or whose base URL is
openrouter.ai; its own base URL and key are used, as for its calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from . import BillShapeError, count, text
from .http import AdminHTTP


@dataclass(frozen=True)
class Generation:
    """What OpenRouter says one generation cost and used (native tokens: as the upstream provider counts them)."""

    generation_id: str
    model: str
    total_cost_usd: Decimal | None
    input_tokens: int | None  # cache reads included
    cache_read_tokens: int | None
    output_tokens: int | None


def is_openrouter(name: str, base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return name.lower() == "openrouter" or host == "openrouter.ai" or host.endswith(".openrouter.ai")


def client(name: str, base_url: str, key: str | None, key_env: str | None,
           sleep: Callable[[float], None]) -> AdminHTTP:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return AdminHTTP(f"OpenRouter ({name})", name, base_url, headers, secret=key, key_env=key_env,
                     base_url_env=None, sleep=sleep)


def lookup(http: AdminHTTP, generation_id: str) -> Generation | None:
    """The generation's cost and tokens; None while OpenRouter has not stored it yet (404)."""
    body = http.get("/generation", {"id": generation_id}, missing_ok=True)
    if body is None:
        return None
    data = body.get("data")
    if not isinstance(data, dict):
        raise BillShapeError("generation: data is not an object")
    cost = data.get("total_cost")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float | str)):
        raise BillShapeError(f"generation.total_cost is {cost!r}, not a number")
    try:
        usd = None if cost is None else Decimal(str(cost))
    except InvalidOperation:
        raise BillShapeError(f"generation.total_cost is {cost!r}, not a number") from None
    return Generation(generation_id, text(data, "model"), usd,
                      *(count(data, k, "generation", None) for k in ("native_tokens_prompt", "native_tokens_cached",
                                                                    "native_tokens_completion")))
