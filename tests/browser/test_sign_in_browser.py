"""Sign-in in Debian's Chromium through a real OIDC provider on loopback (oidc-provider-mock): an admin and a member."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request

import pytest
from sqlalchemy import select

from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from tests.support.browser_app import ARTIFACTS, free_port, need_chromium, running_app, settled

pytestmark = pytest.mark.browser

ADMIN, MEMBER = "admin@corp.example", "ana@corp.example"


@pytest.fixture
def oidc(tmp_path):
    """oidc-provider-mock on a free loopback port with two predefined users; yields its base URL."""
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


@pytest.fixture
def app_url(fresh_env, tmp_path, oidc):
    """The app with an [auth] block pointing at the mock provider, and ADMIN as the only admin."""
    need_chromium()
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


def chat(page, text: str) -> None:
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")
    page.get_by_text('you said "' + text).first.wait_for(timeout=60_000)
    settled(page)


def go(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    settled(page)


def test_an_admin_and_a_member_sign_in_and_get_their_roles(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    admin = sign_in(browser, app_url, "admin")
    admin.get_by_text(f"Signed in as {ADMIN} · admin").wait_for(timeout=20_000)
    chat(admin, "hello from the admin")
    go(admin, "Model catalog")
    admin.get_by_role("tab", name="Add model").click()
    panel = admin.locator("[role='tabpanel']:visible")
    panel.locator("[data-testid='stSelectbox']").filter(has_text="Provider").click()
    admin.get_by_role("option", name="echo", exact=True).click()
    settled(admin)
    for label, value in (("Model id", "echo-1"), ("Name *", "team-bot")):
        box = panel.locator(f"input[aria-label='{label}']")
        box.click()
        box.fill(value)
        box.press("Tab")
        settled(admin)
    panel.get_by_role("button", name="Add model").click()
    admin.get_by_text("Added team-bot").wait_for(timeout=20_000)
    admin.screenshot(path=str(ARTIFACTS / "sign-in-admin-added-model.png"), full_page=True)

    member = sign_in(browser, app_url, "ana")
    member.get_by_text(f"Signed in as {MEMBER} · member").wait_for(timeout=20_000)
    chat(member, "hello from ana")
    go(member, "Model catalog")
    tabs = [t.strip() for t in member.get_by_role("tab").all_inner_texts()]
    assert tabs == ["Models", "Test a model"], tabs  # no editing controls
    member.get_by_text("read-only for members").wait_for()
    member.screenshot(path=str(ARTIFACTS / "sign-in-member-catalog.png"), full_page=True)
    go(member, "Costs")
    assert member.get_by_role("button", name="Save budget").count() == 0
    member.get_by_text("My spend").first.wait_for()
    assert member.get_by_text(ADMIN).count() == 0  # only their own spend: the admin's name is nowhere
    member.screenshot(path=str(ARTIFACTS / "sign-in-member-costs.png"), full_page=True)
    assert member.get_by_test_id("stException").count() == 0 and admin.get_by_test_id("stException").count() == 0

    with session() as s:
        rows = [(r.user, r.model_name, r.status) for r in s.scalars(select(UsageRecord).order_by(UsageRecord.id))]
    assert rows == [(ADMIN, "echo", "ok"), (MEMBER, "echo", "ok")]
