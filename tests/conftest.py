"""Shared fixtures: a fresh migrated SQLite file per test, no keys, and no traffic off this machine."""

from __future__ import annotations

import ipaddress
import shutil
import socket

import pytest

KEY_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
            "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_API_VERSION",
            "TOGETHER_API_KEY", "GROQ_API_KEY")

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    """Tests refuse network calls by default: only loopback (our fake servers) is reachable."""
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise OSError(f"test tried to reach {host}: tests never leave this machine")
    return _real_connect(self, address)


def pytest_configure(config):
    socket.socket.connect = _loopback_only


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrate and seed once; each test gets a copy, which is much faster than migrating again."""
    from alonchat.storage import engine as db

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.get_engine(f"sqlite:///{path}")
    engine.dispose()
    db.reset_engines()
    return path


@pytest.fixture(autouse=True)
def fresh_env(template_db, tmp_path, monkeypatch):
    from alonchat.registry import registry
    from alonchat.storage import engine as db

    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "alonchat.db"
    shutil.copy(template_db, path)
    monkeypatch.setenv("ALONCHAT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("ALONCHAT_ECHO_DELAY_MS", "0")
    monkeypatch.setenv("ALONCHAT_USER", "tester")
    db.reset_engines()
    registry.__init__()  # forget providers registered by other tests
    yield path
    db.reset_engines()
    registry.__init__()


# --- the wire-level fake provider server (tests/fake_server) ---------------------------------

FAKE_KEYS = {
    "OPENAI_API_KEY": "sk-fake-openai-key-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-fake-anthropic-key-0123456789",
    "GEMINI_API_KEY": "AIzaFakeGeminiKey0123456789abcdefgh",
}


@pytest.fixture
def fake_server():
    """A started FakeServer (tests/fake_server) on 127.0.0.1, stopped after the test.

    Script replies with `fake_server.script(model_id, reply=..., usage=..., delay=..., status=...)`,
    read `fake_server.requests` to see what the SDKs sent. Providers are NOT pointed at it: use
    `fake_providers` for that.
    """
    from tests.fake_server import FakeServer

    with FakeServer() as srv:
        yield srv


@pytest.fixture
def fake_providers(fake_server, monkeypatch):
    """The fake server with the built-in providers pointed at it through their env vars; yields the server.

    Sets OPENAI_BASE_URL=url+"/v1", ANTHROPIC_BASE_URL=url, GOOGLE_GEMINI_BASE_URL=url and fake keys
    (FAKE_KEYS: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY), so `ai_service.chat("gpt-5", ...)`,
    "claude-sonnet-4-6" or "gemini-2.5-flash" go through the real SDKs to the fake server. Pages
    tested with AppTest see the same env vars.
    """
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.url + "/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.url)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake_server.url)
    for var, value in FAKE_KEYS.items():
        monkeypatch.setenv(var, value)
    yield fake_server


# --- the browser tests' Chromium (tests/browser_app.py) -------------------------------------


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright, closed after the test; skips (or fails in CI) without it."""
    from tests.browser_app import chromium

    with chromium() as b:
        yield b
