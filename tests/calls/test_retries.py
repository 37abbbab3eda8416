"""One retry policy for every provider: the engine retries (SDKs never do), Retry-After wins, 4xx is final."""

from __future__ import annotations

import pytest

from alonchat.calls.attempt import RetryPolicy
from alonchat.calls.service import AIService
from alonchat.core import errors
from alonchat.core.types import RetryNotice, TextDelta
from tests.support.provider_checks import ledger

# (catalog model, path fragment of its API call, its transient "overloaded" status)
PROVIDERS = [
    pytest.param("gpt-5", "chat/completions", 500, id="openai"),
    pytest.param("claude-sonnet-4-6", "/v1/messages", 529, id="anthropic"),
    pytest.param("gemini-2.5-flash", ":generateContent", 503, id="gemini"),
]


def service(waits: list, retries: int = 2) -> AIService:
    """A service whose backoff sleeps are recorded instead of slept."""
    return AIService(retry=RetryPolicy(retries=retries, base=0.5), sleep=waits.append)


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_rate_limit_is_retried_honouring_retry_after(fake_providers, model, path, overloaded):
    fake_providers.script(model, reply="finally", status=429, retry_after=7, fail_times=2)
    waits: list[float] = []
    result = service(waits).chat(model, "q")
    assert result.ok and result.content == "finally"
    assert waits == [7.0, 7.0]
    assert len(fake_providers.requests_to(path)) == 3  # the SDK itself never retried
    [row] = ledger()
    assert row.status == "ok"


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_server_errors_back_off_exponentially_when_no_retry_after(fake_providers, model, path, overloaded):
    fake_providers.script(model, reply="ok now", status=overloaded, fail_times=2)
    waits: list[float] = []
    result = service(waits).chat(model, "q")
    assert result.content == "ok now"
    # base 0.5 s doubled per attempt, jittered to 50..100 %
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0
    assert len(fake_providers.requests_to(path)) == 3


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_overloaded_honours_retry_after(fake_providers, model, path, overloaded):
    fake_providers.script(model, reply="back", status=overloaded, retry_after=3, fail_times=1)
    waits: list[float] = []
    assert service(waits).chat(model, "q").content == "back"
    assert waits == [3.0]


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_streams_are_retried_before_any_text_arrives(fake_providers, model, path, overloaded):
    fake_providers.script(model, chunks=["a", "b"], status=429, retry_after=1, fail_times=1)
    waits: list[float] = []
    notice, *deltas, final = list(service(waits).stream(model, "q"))
    assert deltas == [TextDelta("a"), TextDelta("b")] and final.ok and waits == [1.0]
    # The consumer hears of the retry before it waits (the CLI's stderr line, the pane's notice).
    assert notice == RetryNotice(attempt=2, attempts=3, wait_seconds=1.0, reason="rate limited")


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_a_long_retry_after_is_waited_in_full_never_cut_short(fake_providers, model, path, overloaded):
    fake_providers.script(model, reply="later", status=429, retry_after=45, fail_times=1)
    waits: list[float] = []
    policy = RetryPolicy(retries=2, max_wait=60)
    result = AIService(retry=policy, sleep=waits.append).chat(model, "q", timeout=120)
    assert result.ok and waits == [45.0]  # the old 30 s cap retried 15 s too early


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_a_retry_after_longer_than_accepted_fails_at_once_saying_how_long(fake_providers, model, path, overloaded):
    fake_providers.script(model, status=429, retry_after=120, fail_times=1)
    waits: list[float] = []
    with pytest.raises(errors.RateLimitError, match="asked to wait 120 s") as info:
        service(waits).chat(model, "q")
    assert "30 s" in str(info.value) and info.value.retry_after == 120
    assert waits == [] and len(fake_providers.requests_to(path)) == 1
    [row] = ledger()
    assert row.status == "error" and "120 s" in row.error_message


def test_the_call_timeout_also_bounds_the_accepted_wait(fake_providers):
    fake_providers.script("gpt-5", status=503, retry_after=5, fail_times=1)
    with pytest.raises(errors.ServerError, match="more than the 2 s this call accepts"):
        service([]).chat("gpt-5", "q", timeout=2)
    assert len(fake_providers.requests_to("chat/completions")) == 1


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_gives_up_after_the_policy_and_records_one_error(fake_providers, model, path, overloaded):
    fake_providers.script(model, status=overloaded, error_message="Busy, come back later")
    waits: list[float] = []
    with pytest.raises(errors.ServerError, match="Busy, come back later") as info:
        service(waits, retries=2).chat(model, "q")
    assert info.value.status_code == overloaded
    assert len(waits) == 2 and len(fake_providers.requests_to(path)) == 3
    [row] = ledger()
    assert (row.status, row.error_class) == ("error", "ServerError")


@pytest.mark.parametrize("status, error_class", [(400, errors.BadRequestError), (401, errors.AuthError),
                                                 (403, errors.AuthError), (404, errors.ModelNotFoundError),
                                                 (422, errors.BadRequestError)])
@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_client_errors_are_never_retried(fake_providers, model, path, overloaded, status, error_class):
    fake_providers.script(model, status=status, retry_after=1, error_message="nope")
    waits: list[float] = []
    with pytest.raises(error_class) as info:
        service(waits).chat(model, "q")
    assert waits == [] and len(fake_providers.requests_to(path)) == 1
    assert info.value.status_code == status and info.value.provider
    assert errors.HINTS[error_class] in str(info.value)
    assert ledger()[0].error_class == error_class.__name__


@pytest.mark.parametrize("model, path, overloaded", PROVIDERS)
def test_a_stall_before_any_text_times_out_and_is_retried(fake_providers, model, path, overloaded):
    fake_providers.script(model, stall=5.0)
    waits: list[float] = []
    with pytest.raises(errors.ProviderTimeoutError):
        service(waits, retries=1).chat(model, "q", timeout=0.3)
    assert len(waits) == 1 and len(fake_providers.requests_to(path)) == 2
    assert ledger()[0].status == "truncated"
