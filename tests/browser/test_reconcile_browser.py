"""The provider-bill reconciliation in Debian's Chromium with sign-in on: an admin sees a matching and a mismatching
day (screenshots), a member never sees the section."""

from __future__ import annotations

from datetime import date

import pytest

from alonchat.usage.bills import store
from tests.support.bills import CLAUDE, CLAUDE_BILLED, GPT, GPT_BILLED, point_at, write
from tests.support.browser_app import ARTIFACTS, need_chromium, settled
from tests.support.sign_in import app_with_sign_in, go, oidc_provider, sign_in

pytestmark = pytest.mark.browser
MATCH, MISMATCH = date(2026, 11, 3), date(2026, 11, 5)


def seed_two_days(admin) -> None:
    """Nov 3: gpt-4.1 the same on both sides; Nov 5: the bill has 20,000 cache-write tokens the ledger never saw."""
    from alonchat.core.types import Usage

    admin.set_price("openai", GPT_BILLED, input=2, cache_read=0.5, output=8)
    admin.set_price("anthropic", CLAUDE_BILLED, input=3, cache_read="0.3", cache_write_5m="3.75", output=15)
    write(MATCH, GPT, "openai", Usage(5_000, 1_000, 0, 500), 10)
    admin.add("openai", MATCH, GPT_BILLED, api_key_id="key_alonchat", requests=10, input=40_000,
              cache_read=10_000, output=5_000)
    write(MISMATCH, CLAUDE, "anthropic", Usage(8_000, 4_000, 0, 800), 5)
    admin.add("anthropic", MISMATCH, CLAUDE_BILLED, api_key_id="apikey_alonchat", input=20_000, cache_read=20_000,
              cache_write_5m=20_000, output=4_000)


@pytest.fixture
def oidc(tmp_path):
    with oidc_provider(tmp_path) as url:
        yield url


@pytest.fixture
def app_url(fresh_env, tmp_path, oidc, fake_server, monkeypatch):
    """Two days fetched from the fake admin APIs into the test's database, then the app with sign-in on (offline)."""
    need_chromium()
    point_at(fake_server, monkeypatch)
    seed_two_days(fake_server.admin)
    for provider in ("openai", "anthropic"):
        store.fetch(provider, date(2026, 11, 1), date(2026, 11, 30))
    fake_server.stop()  # the page reads what was stored
    with app_with_sign_in(fresh_env, tmp_path, oidc) as url:
        yield url


def test_an_admin_sees_a_matching_and_a_mismatching_day_and_a_member_sees_none(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    admin = sign_in(browser, app_url, "admin")
    admin.set_viewport_size({"width": 1500, "height": 4200})
    go(admin, "Costs")
    section = admin.get_by_role("heading", name="Provider bills")
    section.scroll_into_view_if_needed()
    admin.locator("[data-testid='stSelectbox']").filter(has_text="Month (UTC)").click()
    admin.get_by_role("option", name="November 2026").click()
    settled(admin)
    admin.get_by_text("Why each gap (1)").wait_for(timeout=30_000)
    admin.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").last.wait_for()
    admin.wait_for_timeout(800)  # let Vega finish drawing before the picture
    main = admin.get_by_test_id("stMain").inner_text()
    assert "2 day × provider × model rows (UTC days); 1 past the tolerance." in main
    assert "Days are UTC days" in main and "2026-11-05 (UTC)" in main
    assert "Cache writes (5 min): the provider billed 20,000 tokens the ledger did not see." in main
    assert "Gap % of the bill" in main and admin.get_by_test_id("stException").count() == 0
    section.scroll_into_view_if_needed()
    admin.screenshot(path=str(ARTIFACTS / "reconcile-admin.png"))
    admin.get_by_text("Why each gap (1)").scroll_into_view_if_needed()
    admin.screenshot(path=str(ARTIFACTS / "reconcile-admin-why.png"))

    member = sign_in(browser, app_url, "ana")
    go(member, "Costs")
    member.get_by_text("My spend").first.wait_for()
    assert member.get_by_role("heading", name="Provider bills").count() == 0
    assert member.get_by_text("Fetch bills").count() == 0 and member.get_by_text("Why each gap").count() == 0
    member.screenshot(path=str(ARTIFACTS / "reconcile-member.png"), full_page=True)
