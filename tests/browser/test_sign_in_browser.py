"""Sign-in in Debian's Chromium through a real OIDC provider on loopback (oidc-provider-mock): an admin and a member.

Both roles download every export the pages offer them, and every control they see has an accessible name.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from alonchat.core.types import Usage
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from tests.support.browser_app import ARTIFACTS, download, need_chromium, settled, unnamed_controls
from tests.support.ledger_fixture import write
from tests.support.sign_in import ADMIN, MEMBER, app_with_sign_in, go, oidc_provider, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def oidc(tmp_path):
    with oidc_provider(tmp_path) as url:
        yield url


@pytest.fixture
def app_url(fresh_env, tmp_path, oidc):
    need_chromium()
    with app_with_sign_in(fresh_env, tmp_path, oidc) as url:
        yield url


def chat(page, text: str) -> None:
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")
    page.get_by_text('you said "' + text).first.wait_for(timeout=60_000)
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


def _ledger() -> None:
    """Calls of three people in the last day: what each role's exports may and may not hold."""
    now = datetime.now(UTC).replace(microsecond=0)
    for i, (user, model, cost) in enumerate([(ADMIN, "gpt-5", "0.002"), (ADMIN, "gpt-5", "0.003"),
                                             (MEMBER, "claude-sonnet-4-6", "0.004"), (MEMBER, "gpt-5", "0.001"),
                                             (MEMBER, "mystery", None), ("bob@corp.example", "gpt-5", "0.5")]):
        write(now - timedelta(hours=2, minutes=i), user, model, "openai", "ok", Usage(100, 0, 0, 20),
              None if cost is None else D(cost))


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _costs_exports(page) -> tuple[list[dict], list[dict]]:
    main = page.get_by_test_id("stMain")
    breakdown = _rows(download(page, main.get_by_role("button", name="Download breakdown (CSV)")))
    raw = _rows(download(page, main.get_by_role("button", name="Download raw rows (CSV, first 500,000)")))
    return breakdown, raw


def _conversation_exports(page, prompt: str) -> tuple[str, dict]:
    chat(page, prompt)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("This conversation").click()
    markdown = download(page, sidebar.get_by_role("button", name="Markdown"))
    as_json = json.loads(download(page, sidebar.get_by_role("button", name="JSON")))
    return markdown, as_json


def test_every_export_downloads_as_the_signed_in_user(app_url, browser):
    """With sign-in on, deferred exports once failed for everyone ("Failed to generate file for download")."""
    ARTIFACTS.mkdir(exist_ok=True)
    _ledger()

    admin = sign_in(browser, app_url, "admin")
    go(admin, "Costs")
    assert unnamed_controls(admin) == []
    breakdown, raw = _costs_exports(admin)
    assert {r["model"]: int(r["requests"]) for r in breakdown} == {"gpt-5": 4, "claude-sonnet-4-6": 1, "mystery": 1}
    assert sorted(r["user"] for r in raw) == sorted([ADMIN, ADMIN, MEMBER, MEMBER, MEMBER, "bob@corp.example"])
    assert [r["cost_usd"] for r in raw if r["model_name"] == "mystery"] == [""]  # unpriced: empty, never 0
    go(admin, "Model catalog")
    admin.get_by_role("tab", name="Import / export").click()
    settled(admin)
    panel = admin.locator("[role='tabpanel']:visible")
    catalog_csv = _rows(download(admin, panel.get_by_role("button", name="Download CSV")))
    catalog_json = json.loads(download(admin, panel.get_by_role("button", name="Download JSON")))
    assert {"gpt-5", "echo"} <= {r["name"] for r in catalog_csv}
    models = catalog_json["models"] if isinstance(catalog_json, dict) else catalog_json
    assert {m["name"] for m in models} == {r["name"] for r in catalog_csv}
    for tab in ("Endpoints", "Edit", "Models"):
        admin.get_by_role("tab", name=tab).click()
        settled(admin)
        assert unnamed_controls(admin) == [], tab
    go(admin, "Playground")
    markdown, as_json = _conversation_exports(admin, "the admin's own question")
    assert "the admin's own question" in markdown and "the admin's own question" in json.dumps(as_json)
    admin.screenshot(path=str(ARTIFACTS / "sign-in-admin-exports.png"), full_page=True)

    member = sign_in(browser, app_url, "ana")
    go(member, "Costs")
    assert unnamed_controls(member) == []
    breakdown, raw = _costs_exports(member)
    assert {r["model"]: int(r["requests"]) for r in breakdown} == {"claude-sonnet-4-6": 1, "gpt-5": 1, "mystery": 1}
    assert {r["user"] for r in raw} == {MEMBER} and len(raw) == 3  # only her rows: nobody else's
    go(member, "Model catalog")
    assert member.get_by_role("button", name="Download CSV").count() == 0  # the catalog's exports are an admin's
    assert unnamed_controls(member) == []
    go(member, "Playground")
    markdown, as_json = _conversation_exports(member, "ana's private question")
    assert "ana's private question" in markdown and "the admin's own question" not in markdown
    assert "the admin's own question" not in json.dumps(as_json)
    member.screenshot(path=str(ARTIFACTS / "sign-in-member-exports.png"), full_page=True)
    assert member.get_by_test_id("stException").count() == 0 and admin.get_by_test_id("stException").count() == 0
