"""The catalog in Debian's Chromium: a user fills the add-model form and finds the model in the table and picker."""

from __future__ import annotations

import pytest

from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """`streamlit run app.py` headless on a free port and on this test's database."""
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester") as url:
        yield url


@pytest.fixture
def page(app_url, browser):
    """A desktop-sized tab in Chromium, opened once the app is up."""
    return browser.new_page(viewport={"width": 1400, "height": 1000})


def _tab(page):
    """The open tab: every tab's widgets are in the page, only one is visible."""
    return page.locator("[role='tabpanel']:visible")


def _type(page, label: str, value: str) -> None:
    """Type into a field like a user: click, type, Tab away (which is when Streamlit sends the value)."""
    box = _tab(page).locator(f"input[aria-label='{label}']")
    box.click()
    box.fill(value)
    box.press("Tab")
    settled(page)


def test_fill_the_add_model_form_and_find_the_model(app_url, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(app_url)
    settled(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Model catalog").click()
    settled(page)
    page.get_by_role("heading", name="Model catalog").wait_for()
    assert page.locator("[data-testid='stException']").count() == 0

    page.get_by_role("tab", name="Add model").click()
    _tab(page).locator("[data-testid='stSelectbox']").filter(has_text="Provider").click()
    page.get_by_role("option", name="echo", exact=True).click()
    settled(page)
    _type(page, "Model id", "echo-1")
    _type(page, "Name *", "Browser Bot ✓")
    _type(page, "Display name", "Added from Chromium")
    _type(page, "Context window", "32000")
    _type(page, "Max output tokens", "2000")
    _type(page, "Input price", "0.5")
    _type(page, "Output price", "1.5")
    page.screenshot(path=str(ARTIFACTS / "catalog-add-form.png"), full_page=True)
    _tab(page).get_by_role("button", name="Add model").click()
    settled(page)
    page.get_by_text("Added Browser Bot ✓").wait_for(timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "catalog-added.png"), full_page=True)

    page.get_by_role("tab", name="Models").click()
    _type(page, "Search", "browser bot")
    _tab(page).get_by_text("1 of 20 models").wait_for(timeout=20_000)
    grid = _tab(page).locator("[data-testid='stDataFrame']").first
    # The grid draws on a canvas; its accessible copy holds the cell text once it has drawn.
    grid.get_by_text("Browser Bot ✓", exact=True).first.wait_for(state="attached", timeout=20_000)
    grid.get_by_text("$0.5", exact=True).first.wait_for(state="attached", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "catalog-table.png"), full_page=True)

    # The playground, in the same session: the model is in its picker with no restart.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground").click()
    settled(page)
    box = page.locator(".st-key-pg_add_model input").first  # the "Add a pane" picker
    box.click()
    box.fill("Browser")
    option = page.get_by_role("option").filter(has_text="Browser Bot ✓")
    option.first.wait_for(timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "catalog-in-playground-picker.png"), full_page=True)
    assert "echo" in option.first.inner_text()
