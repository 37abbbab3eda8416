"""Sign-in for browser tests: a real OIDC provider on loopback (oidc-provider-mock), the app with [auth] pointing at it,
and signing in as one of its predefined users."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.browser_app import ARTIFACTS, free_port, running_app, settled

ADMIN, MEMBER = "admin@corp.example", "ana@corp.example"


@contextmanager
def oidc_provider(tmp_path: Path) -> Iterator[str]:
    """oidc-provider-mock on a free loopback port with ADMIN and MEMBER as predefined users; yields its base URL."""
    if shutil.which("oidc-provider-mock") is None:
        pytest.skip("oidc-provider-mock is not installed (requirements-dev.txt)")
    port = free_port()
    claims = [json.dumps({"sub": sub, "email": email, "email_verified": True})
              for sub, email in (("admin", ADMIN), ("ana", MEMBER))]
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "oidc.log", "w") as log:
        proc = subprocess.Popen([shutil.which("oidc-provider-mock"), "-p", str(port),
                                 *(a for c in claims for a in ("--user-claims", c))],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail("oidc-provider-mock did not start: " + (tmp_path / "oidc.log").read_text())
            yield url
        finally:
            proc.terminate()
            proc.wait(10)


@contextmanager
def app_with_sign_in(fresh_env, tmp_path: Path, oidc: str) -> Iterator[str]:
    """The app with an [auth] block pointing at the mock provider, and ADMIN as the only admin; yields its URL."""
    port = free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "browser-test-cookie-secret"
client_id = "alonchat-test"
client_secret = "alonchat-test-secret"
server_metadata_url = "{oidc}/.well-known/openid-configuration"
""")
    with running_app(fresh_env, tmp_path, port=port, args=("--secrets.files", str(secrets)),
                     ALONCHAT_ADMINS=ADMIN) as url:
        yield url


def sign_in(browser, app_url: str, sub: str):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(app_url)
    settled(page)
    assert page.get_by_test_id("stSidebarNav").count() == 0  # a visitor sees the Log in button and nothing else
    page.screenshot(path=str(ARTIFACTS / f"sign-in-{sub}-visitor.png"), full_page=True)
    page.get_by_role("button", name="Log in").click()
    page.locator(f"button[name='sub'][value='{sub}']").click()  # the provider's page: pick the predefined user
    page.get_by_test_id("stSidebarNav").wait_for(timeout=60_000)
    settled(page)
    return page


def go(page, name: str) -> None:
    """Open a page from the sidebar and wait for its title: "not running" alone can be seen before the rerun starts."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    title = {"Model catalog": "Model catalog", "Costs": "Costs", "Arena": "Arena", "Playground": None}[name]
    if title:
        page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
    settled(page)
