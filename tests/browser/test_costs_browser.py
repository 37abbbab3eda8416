"""The cost dashboard in Debian's Chromium over demo data: it renders charts and figures without errors (screenshot)."""

from __future__ import annotations

import pytest

from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """`streamlit run app.py` on this test's database, filled with 4,000 demo calls over 30 days."""
    from alonchat.usage import budgets, demo

    need_chromium()
    demo.generate(4000, 30, seed=11)
    budgets.set_budget(60)
    budgets.set_budget(25, user="alice")
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester") as url:
        yield url


def test_dashboard_over_demo_data(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 3400})
    page.goto(app_url)
    settled(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Costs").click()
    settled(page)
    page.wait_for_selector("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg",
                           timeout=30_000)
    page.wait_for_timeout(800)  # let Vega finish drawing before the picture
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "Total spend" in body and "Unpriced calls" in body and "projected month-end" in body
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 4
    assert page.locator("[data-testid='stMetric']").count() >= 11
    page.screenshot(path=str(ARTIFACTS / "costs-dashboard.png"), full_page=True)
    # hovering the biggest spender's bar shows its exact figures in Vega's tooltip
    chart = page.locator("[data-testid='stVegaLiteChart']").nth(2)
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    tip = page.locator("#vg-tooltip-element")
    for fy in (0.10, 0.13, 0.16, 0.19, 0.22):
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * fy)
        page.wait_for_timeout(250)
        if tip.count() and tip.is_visible() and "spend" in tip.inner_text():
            break
    assert "spend" in tip.inner_text() and "$" in tip.inner_text()
    page.screenshot(path=str(ARTIFACTS / "costs-dashboard-tooltip.png"))
