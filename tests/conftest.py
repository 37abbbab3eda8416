"""Shared fixtures: a fresh migrated SQLite file per test, no keys, and no traffic off this machine."""

from __future__ import annotations

import ipaddress
import os
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
    from alonchat import db

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.get_engine(f"sqlite:///{path}")
    engine.dispose()
    db.reset_engines()
    return path


@pytest.fixture(autouse=True)
def fresh_env(template_db, tmp_path, monkeypatch):
    from alonchat import db
    from alonchat.registry import registry

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
