"""Shared fixtures: a fresh migrated database per test (SQLite, or PostgreSQL), no keys, no traffic off this machine.

`ALONCHAT_TEST_DATABASE=postgresql` (with `ALONCHAT_TEST_POSTGRES_URL`) runs the whole suite on
PostgreSQL: each test gets a new database copied from a migrated template database, as the SQLite
runs copy a migrated template file. Tests marked `sqlite_only` are skipped there.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid

import pytest

from tests.fake_server import FAKE_KEYS

KEY_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
            "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_API_VERSION",
            "TOGETHER_API_KEY", "GROQ_API_KEY", "OPENAI_ADMIN_KEY", "ANTHROPIC_ADMIN_KEY",
            "ALONCHAT_OPENAI_API_KEY_IDS", "ALONCHAT_OPENAI_PROJECT_IDS", "ALONCHAT_ANTHROPIC_API_KEY_IDS",
            "ALONCHAT_ANTHROPIC_WORKSPACE_IDS")

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
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself; skipped when the suite runs on PostgreSQL")


POSTGRES_URL = os.environ.get("ALONCHAT_TEST_POSTGRES_URL")
ON_POSTGRES = os.environ.get("ALONCHAT_TEST_DATABASE", "sqlite") == "postgresql"
if ON_POSTGRES and not POSTGRES_URL:
    raise pytest.UsageError("ALONCHAT_TEST_DATABASE=postgresql needs ALONCHAT_TEST_POSTGRES_URL")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific; this run is on PostgreSQL")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def _pg_admin():
    from sqlalchemy import create_engine

    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def pg_database(template: str | None = None) -> str:
    """Create a new database on the test server (a copy of `template` when given); return its URL."""
    from sqlalchemy import text

    name = f"alonchat_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    from sqlalchemy import text

    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template():
    """A migrated, seeded PostgreSQL database that each test's database is copied from (only on PostgreSQL runs)."""
    if not ON_POSTGRES:
        yield None
        return
    from alonchat.storage import engine as db

    url = pg_database()
    db.get_engine(url).dispose()
    db.reset_engines()
    yield url.rsplit("/", 1)[1]
    drop_pg_database(url)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrate and seed once; each test gets a copy, which is much faster than migrating again."""
    from alonchat.storage import engine as db

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.get_engine(f"sqlite:///{path}")
    engine.dispose()
    db.reset_engines()
    return path


def _forget_caches() -> None:
    from alonchat.access import identity, teams
    from alonchat.usage import budgets

    budgets.forget_cached()
    teams.forget_cached()
    identity.require_sign_in(False)


@pytest.fixture(autouse=True)
def fresh_env(template_db, pg_template, tmp_path, monkeypatch):
    from alonchat.providers.registry import registry
    from alonchat.storage import engine as db

    for var in (*KEY_VARS, "ALONCHAT_ADMINS"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "alonchat.db"
    pg_url = None
    if pg_template is not None:
        pg_url = pg_database(pg_template)
        monkeypatch.setenv("ALONCHAT_DATABASE_URL", pg_url)
    else:
        shutil.copy(template_db, path)
        monkeypatch.setenv("ALONCHAT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("ALONCHAT_ECHO_DELAY_MS", "0")
    monkeypatch.setenv("ALONCHAT_USER", "tester")
    db.reset_engines()
    _forget_caches()
    registry.__init__()  # forget providers registered by other tests
    yield path
    db.reset_engines()
    _forget_caches()
    registry.__init__()
    if pg_url is not None:
        drop_pg_database(pg_url)


@pytest.fixture
def pg(fresh_env, monkeypatch):
    """A new, empty PostgreSQL database on the test server, migrated by the engine on first use (skips without one)."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: scripts/test starts a server and sets ALONCHAT_TEST_POSTGRES_URL",
                        pytrace=False)
        pytest.skip("set ALONCHAT_TEST_POSTGRES_URL to test on PostgreSQL")
    from alonchat.storage import engine as db

    url = pg_database()
    monkeypatch.setenv("ALONCHAT_DATABASE_URL", url)
    db.reset_engines()
    _forget_caches()
    yield url
    db.reset_engines()
    drop_pg_database(url)


# --- the wire-level fake provider server (tests/fake_server) ---------------------------------




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


# --- the browser tests' Chromium (tests/support/browser_app.py) -------------------------------------


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright, closed after the test; skips (or fails in CI) without it."""
    from tests.support.browser_app import chromium

    with chromium() as b:
        yield b
