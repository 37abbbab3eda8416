"""A key or a URL's password never reaches a traceback, the ledger, `--json` or stderr, whatever the provider echoes."""

from __future__ import annotations

import json
import socket
import traceback

import pytest

from alonchat.calls.service import ai_service
from alonchat.cli import main
from alonchat.core import errors
from tests.fake_server import FakeServer
from tests.support.provider_checks import ledger
from tests.support.scripted import add_model

# Keys the server refuses and echoes back (in its error body and an x-echo-key header).
WRONG = {"gpt-5": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "/v1", "sk-wrong-openai-key-5f3e2d1c0b"),
         "claude-sonnet-4-6": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "", "sk-ant-wrong-key-9a8b7c6d5e"),
         "gemini-2.5-flash": ("GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "", "AIzaWrongGeminiKey0123456789abcd")}


def assert_absent(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in (text or ""), f"secret leaked into: {text[:300]}"


@pytest.fixture
def echoing(monkeypatch):
    """A fake server that refuses every key but 'right-key-000000' and echoes the key it got."""
    with FakeServer(expect_key="right-key-000000", echo_key=True) as srv:
        yield srv


@pytest.mark.parametrize("model", list(WRONG))
def test_an_echoed_key_is_absent_from_traceback_ledger_json_and_stderr(echoing, monkeypatch, capsys, model):
    key_env, url_env, suffix, key = WRONG[model]
    monkeypatch.setenv(key_env, key)
    monkeypatch.setenv(url_env, echoing.url + suffix)
    with pytest.raises(errors.AuthError) as info:
        ai_service.chat(model, "q")
    formatted = "".join(traceback.format_exception(info.value))
    assert "Traceback" in formatted and "AuthError" in formatted
    assert_absent(key, formatted, str(info.value), ledger()[0].error_message)
    assert main(["chat", "-m", model, "-m", "echo", "--json", "q"]) == 1
    out, err = capsys.readouterr()
    assert_absent(key, out, err)
    assert any(json.loads(line)["status"] == "error" for line in out.splitlines())
    assert echoing.requests and all(r.headers.get("authorization") or r.headers.get("x-goog-api-key")
                                    or r.headers.get("x-api-key") for r in echoing.requests)


def test_a_key_from_an_oddly_named_variable_is_scrubbed_too(echoing, monkeypatch):
    """Neither key-shaped nor in a *_KEY variable: only the provider knows it is the key."""
    from tests.support.catalog import add_endpoint

    secret = "plainvalue-not-shaped-4242"
    monkeypatch.setenv("LOCAL_LLM_CRED", secret)
    add_endpoint("odd", echoing.url + "/v1", api_key_env="LOCAL_LLM_CRED")
    add_model("odd-model", provider="odd")
    with pytest.raises(errors.AuthError) as info:
        ai_service.chat("odd-model", "q")
    assert_absent(secret, "".join(traceback.format_exception(info.value)), ledger()[0].error_message)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_password_in_the_base_url_never_reaches_json_ledger_stderr_or_traceback(fake_providers, monkeypatch,
                                                                                   capsys):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://alice:hunter2pw@127.0.0.1:{closed_port()}/v1")
    with pytest.raises(errors.ProviderConnectionError) as info:
        ai_service.chat("gpt-5", "q", timeout=2)
    formatted = "".join(traceback.format_exception(info.value))
    assert "127.0.0.1" in str(info.value)  # the message still says where it tried
    assert_absent("hunter2pw", formatted, ledger()[0].error_message)
    assert main(["chat", "-m", "gpt-5", "--json", "--timeout", "2", "q"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["status"] == "error"
    assert_absent("hunter2pw", out, err)
    assert main(["chat", "-m", "gpt-5", "--timeout", "2", "q"]) == 1
    assert_absent("hunter2pw", *capsys.readouterr())


def test_a_password_in_the_base_url_with_a_server_error(fake_providers, monkeypatch, capsys):
    host = fake_providers.url.removeprefix("http://")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://alice:hunter2pw@{host}/v1")
    fake_providers.script("gpt-5", status=400, error_message="bad request at http://alice:hunter2pw@x/v1")
    with pytest.raises(errors.BadRequestError) as info:
        ai_service.chat("gpt-5", "q")
    assert_absent("hunter2pw", "".join(traceback.format_exception(info.value)), ledger()[0].error_message)


def test_providers_listing_hides_a_password_in_an_endpoint_url(capsys):
    """Endpoints refuse credentials in their URL today; a row stored before that rule is still shown masked."""
    from tests.support.catalog import add_endpoint

    add_endpoint("legacy", "http://bob:opensesame@10.0.0.5/v1")
    assert main(["providers", "--json"]) == 0
    out = capsys.readouterr().out
    assert "legacy" in out and "opensesame" not in out and "10.0.0.5" in out


@pytest.mark.parametrize(("text", "shown"), [
    ("http://user:pass@host/v1", "http://***@host/v1"),
    ("http://user:p@ss@host/v1", "http://***@host/v1"),  # an unencoded '@' in the password
    ("http://user:p#ss?x@host:8/v1", "http://***@host:8/v1"),
    ("http://user:pa/ss@host/v1", "http://***@host/v1"),
    ("http://t0ken@host/v1", "http://***@host/v1"),  # a user alone
    ("http://:pw@host", "http://***@host"),
    ("postgresql+psycopg://bob:s3cr@t!@db:5432/x failed", "postgresql+psycopg://***@db:5432/x failed"),
    ("GET https://h/v1?api_key=abcdef&model=m", "GET https://h/v1?api_key=***&model=m"),
    ("at http://h/v1?x=1&access_token=abc.def: refused", "at http://h/v1?x=1&access_token=***: refused"),
    ("http://h/v1;password=hunter2 (x)", "http://h/v1;password=*** (x)"),
    ("https://h/v1?x-goog-api-key=AIzaXYZ", "https://h/v1?x-goog-api-key=***"),
    # what must stay: a port, an '@' in a path, an email, a harmless query
    ("http://host:8080/users/@me", "http://host:8080/users/@me"),
    ("mail a@b.example about http://h:1/v1?model=m&page=2", "mail a@b.example about http://h:1/v1?model=m&page=2"),
])
def test_redact_masks_every_userinfo_form_and_query_secrets_in_any_text(text, shown):
    from alonchat.core.text import redact

    assert redact(text) == shown
