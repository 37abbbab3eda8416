"""A page under AppTest, as nobody in particular (single-user mode) or as a signed-in user (`at.user`, [auth] on)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from alonchat.storage.engine import ROOT

APP = str(ROOT / "app.py")
# An [auth] block that turns sign-in on; AppTest's `at.user` says who is signed in (no provider is reached).
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alonchat", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def open_page(page: str, user: dict | None = None, timeout: float = 90) -> AppTest:
    """The app run once, then switched to `page` ("pages/x.py"); with `user`, sign-in is on and they are signed in."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
