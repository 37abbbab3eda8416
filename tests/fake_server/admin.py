"""The providers' billing APIs on the fake server, answering in their documented shapes from what it served.

Every chat call the fake answers is booked (vendor, UTC time, the model as billed, the key's id,
tokens by kind), and tests can book more (`add`: another key's usage, a cache write the ledger never
saw). The admin routes report those books:

- OpenAI:    GET /v1/organization/usage/completions, GET /v1/organization/costs (admin key as Bearer)
- Anthropic: GET /v1/organizations/usage_report/messages, GET /v1/organizations/cost_report (x-api-key or Bearer)
- OpenRouter: GET /api/v1/generation?id=   (the endpoint's own key; 404 for an unknown id)

with daily buckets, grouping, cursor pages (`has_more`/`next_page`; `max_limit` caps a page below the
documented limit, as a server may), costs from `set_price` (with dates, for a price change mid-month;
Anthropic amounts are cents as decimal strings), `rate_limit(...)` answering 429 with Retry-After, and
`replies[path]` answering a route with a body of the test's choosing (a shape the vendor never sends).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

KINDS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")
OPENAI_LINE = {"input": "input", "cache_read": "cached input", "cache_write_5m": "cache write",
               "cache_write_1h": "cache write", "output": "output"}
ANTHROPIC_TOKEN_TYPE = {"input": "uncached_input_tokens", "cache_read": "cache_read_input_tokens",
                        "cache_write_5m": "cache_creation.ephemeral_5m_input_tokens",
                        "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens", "output": "output_tokens"}
ANTHROPIC_LABEL = {"input": "Input Tokens", "cache_read": "Cache Read Input Tokens",
                   "cache_write_5m": "5m Cache Write Input Tokens", "cache_write_1h": "1h Cache Write Input Tokens",
                   "output": "Output Tokens"}


@dataclass
class Booked:
    """One booked piece of usage: a call the fake answered, or one a test added."""

    vendor: str  # "openai", "anthropic", "openrouter", "gemini"
    at: datetime
    model: str  # as the provider bills it (a dated snapshot)
    api_key_id: str | None
    scope: str | None  # OpenAI project, Anthropic workspace
    tokens: dict[str, int]
    requests: int = 1
    response_id: str | None = None
    cost_usd: Decimal | None = None  # a cost the response itself reported (OpenRouter's usage.cost)


@dataclass
class AdminAPI:
    """The books and the admin routes of one FakeServer (`srv.admin`)."""

    keys: dict[str, str] = field(default_factory=lambda: {"openai": "sk-admin-fake-openai-0123456789",
                                                          "anthropic": "sk-ant-admin01-fake-0123456789"})
    snapshots: dict[str, str] = field(default_factory=dict)  # model id as called -> as billed
    key_ids: dict[str, str] = field(default_factory=dict)  # an API key -> its id in the reports
    scopes: dict[str, str] = field(default_factory=dict)  # an API key -> its project / workspace
    max_limit: int | None = None
    replies: dict[str, dict] = field(default_factory=dict)  # a route's path -> a body to answer instead
    booked: list[Booked] = field(default_factory=list)
    _prices: dict[tuple[str, str], list[tuple[date, dict[str, Decimal]]]] = field(default_factory=dict)
    _limited: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what tests set up -------------------------------------------------------
    def key_id(self, vendor: str, api_key: str) -> str:
        """The id the reports give an API key (tests compare it with ALONCHAT_*_API_KEY_IDS)."""
        if api_key in self.key_ids:
            return self.key_ids[api_key]
        digest = hashlib.sha256(api_key.encode()).hexdigest()[:10]
        return ("apikey_" if vendor == "anthropic" else "key_") + digest

    def set_price(self, vendor: str, model: str, since: date = date.min, **per_million) -> None:
        """USD per 1M tokens of `model` (as billed) from `since` on: input, cache_read, cache_write_5m, ..."""
        with self._lock:
            versions = self._prices.setdefault((vendor, model), [])
            versions.append((since, {k: Decimal(str(v)) for k, v in per_million.items()}))
            versions.sort(key=lambda v: v[0])

    def add(self, vendor: str, day: date, model: str, *, api_key_id: str | None = "key_other",
            scope: str | None = None, requests: int = 1, **tokens: int) -> None:
        """Book usage the ledger may not have (tokens by kind: input = uncached, cache_read, cache_write_5m, ...)."""
        with self._lock:
            self.booked.append(Booked(vendor, datetime.combine(day, time(12), UTC), model, api_key_id, scope,
                                      {k: int(tokens.get(k, 0)) for k in KINDS}, requests))

    def rate_limit(self, *retry_after: str) -> None:
        """The next len(retry_after) admin requests answer 429, each with that Retry-After header."""
        with self._lock:
            self._limited.extend(retry_after)

    # --- what the server calls ---------------------------------------------------
    def served(self, wire: str, path: str, model: str, usage: dict, api_key: str) -> str:
        """Book a call the fake answered (usage in the engine's convention); returns the response's id."""
        vendor = "openrouter" if path.startswith("/api/") else wire
        n = next(self._ids)
        rid = f"gen-fake-{n}" if vendor == "openrouter" else f"chatcmpl-fake-{n}"
        writes, writes_1h = usage["cache_write"], usage["cache_write_1h"]
        tokens = {"input": max(usage["input"] - usage["cached"] - writes, 0), "cache_read": usage["cached"],
                  "cache_write_5m": max(writes - writes_1h, 0), "cache_write_1h": writes_1h,
                  "output": usage["output"]}
        cost = usage.get("cost")
        with self._lock:
            self.booked.append(Booked(vendor, datetime.now(UTC), self.snapshots.get(model, model),
                                      self.key_id(vendor, api_key) if api_key else None,
                                      self.scopes.get(api_key, "proj_default" if vendor == "openai" else None),
                                      tokens, 1, rid, None if cost is None else Decimal(str(cost))))
        return rid

    def price(self, vendor: str, model: str, day: date) -> dict[str, Decimal] | None:
        versions = [p for since, p in self._prices.get((vendor, model), []) if since <= day]
        return versions[-1] if versions else None

    def route(self, handler) -> bool:
        """Answer a GET if it is an admin route; False leaves it to the server's other routes."""
        parts = urlsplit(handler.path)
        path, query = parts.path, parse_qs(parts.query)
        routes = {"/v1/organization/usage/completions": ("openai", self._openai_usage),
                  "/v1/organization/costs": ("openai", self._openai_costs),
                  "/v1/organizations/usage_report/messages": ("anthropic", self._anthropic_usage),
                  "/v1/organizations/cost_report": ("anthropic", self._anthropic_costs)}
        if path.endswith("/generation") and path.startswith("/api/"):
            self._generation(handler, query)
            return True
        if path not in routes:
            return False
        vendor, answer = routes[path]
        headers = {k.lower(): v for k, v in handler.headers.items()}
        sent = headers.get("x-api-key") or (headers.get("authorization") or "").removeprefix("Bearer ").strip()
        if sent != self.keys[vendor]:
            handler._json(401, _error(vendor, 401, "Invalid admin key."))
            return True
        if vendor == "anthropic" and not headers.get("anthropic-version"):
            handler._json(400, _error(vendor, 400, "anthropic-version: header is required"))
            return True
        with self._lock:
            wait = self._limited.pop(0) if self._limited else None
        if wait is not None:
            handler._json(429, _error(vendor, 429, "Rate limit exceeded."), {"Retry-After": wait})
            return True
        if path in self.replies:
            handler._json(200, self.replies[path])
            return True
        try:
            handler._json(200, answer(query))
        except ValueError as e:
            handler._json(400, _error(vendor, 400, str(e)))
        return True

    # --- shared pieces -------------------------------------------------------------
    def _window(self, query: dict, start_key: str, end_key: str, parse) -> tuple[date, date]:
        if start_key not in query:
            raise ValueError(f"{start_key} is required")
        first = parse(query[start_key][0])
        end = parse(query[end_key][0]) if end_key in query else datetime.now(UTC).date() + timedelta(days=1)
        return first, end

    def _page(self, query: dict, first: date, end: date, default: int, most: int) -> tuple[list[date], str | None]:
        limit = int(query.get("limit", [default])[0])
        if not 1 <= limit <= most:
            raise ValueError(f"limit must be between 1 and {most}")
        limit = min(limit, self.max_limit or limit)
        start = first
        if "page" in query:
            start = date.fromisoformat(base64.urlsafe_b64decode(query["page"][0]).decode())
        days = []
        d = start
        while d < end and len(days) < limit:
            days.append(d)
            d += timedelta(days=1)
        after = days[-1] + timedelta(days=1) if days else end
        token = base64.urlsafe_b64encode(after.isoformat().encode()).decode() if after < end else None
        return days, token

    def _grouped(self, vendor: str, day: date, group: list[str], filters: dict[str, list[str]]):
        """Booked usage of one vendor and UTC day, summed per the grouping fields."""
        sums: dict[tuple, dict] = {}
        with self._lock:
            booked = [b for b in self.booked if b.vendor == vendor and b.at.date() == day]
        for b in booked:
            fields = {"model": b.model, "api_key_id": b.api_key_id, "project_id": b.scope, "workspace_id": b.scope}
            if any(values and fields[name] not in values for name, values in filters.items()):
                continue
            key = tuple(fields[g] for g in group)
            acc = sums.setdefault(key, {"tokens": dict.fromkeys(KINDS, 0), "requests": 0, "fields": fields})
            acc["requests"] += b.requests
            for k in KINDS:
                acc["tokens"][k] += b.tokens[k]
        return [(dict(zip(group, key, strict=True)), acc) for key, acc in sums.items()]

    def _costs(self, vendor: str, day: date, group: list[str], scope_key: str):
        """(fields, kind, model, dollars) per model and kind, from the books and the prices in force that day."""
        out = []
        for fields, acc in self._grouped(vendor, day, ["model", scope_key], {}):
            prices = self.price(vendor, fields["model"], day)
            if prices is None:
                continue
            for kind in KINDS:
                n = acc["tokens"][kind]
                if n and kind in prices:
                    out.append((fields, kind, n * prices[kind] / Decimal(1_000_000)))
        return out

    # --- OpenAI -------------------------------------------------------------------
    @staticmethod
    def _epoch_day(value: str) -> date:
        return datetime.fromtimestamp(int(value), UTC).date()

    def _openai_usage(self, q: dict) -> dict:
        first, end = self._window(q, "start_time", "end_time", self._epoch_day)
        if q.get("bucket_width", ["1d"])[0] != "1d":
            raise ValueError("the fake serves bucket_width=1d only")
        group = _array(q, "group_by")
        days, token = self._page(q, first, end, 7, 31)
        filters = {"model": _array(q, "models"), "api_key_id": _array(q, "api_key_ids"),
                   "project_id": _array(q, "project_ids")}
        data = []
        for d in days:
            results = []
            for fields, acc in self._grouped("openai", d, group, filters):
                t = acc["tokens"]
                results.append({"object": "organization.usage.completions.result",
                                "input_tokens": sum(t[k] for k in KINDS if k != "output"),
                                "output_tokens": t["output"], "input_cached_tokens": t["cache_read"],
                                "input_audio_tokens": 0, "output_audio_tokens": 0,
                                "num_model_requests": acc["requests"], "project_id": fields.get("project_id"),
                                "user_id": None, "api_key_id": fields.get("api_key_id"), "model": fields.get("model"),
                                "batch": None})
            data.append({"object": "bucket", "start_time": _epoch(d), "end_time": _epoch(d + timedelta(days=1)),
                         "results": results})
        return {"object": "page", "data": data, "has_more": token is not None, "next_page": token}

    def _openai_costs(self, q: dict) -> dict:
        first, end = self._window(q, "start_time", "end_time", self._epoch_day)
        group = _array(q, "group_by")
        days, token = self._page(q, first, end, 7, 180)
        projects = _array(q, "project_ids")
        data = []
        for d in days:
            sums: dict[tuple, Decimal] = {}
            for fields, kind, usd in self._costs("openai", d, group, "project_id"):
                if projects and fields["project_id"] not in projects:
                    continue
                item = f"{fields['model']}, {OPENAI_LINE[kind]}" if "line_item" in group else None
                key = (item, fields["project_id"] if "project_id" in group else None)
                sums[key] = sums.get(key, Decimal(0)) + usd
            data.append({"object": "bucket", "start_time": _epoch(d), "end_time": _epoch(d + timedelta(days=1)),
                         "results": [{"object": "organization.costs.result",
                                      "amount": {"value": float(usd), "currency": "usd"},
                                      "line_item": item, "project_id": project}
                                     for (item, project), usd in sums.items()]})
        return {"object": "page", "data": data, "has_more": token is not None, "next_page": token}

    # --- Anthropic ----------------------------------------------------------------
    @staticmethod
    def _rfc_day(value: str) -> date:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).date()

    def _anthropic_usage(self, q: dict) -> dict:
        first, end = self._window(q, "starting_at", "ending_at", self._rfc_day)
        group = _array(q, "group_by")
        days, token = self._page(q, first, end, 7, 31)
        filters = {"model": _array(q, "models"), "api_key_id": _array(q, "api_key_ids"),
                   "workspace_id": _array(q, "workspace_ids")}
        data = []
        for d in days:
            results = []
            for fields, acc in self._grouped("anthropic", d, group, filters):
                t = acc["tokens"]
                results.append({"uncached_input_tokens": t["input"], "cache_read_input_tokens": t["cache_read"],
                                "cache_creation": {"ephemeral_5m_input_tokens": t["cache_write_5m"],
                                                   "ephemeral_1h_input_tokens": t["cache_write_1h"]},
                                "output_tokens": t["output"], "server_tool_use": {"web_search_requests": 0},
                                "api_key_id": fields.get("api_key_id"), "workspace_id": fields.get("workspace_id"),
                                "model": fields.get("model"), "service_tier": None, "context_window": None})
            data.append({"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": results})
        return {"data": data, "has_more": token is not None, "next_page": token}

    def _anthropic_costs(self, q: dict) -> dict:
        first, end = self._window(q, "starting_at", "ending_at", self._rfc_day)
        group = _array(q, "group_by")
        days, token = self._page(q, first, end, 7, 31)
        data = []
        for d in days:
            sums: dict[tuple, Decimal] = {}
            for fields, kind, usd in self._costs("anthropic", d, group, "workspace_id"):
                key = ((fields["model"], kind) if "description" in group else (None, None),
                       fields["workspace_id"] if "workspace_id" in group else None)
                sums[key] = sums.get(key, Decimal(0)) + usd
            results = []
            for ((model, kind), workspace), usd in sums.items():
                described = model is not None
                results.append({"currency": "USD", "amount": format(usd * 100, "f"), "workspace_id": workspace,
                                "description": f"{model} Usage - {ANTHROPIC_LABEL[kind]}" if described else None,
                                "cost_type": "tokens" if described else None,
                                "context_window": "0-200k" if described else None, "model": model,
                                "service_tier": "standard" if described else None,
                                "token_type": ANTHROPIC_TOKEN_TYPE[kind] if described else None,
                                "inference_geo": None})
            data.append({"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": results})
        return {"data": data, "has_more": token is not None, "next_page": token}

    # --- OpenRouter ---------------------------------------------------------------
    def _generation(self, handler, q: dict) -> None:
        gid = (q.get("id") or [""])[0]
        with self._lock:
            found = next((b for b in self.booked if b.response_id == gid and b.vendor == "openrouter"), None)
        if found is None:
            handler._json(404, {"error": {"message": f"Generation {gid} not found", "code": 404}})
            return
        t = found.tokens
        cost = found.cost_usd
        if cost is None:
            prices = self.price("openrouter", found.model, found.at.date()) or {}
            cost = sum((t[k] * prices.get(k, Decimal(0)) for k in KINDS), Decimal(0)) / Decimal(1_000_000)
        prompt = t["input"] + t["cache_read"] + t["cache_write_5m"] + t["cache_write_1h"]
        handler._json(200, {"data": {
            "id": gid, "total_cost": float(cost), "created_at": found.at.isoformat(), "model": found.model,
            "origin": "", "usage": float(cost), "is_byok": False, "provider_name": "Fake", "streamed": True,
            "cancelled": False, "finish_reason": "stop", "tokens_prompt": prompt, "tokens_completion": t["output"],
            "native_tokens_prompt": prompt, "native_tokens_completion": t["output"],
            "native_tokens_cached": t["cache_read"], "native_tokens_reasoning": 0}})


def _array(query: dict, name: str) -> list[str]:
    """An array parameter written either way: name[]=a&name[]=b (the official SDKs) or name=a&name=b."""
    return query.get(name + "[]", []) + query.get(name, [])


def _epoch(d: date) -> int:
    return int(datetime.combine(d, time(), UTC).timestamp())


def _rfc(d: date) -> str:
    return datetime.combine(d, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(vendor: str, status: int, message: str) -> dict:
    if vendor == "anthropic":
        kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}
        return {"type": "error", "error": {"type": kind.get(status, "api_error"), "message": message}}
    kind = {400: "invalid_request_error", 401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    kind = kind or "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}
