"""Limits the user sets hold: the context window (checked before sending) and the longest silence (timeout)."""

from __future__ import annotations

import pytest

from alonchat.calls.attempt import RetryPolicy
from alonchat.calls.parallel import PaneRequest, ParallelRun
from alonchat.calls.service import AIService, ai_service
from alonchat.catalog.models import update_model
from alonchat.cli import main
from alonchat.core import errors
from alonchat.core.tokens import estimate_prompt_tokens
from alonchat.core.types import ChatRequest
from tests.support.cli_process import run, wait_for
from tests.support.provider_checks import ledger

PROVIDERS = [pytest.param("gpt-5", "chat/completions", id="openai"),
             pytest.param("claude-sonnet-4-6", "/v1/messages", id="anthropic"),
             pytest.param("gemini-2.5-flash", "enerateContent", id="gemini")]  # both :generate and :streamGenerate
LONG_PROMPT = "word " * 1500  # about 1,500 tokens by the estimator


def small_window(model: str, window: int = 1000) -> None:
    update_model(model, {"context_window": window, "max_tokens": min(500, window)})


@pytest.mark.parametrize("model, path", PROVIDERS)
def test_a_prompt_over_the_context_window_is_refused_before_sending(fake_providers, model, path):
    small_window(model)
    with pytest.raises(errors.ContextWindowError) as info:
        ai_service.chat(model, LONG_PROMPT)
    estimate = estimate_prompt_tokens(ChatRequest(model, [{"role": "user", "content": LONG_PROMPT}]))
    message = str(info.value)
    assert f"{estimate:,}" in message and "1,000" in message and model in message
    assert fake_providers.requests_to(path) == [] and ledger() == []  # nothing sent, nothing billed


def test_the_max_tokens_asked_for_count_against_the_window(fake_providers):
    small_window("gpt-5")
    prompt = "word " * 600
    ai_service.check("gpt-5", prompt)  # fits on its own
    with pytest.raises(errors.ContextWindowError, match="plus 500 output tokens asked for") as info:
        ai_service.check("gpt-5", prompt, max_tokens=500)
    assert info.value.context_window == 1000 and info.value.output_tokens == 500
    assert fake_providers.requests == []


def test_an_unknown_context_window_is_not_checked(fake_providers):
    update_model("gpt-5", {"context_window": None})
    assert ai_service.chat("gpt-5", LONG_PROMPT).ok


def test_cli_refuses_an_oversized_prompt_with_exit_2_and_writes_nothing(fake_providers, capsys):
    small_window("gpt-5")
    assert main(["chat", "-m", "gpt-5", LONG_PROMPT]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "context window of 1,000 tokens" in err and len(err.splitlines()) == 1
    assert ledger() == [] and fake_providers.requests == []


# --- the longest silence accepted ---------------------------------------------------------------


@pytest.mark.parametrize("model, path", PROVIDERS)
def test_a_silent_provider_times_out_each_attempt_and_records_one_row(fake_providers, model, path):
    fake_providers.script(model, silent=30)  # takes the request and never answers (before the first token)
    waits: list[float] = []
    service = AIService(retry=RetryPolicy(retries=2), sleep=waits.append)
    with pytest.raises(errors.ProviderTimeoutError, match="sent nothing for 0.3 s"):
        list(service.stream(model, "q", timeout=0.3))
    assert len(fake_providers.requests_to(path)) == 3 and len(waits) == 2
    [row] = ledger()
    assert row.status == "truncated"


def test_cli_timeout_against_a_silent_server_fails_with_one_row(fake_providers):
    fake_providers.script("gpt-5", silent=60)
    done = run("chat", "-m", "gpt-5", "--timeout", "1", "q", timeout=50)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "sent nothing for 1 s" in err and "Traceback" not in err
    assert "retrying in" in err and "(attempt 3 of 3)" in err  # retries are announced on stderr
    assert len(fake_providers.requests_to("chat/completions")) == 3
    [row] = ledger()
    assert row.status == "truncated"


@pytest.mark.parametrize("value", ["0", "-1", "abc", "5000"])
def test_cli_rejects_a_bad_timeout(value, capsys):
    code = None
    try:
        code = main(["chat", "-m", "echo", "--timeout", value, "q"])
    except SystemExit as e:  # argparse refuses what is not a number
        code = e.code
    assert code == 2 and ledger() == []


@pytest.mark.parametrize("model, path", PROVIDERS)
def test_stop_ends_a_pane_whose_provider_is_silent(fake_providers, model, path):
    fake_providers.script(model, silent=60)
    run_ = ParallelRun([PaneRequest(model, [{"role": "user", "content": "q"}])]).start()
    wait_for(lambda: fake_providers.requests_to(path), what="the request")
    run_.stop(wait=5)  # the worker must notice within a poll, not after the 60 s read timeout
    run_.poll(timeout=1)
    assert run_.finished and run_.panes[0].result.status == "cancelled"
    [row] = ledger()
    assert row.status == "cancelled" and row.usage_estimated
