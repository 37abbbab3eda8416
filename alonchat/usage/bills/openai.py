"""OpenAI's bill: the organization Usage API (completions) and Costs API, with an admin key (docs/costs.md).

GET {OPENAI_BASE_URL}/organization/usage/completions and /organization/costs, daily buckets, every page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from . import BilledCost, BilledUsage, BillShapeError, count, text
from .http import AdminHTTP

NAME = "openai"
KEY_ENV = "OPENAI_ADMIN_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"  # the same setting the calls use
DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_IDS_ENV = "ALONCHAT_OPENAI_API_KEY_IDS"  # the API key ids (key_...) AlonChat's calls use
SCOPES_ENV = "ALONCHAT_OPENAI_PROJECT_IDS"  # the projects (proj_...) they belong to
USAGE_LIMIT = 31  # the most daily buckets a usage page holds (documented)
COSTS_LIMIT = 180  # ... and a costs page


def client(key: str, base_url: str | None, sleep: Callable[[float], None]) -> AdminHTTP:
    return AdminHTTP("OpenAI's admin API", NAME, base_url or DEFAULT_BASE_URL,
                     {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                     secret=key, key_env=KEY_ENV, base_url_env=BASE_URL_ENV, sleep=sleep)


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def fetch(http: AdminHTTP, first: date, end: date) -> tuple[list[BilledUsage], list[BilledCost]]:
    """Usage and costs of the UTC days [first, end), grouped by model, API key and project."""
    window = {"start_time": _epoch(first), "end_time": _epoch(end), "bucket_width": "1d"}
    usage = [u for page in http.pages("/organization/usage/completions",
                                      {**window, "group_by": ["model", "api_key_id", "project_id"],
                                       "limit": USAGE_LIMIT})
             for u in parse_usage(page)]
    costs = [c for page in http.pages("/organization/costs",
                                      {**window, "group_by": ["line_item", "project_id"], "limit": COSTS_LIMIT})
             for c in parse_costs(page)]
    return usage, costs


def _buckets(page: dict, where: str):
    data = page.get("data")
    if not isinstance(data, list):
        raise BillShapeError(f"{where}: data is {type(data).__name__}, not a list")
    for i, bucket in enumerate(data):
        start = bucket.get("start_time") if isinstance(bucket, dict) else None
        results = bucket.get("results") if isinstance(bucket, dict) else None
        if isinstance(start, bool) or not isinstance(start, int) or not isinstance(results, list):
            raise BillShapeError(f"{where}: data[{i}] is not a bucket with start_time and results")
        day = datetime.fromtimestamp(start, UTC).date()
        for j, r in enumerate(results):
            if not isinstance(r, dict):
                raise BillShapeError(f"{where}: data[{i}].results[{j}] is not an object")
            yield day, f"{where}: data[{i}].results[{j}]", r


def parse_usage(page: dict) -> list[BilledUsage]:
    """input_tokens includes input_cached_tokens; OpenAI reports no cache-write split (None)."""
    out = []
    for day, where, r in _buckets(page, "usage/completions"):
        total, cached = count(r, "input_tokens", where), count(r, "input_cached_tokens", where)
        tokens = {"input": max(total - cached, 0), "cache_read": cached, "cache_write_5m": None,
                  "cache_write_1h": None, "output": count(r, "output_tokens", where)}
        out.append(BilledUsage(day, text(r, "model"), tokens, text(r, "api_key_id"), text(r, "project_id"),
                               count(r, "num_model_requests", where)))
    return out


def line_item(item: str) -> tuple[str, str]:
    """(model, kind) of a costs line item such as "gpt-4.1-2025-04-14, input"; ("", "other") for web search etc."""
    model, sep, what = item.rpartition(",")
    if not sep or not model.strip():
        return "", "other"
    what = what.strip().lower()
    if "cached" in what or "cache read" in what:
        kind = "cache_read"
    elif "cache write" in what:
        kind = "cache_write_5m"
    elif "input" in what:
        kind = "input"
    elif "output" in what:
        kind = "output"
    else:
        kind = "other"
    return model.strip(), kind


def parse_costs(page: dict) -> list[BilledCost]:
    out = []
    for day, where, r in _buckets(page, "costs"):
        amount = r.get("amount")
        value = amount.get("value") if isinstance(amount, dict) else None
        currency = str(amount.get("currency") or "usd").lower() if isinstance(amount, dict) else "usd"
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise BillShapeError(f"{where}.amount.value is {value!r}, not a number")
        if currency != "usd":
            raise BillShapeError(f"{where}.amount.currency is {currency!r}; AlonChat reconciles USD only")
        try:
            usd = Decimal(str(value))
        except InvalidOperation:
            raise BillShapeError(f"{where}.amount.value is {value!r}, not a number") from None
        item = text(r, "line_item")
        model, kind = line_item(item) if item else ("", "total")
        out.append(BilledCost(day, usd, model, kind, item[:300], text(r, "project_id")))
    return out
