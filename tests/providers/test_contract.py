"""The provider contract, once for every provider: the real SDK over HTTP against the wire-level fake server.

A new provider joins with one line in CASES: its registry name, a priced catalog model, the usage it
reports (engine convention; each wire encodes it its own way) and, when its base URL is not an env
var, how to point it at the fake server. Vendor-specific behaviour stays in test_provider_<name>.py.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from alonchat.calls.attempt import RetryPolicy
from alonchat.calls.service import AIService, ai_service
from alonchat.core import errors
from alonchat.core.tokens import estimate_tokens
from alonchat.core.types import TextDelta
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import ProviderEndpoint
from tests.support.provider_checks import assert_usage, expected_cost, ledger
from tests.support.scripted import add_model

KEY = "sk-contract-key-0123456789abcdef"


def builtin(case: Case, url: str, monkeypatch) -> None:
    """Point a built-in provider at `url` through the env vars its ProviderEnv names, and give it the key."""
    env = registry.get(case.provider).env
    monkeypatch.setenv(env.base_url, url + case.prefix)
    for var in env.key:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(env.key[0], KEY)


def endpoint(case: Case, url: str, monkeypatch) -> None:
    """An OpenAI-compatible endpoint row (its base URL is the row's, its key in the env var it names)."""
    with session() as s, s.begin():
        row = s.scalars(select(ProviderEndpoint).where(ProviderEndpoint.name == case.provider)).first()
        if row is None:
            s.add(ProviderEndpoint(name=case.provider, base_url=url + case.prefix, api_key_env="COMPAT_API_KEY"))
            add_model(case.model, provider=case.provider, input_price=D("1"), output_price=D("4"),
                      cache_read_price=D("0.1"))
        else:
            row.base_url = url + case.prefix
    monkeypatch.setenv("COMPAT_API_KEY", KEY)


@dataclass(frozen=True)
class Case:
    provider: str
    model: str
    usage: dict
    prefix: str = ""  # what the provider's base URL adds to the server's root
    point: object = builtin  # (case, url, monkeypatch): aim the provider at a server
    end_marker: bool = True  # its stream ends with a marker after the usage ([DONE], message_stop); Gemini's doesn't

    def __str__(self) -> str:
        return self.provider


CASES = [
    Case("openai", "gpt-5", {"input": 1200, "cached": 1000, "cache_write": 0, "output": 300, "reasoning": 120}, "/v1"),
    # On the wire Anthropic's input_tokens excludes cache reads and writes: 2000 - 1500 - 300 = 200.
    Case("anthropic", "claude-sonnet-4-6", {"input": 2000, "cached": 1500, "cache_write": 300, "output": 400,
                                            "reasoning": 150}),
    # On the wire Gemini's candidatesTokenCount excludes thoughts: 500 - 200 = 300.
    Case("gemini", "gemini-2.5-flash", {"input": 3000, "cached": 2048, "cache_write": 0, "output": 500,
                                        "reasoning": 200}, end_marker=False),
    Case("compat", "compat-model", {"input": 50, "cached": 10, "cache_write": 0, "output": 5, "reasoning": 0}, "/v1",
         endpoint),
]


@pytest.fixture(params=CASES, ids=str)
def case(request, fake_server, monkeypatch) -> Case:
    c = request.param
    c.point(c, fake_server.url, monkeypatch)
    return c


def key_vars(case: Case) -> tuple[str, ...]:
    return registry.get(case.provider).env.key


def call(how: str, model: str, prompt: str, svc: AIService = ai_service):
    """One call streamed or not; returns the final CallResult (the typed error propagates)."""
    if how == "chat":
        return svc.chat(model, prompt)
    *_, final = list(svc.stream(model, prompt))
    return final


HOW = pytest.mark.parametrize("how", ["chat", "stream"])


# --- usage convention: what each vendor reports becomes the engine's counts, priced and recorded ----

def test_chat_maps_usage_prices_it_and_sends_the_key(case, fake_server):
    fake_server.script(case.model, reply="The answer.", usage=case.usage)
    result = ai_service.chat(case.model, "q")
    assert result.content == "The answer." and result.finish_reason == "stop"
    assert_usage(result.usage, case.usage)
    assert not result.usage.estimated
    assert result.cost_usd == expected_cost(case.model, case.usage)
    [row] = ledger()
    assert (row.provider, row.model_id, row.status) == (case.provider, case.model, "ok")
    assert_usage(row, case.usage)
    assert row.cost_usd == result.cost_usd
    [req] = fake_server.requests
    assert req.key == KEY


def test_stream_maps_usage_and_prices_it(case, fake_server):
    fake_server.script(case.model, chunks=["Hel", "lo", " world"], usage=case.usage)
    *deltas, final = list(ai_service.stream(case.model, "hi"))
    assert deltas == [TextDelta("Hel"), TextDelta("lo"), TextDelta(" world")] and final.content == "Hello world"
    assert_usage(final.usage, case.usage)
    assert final.cost_usd == expected_cost(case.model, case.usage)
    [row] = ledger()
    assert row.status == "ok"
    assert_usage(row, case.usage)


@HOW
def test_a_reply_without_usage_is_estimated_never_free(case, fake_server, how):
    """No usage block at all (Gemini's usageMetadata, Anthropic's usage, OpenAI's usage and usage chunk):
    the call was still billed, so its usage is estimated, labelled so, and priced."""
    fake_server.script(case.model, reply="Paris is the capital of France.", no_usage=True, thinking="Let me see.")
    result = call(how, case.model, "What is the capital of France?")
    assert result.ok and result.content == "Paris is the capital of France."
    assert result.usage.estimated and result.usage.input_tokens > 0
    assert result.usage.output_tokens >= estimate_tokens("Paris is the capital of France.")
    assert result.cost_usd is not None and result.cost_usd > 0
    [row] = ledger()
    assert (row.status, row.provider) == ("ok", case.provider)
    assert row.usage_estimated and row.cost_usd == result.cost_usd


# --- truncation, malformed replies, stalls: never taken as a complete answer ------------------------

def test_a_stream_cut_after_its_finish_reason_is_truncated_at_estimated_usage(case, fake_server):
    """The finish reason came, then the connection ended before the usage and the end marker: never ok and exact.

    Gemini has no end marker: its last chunk carries the finish reason and the usage, so a cut there is a
    complete answer without usage (ok, estimated).
    """
    fake_server.script(case.model, chunks=["The answer", " is 42."], usage=case.usage, cut_after_finish=True)
    if case.end_marker:
        with pytest.raises(errors.TruncatedStreamError):
            list(ai_service.stream(case.model, "q"))
    else:
        assert list(ai_service.stream(case.model, "q"))[-1].ok
    [row] = ledger()
    assert row.status == ("truncated" if case.end_marker else "ok")
    assert row.usage_estimated and row.output_tokens == estimate_tokens("The answer is 42.")
    assert row.cost_usd is not None and row.cost_usd > 0


def test_truncated_stream_is_recorded_as_truncated(case, fake_server):
    fake_server.script(case.model, chunks=["The answer is", " forty"], truncate=True, usage=case.usage)
    deltas = []
    with pytest.raises(errors.TruncatedStreamError, match="no finish reason"):
        for item in ai_service.stream(case.model, "q"):
            deltas.append(item)
    assert deltas == [TextDelta("The answer is"), TextDelta(" forty")]
    [row] = ledger()
    assert row.status == "truncated" and row.error_class == "TruncatedStreamError"
    assert row.usage_estimated and row.output_tokens > 0


def test_a_connection_lost_after_text_was_shown_is_truncated_not_an_error(case, fake_server):
    """A drop mid-answer (issue 21) is a cut answer, like a stream that ended early: truncated, billed as estimated."""
    fake_server.script(case.model, chunks=["The answer is", " forty"], disconnect=True, usage=case.usage)
    deltas = []
    with pytest.raises(errors.TruncatedStreamError, match="lost after part of the answer was shown"):
        for item in ai_service.stream(case.model, "q"):
            deltas.append(item)
    assert deltas == [TextDelta("The answer is"), TextDelta(" forty")]
    [row] = ledger()
    assert (row.status, row.error_class) == ("truncated", "TruncatedStreamError")
    assert row.usage_estimated and row.output_tokens > 0
    assert len(fake_server.requests) == 1  # text was shown: never retried


def test_truncated_json_reply_is_truncated(case, fake_server):
    fake_server.script(case.model, reply="cut", truncate=True)
    with pytest.raises(errors.TruncatedStreamError):
        ai_service.chat(case.model, "q")
    [row] = ledger()
    assert row.status == "truncated"


def test_malformed_chunk_is_truncated(case, fake_server):
    fake_server.script(case.model, chunks=["Part one", " part two"], malformed=True)
    with pytest.raises(errors.TruncatedStreamError, match="malformed"):
        list(ai_service.stream(case.model, "q"))
    [row] = ledger()
    assert row.status == "truncated"


def test_malformed_json_reply_is_truncated(case, fake_server):
    fake_server.script(case.model, malformed=True)
    with pytest.raises(errors.TruncatedStreamError):
        ai_service.chat(case.model, "q")
    [row] = ledger()
    assert row.status == "truncated"


def test_stalled_stream_ends_with_a_timeout_and_is_not_retried(case, fake_server):
    fake_server.script(case.model, chunks=["first", " never"], stall=5.0)
    seen = []
    with pytest.raises(errors.ProviderTimeoutError, match="0.3 s"):
        for item in ai_service.stream(case.model, "q", timeout=0.3):
            seen.append(item)
    assert seen == [TextDelta("first")]  # text already shown: not retried
    [row] = ledger()
    assert (row.status, row.error_class) == ("truncated", "ProviderTimeoutError")
    assert len(fake_server.requests) == 1


# --- the key: named when missing, never recorded -------------------------------------------------

def test_missing_key_names_its_env_vars_and_sends_nothing(case, fake_server, monkeypatch):
    for var in key_vars(case):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(errors.MissingKeyError) as info:
        ai_service.chat(case.model, "q")
    assert " or ".join(key_vars(case)) in str(info.value)
    assert fake_server.requests == []
    [row] = ledger()
    assert row.error_class == "MissingKeyError"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_error_names_the_env_var_but_never_records_the_key(case, fake_server, status):
    fake_server.script(case.model, status=status, error_message=f"Incorrect API key provided: {KEY}.")
    svc = AIService(retry=RetryPolicy(retries=2), sleep=lambda s: None)
    with pytest.raises(errors.AuthError) as info:
        svc.chat(case.model, "q")
    assert KEY not in str(info.value)
    assert "Incorrect API key provided" in str(info.value) and key_vars(case)[0] in str(info.value)
    [row] = ledger()
    assert row.status == "error" and KEY not in row.error_message
    assert "Check that the API key is valid" in row.error_message
    assert len(fake_server.requests) == 1  # a 4xx is never retried


@HOW
def test_a_401_that_echoes_the_key_never_shows_or_records_it(case, fake_server, how):
    fake_server.expect_key, fake_server.echo_key = "the-key-the-server-wants-0000", True
    with pytest.raises(errors.AuthError) as info:
        call(how, case.model, "q")
    assert fake_server.requests[-1].key == KEY  # the server did get our key, and repeated it in its 401
    shown = "".join(traceback.format_exception(info.value))  # the SDK error chained to ours included
    assert "Invalid API key provided" in shown and KEY not in shown
    [row] = ledger()
    assert row.status == "error" and KEY not in row.error_message


# --- error mapping: one typed error per HTTP status, with the vendor's message and the fix --------

@pytest.mark.parametrize(("status", "error"), [
    (400, errors.BadRequestError), (404, errors.ModelNotFoundError), (429, errors.RateLimitError),
    (500, errors.ServerError), (529, errors.ServerError),
])
def test_http_errors_map_to_typed_errors_with_the_vendor_message(case, fake_server, status, error):
    fake_server.script(case.model, status=status, error_message=f"Vendor says no (key {KEY})", retry_after=7)
    svc = AIService(retry=RetryPolicy(retries=0), sleep=lambda s: None)
    with pytest.raises(error) as info:
        svc.chat(case.model, "q")
    e = info.value
    assert (e.status_code, e.provider, e.retry_after) == (status, case.provider, 7)
    assert "Vendor says no" in str(e) and errors.HINTS[error] in str(e)
    [row] = ledger()
    assert (row.status, row.error_class) == ("error", error.__name__)
    assert KEY not in row.error_message and errors.HINTS[error] in row.error_message


def test_unreachable_server_is_a_connection_error_naming_the_base_url_setting(case, monkeypatch):
    case.point(case, "http://127.0.0.1:9", monkeypatch)  # nothing listens there
    svc = AIService(retry=RetryPolicy(retries=1, base=0.01), sleep=lambda s: None)
    with pytest.raises(errors.ProviderConnectionError) as info:
        svc.chat(case.model, "q")
    assert "127.0.0.1:9" in str(info.value)
    base_url_env = registry.get(case.provider).env.base_url
    if base_url_env:
        assert base_url_env in str(info.value)
    [row] = ledger()
    assert row.error_class == "ProviderConnectionError"


@pytest.mark.parametrize("name", ["openai", "anthropic", "gemini"])
def test_the_docs_name_the_env_vars_each_provider_declares(name):
    """docs/providers.md's table says what ProviderEnv says: the key names in precedence order, then the base URL."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "providers.md").read_text()
    [row] = [line for line in docs.splitlines() if line.startswith(f"| {name} |")]
    _, key_cell, url_cell, _ = row.split("|")[1:]
    env = registry.get(name).env
    assert tuple(re.findall(r"`([A-Z0-9_]+)`", key_cell)) == env.key
    assert re.findall(r"`([A-Z0-9_]+)`", url_cell)[0] == env.base_url
