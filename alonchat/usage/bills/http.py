"""The one HTTP client of the billing APIs: the key in a header, every page followed, 429/5xx retried after Retry-After.

The admin APIs are small GETs a few times a day, so this waits as long as the provider asks (up to
`max_wait`), unlike a chat call; the key goes in a header only and is scrubbed from every message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ...core import errors
from ...providers.mapping import scrub
from . import BillShapeError


def retry_after(headers) -> float | None:
    """Seconds the provider asked to wait: Retry-After in seconds or as an HTTP date, or retry-after-ms."""
    seconds = errors.parse_retry_after(headers)
    if seconds is not None:
        return seconds
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class AdminHTTP:
    """GETs against one vendor's admin API at the same base URL its calls use; counts requests and waits."""

    def __init__(self, label: str, provider: str, base_url: str, headers: dict[str, str], *, secret: str | None,
                 key_env: str | None, base_url_env: str | None, timeout: float = 60.0,
                 retries: int = 4, max_wait: float = 120.0, sleep: Callable[[float], None] = time.sleep):
        self.label, self.provider, self.base_url = label, provider, base_url.rstrip("/")
        self.headers, self.secret, self.key_env, self.base_url_env = headers, secret, key_env, base_url_env
        self.timeout, self.retries, self.max_wait, self.sleep = timeout, retries, max_wait, sleep
        self.requests = 0
        self.waits: list[float] = []  # each wait before a retry, in seconds (what the provider asked, or backoff)
        self._client = None

    def __enter__(self) -> AdminHTTP:
        import httpx2

        self._client = httpx2.Client(headers=self.headers, timeout=httpx2.Timeout(self.timeout, connect=5.0))
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- one request, retried ---------------------------------------------
    def get(self, path: str, params: dict[str, Any], *, missing_ok: bool = False) -> dict | None:
        """The JSON object at `path`; None for a 404 when `missing_ok` (a generation not stored yet)."""
        attempt = 0
        while True:
            try:
                return self._once(path, params, missing_ok)
            except errors.ProviderError as e:
                if not e.retryable or attempt >= self.retries:
                    raise
                wait = e.retry_after if e.retry_after is not None else min(0.5 * 2 ** attempt, 30.0)
                if wait > self.max_wait:
                    raise type(e)(f"{e} It asked to wait {wait:g} s, more than the {self.max_wait:g} s AlonChat "
                                  f"waits: try again in {wait:g} s.", provider=e.provider,
                                  status_code=e.status_code, retry_after=e.retry_after) from e
                self.waits.append(wait)
                self.sleep(wait)  # never sooner than asked: an early retry counts against the quota
                attempt += 1

    def _once(self, path: str, params: dict[str, Any], missing_ok: bool) -> dict | None:
        import httpx2

        url = self.base_url + path
        self.requests += 1
        try:
            response = self._client.get(url, params=self._query(params))
        except httpx2.TimeoutException as e:
            raise errors.ProviderTimeoutError(f"{self.label} sent nothing for {self.timeout:g} s ({path}); try "
                                              "again later.", provider=self.provider) from e
        except httpx2.HTTPError as e:
            fix = f" Check the network, and {self.base_url_env} if you set it." if self.base_url_env else ""
            raise errors.ProviderConnectionError(
                f"Could not reach {self.label} at {self.base_url}: {scrub(str(e), (self.secret,))}.{fix}",
                provider=self.provider) from e
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            raise self._status_error(path, response)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise errors.ProviderError(f"{self.label} answered {path} with something that is not JSON; try again "
                                       "later.", provider=self.provider) from e
        if not isinstance(body, dict):
            raise errors.ProviderError(f"{self.label} answered {path} with {type(body).__name__}, not an object.",
                                       provider=self.provider)
        return body

    def _query(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        out = []
        for key, value in params.items():
            if value is None:
                continue
            if isinstance(value, list | tuple):  # group_by[]=a&group_by[]=b, as both vendors' official SDKs send
                out += [(key + "[]", str(v)) for v in value]
            else:
                out.append((key, str(value)))
        return out

    def _status_error(self, path: str, response) -> errors.ProviderError:
        code = response.status_code
        cls = errors.for_status(code)
        try:
            body = response.json()
            inner = body.get("error", body) if isinstance(body, dict) else body
            message = inner.get("message") if isinstance(inner, dict) else inner
        except ValueError:
            message = response.text[:300]
        where = self.base_url_env or "the base URL"
        fix = {errors.AuthError: f"Check {self.key_env}: it must be an admin key of the organization, not the key "
                                 "calls use." if self.key_env else "Check the endpoint's key.",
               errors.ModelNotFoundError: f"{self.base_url}{path} does not exist: check {where}.",
               errors.RateLimitError: "The admin API is rate limiting; try again later.",
               errors.ServerError: "The provider is failing; try again later.",
               errors.BadRequestError: "The provider refused the query."}.get(cls, "")
        text = scrub(str(message or "no message").strip(), (self.secret,)).rstrip(".")
        return cls(f"{self.label} returned HTTP {code} for {path}: {text}. {fix}".strip(), provider=self.provider,
                   status_code=code, retry_after=retry_after(response.headers))

    # --- every page -------------------------------------------------------
    def pages(self, path: str, params: dict[str, Any]) -> Iterator[dict]:
        """Each page of a paginated report, following has_more/next_page until the last."""
        seen: set[str] = set()
        page = None
        while True:
            body = self.get(path, {**params, "page": page})
            yield body
            if not body.get("has_more"):
                return
            page = body.get("next_page")
            if not isinstance(page, str) or not page or page in seen:
                raise BillShapeError(f"{path}: has_more is true but next_page is {page!r}")
            seen.add(page)
