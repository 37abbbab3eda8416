"""Anthropic's bill: the Admin API's messages usage report and cost report, with an admin key (docs/costs.md).

GET {ANTHROPIC_BASE_URL}/v1/organizations/usage_report/messages and /v1/organizations/cost_report,
daily buckets, every page; amounts are decimal strings in cents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from . import BilledCost, BilledUsage, BillShapeError, count, text
from .http import AdminHTTP

NAME = "anthropic"
KEY_ENV = "ANTHROPIC_ADMIN_KEY"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"  # the same setting the calls use
DEFAULT_BASE_URL = "https://api.anthropic.com"
VERSION = "2023-06-01"  # the anthropic-version the Admin API documents
KEY_IDS_ENV = "ALONCHAT_ANTHROPIC_API_KEY_IDS"  # the API key ids (apikey_...) AlonChat's calls use
SCOPES_ENV = "ALONCHAT_ANTHROPIC_WORKSPACE_IDS"  # the workspaces (wrkspc_...) they belong to
LIMIT = 31  # the most daily buckets a page holds (documented for both reports)
# cost_report token_type -> our kind
TOKEN_TYPES = {"uncached_input_tokens": "input", "cache_read_input_tokens": "cache_read",
               "cache_creation.ephemeral_5m_input_tokens": "cache_write_5m",
               "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h", "output_tokens": "output"}


def client(key: str, base_url: str | None, sleep: Callable[[float], None]) -> AdminHTTP:
    return AdminHTTP("Anthropic's Admin API", NAME, base_url or DEFAULT_BASE_URL,
                     {"x-api-key": key, "anthropic-version": VERSION}, secret=key, key_env=KEY_ENV,
                     base_url_env=BASE_URL_ENV, sleep=sleep)


def _rfc3339(day: date) -> str:
    return datetime.combine(day, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch(http: AdminHTTP, first: date, end: date) -> tuple[list[BilledUsage], list[BilledCost]]:
    """Usage and costs of the UTC days [first, end), usage grouped by model, API key and workspace."""
    window = {"starting_at": _rfc3339(first), "ending_at": _rfc3339(end), "bucket_width": "1d", "limit": LIMIT}
    usage = [u for page in http.pages("/v1/organizations/usage_report/messages",
                                      {**window, "group_by": ["model", "api_key_id", "workspace_id"]})
             for u in parse_usage(page)]
    costs = [c for page in http.pages("/v1/organizations/cost_report",
                                      {**window, "group_by": ["description", "workspace_id"]})
             for c in parse_costs(page)]
    return usage, costs


def _day(value, where: str) -> date:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).date()
    except ValueError:
        raise BillShapeError(f"{where}.starting_at is {value!r}, not an RFC 3339 time") from None


def _buckets(page: dict, where: str):
    data = page.get("data")
    if not isinstance(data, list):
        raise BillShapeError(f"{where}: data is {type(data).__name__}, not a list")
    for i, bucket in enumerate(data):
        results = bucket.get("results") if isinstance(bucket, dict) else None
        if not isinstance(results, list):
            raise BillShapeError(f"{where}: data[{i}] is not a bucket with results")
        day = _day(bucket.get("starting_at"), f"{where}: data[{i}]")
        for j, r in enumerate(results):
            if not isinstance(r, dict):
                raise BillShapeError(f"{where}: data[{i}].results[{j}] is not an object")
            yield day, f"{where}: data[{i}].results[{j}]", r


def parse_usage(page: dict) -> list[BilledUsage]:
    """Each kind apart: uncached input, cache reads, 5-minute and 1-hour cache writes, output; no request count."""
    out = []
    for day, where, r in _buckets(page, "usage_report/messages"):
        creation = r.get("cache_creation")
        if creation is not None and not isinstance(creation, dict):
            raise BillShapeError(f"{where}.cache_creation is not an object")
        if creation is not None:
            write_5m = count(creation, "ephemeral_5m_input_tokens", where + ".cache_creation")
            write_1h = count(creation, "ephemeral_1h_input_tokens", where + ".cache_creation")
        else:  # flat in some versions of the report
            write_5m = count(r, "cache_creation_5m_input_tokens", where)
            write_1h = count(r, "cache_creation_1h_input_tokens", where)
        tokens = {"input": count(r, "uncached_input_tokens", where),
                  "cache_read": count(r, "cache_read_input_tokens", where),
                  "cache_write_5m": write_5m, "cache_write_1h": write_1h, "output": count(r, "output_tokens", where)}
        out.append(BilledUsage(day, text(r, "model"), tokens, text(r, "api_key_id"), text(r, "workspace_id")))
    return out


def parse_costs(page: dict) -> list[BilledCost]:
    """Amounts are cents as decimal strings ("123.45" is $1.2345); model and token type come with description."""
    out = []
    for day, where, r in _buckets(page, "cost_report"):
        amount, currency = r.get("amount"), str(r.get("currency") or "USD").upper()
        if currency != "USD":
            raise BillShapeError(f"{where}.currency is {currency!r}; AlonChat reconciles USD only")
        if isinstance(amount, bool) or not isinstance(amount, str | int | float):
            raise BillShapeError(f"{where}.amount is {amount!r}, not a decimal string of cents")
        try:
            usd = Decimal(str(amount)) / 100
        except InvalidOperation:
            raise BillShapeError(f"{where}.amount is {amount!r}, not a decimal string of cents") from None
        cost_type, token_type = text(r, "cost_type"), text(r, "token_type")
        if cost_type and cost_type != "tokens":
            kind = "other"
        elif token_type:
            kind = TOKEN_TYPES.get(token_type, "other")
        else:
            kind = "total"
        item = text(r, "description") or token_type or cost_type
        out.append(BilledCost(day, usd, text(r, "model"), kind, item[:300], text(r, "workspace_id")))
    return out
