"""The catalog in Debian's Chromium: a user fills the add-model form and finds the model in the table and picker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """`streamlit run app.py` headless on a free port and on this test's database."""
    _need_chromium()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, ALONCHAT_DATABASE_URL=f"sqlite:///{fresh_env}", ALONCHAT_USER="browser-tester")
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def _settled(page, timeout=60_000) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)


def _tab(page):
    """The open tab: every tab's widgets are in the page, only one is visible."""
    return page.locator("[role='tabpanel']:visible")


def _type(page, label: str, value: str) -> None:
    """Type into a field like a user: click, type, Tab away (which is when Streamlit sends the value)."""
    box = _tab(page).locator(f"input[aria-label='{label}']")
    box.click()
    box.fill(value)
    box.press("Tab")
    _settled(page)


def test_fill_the_add_model_form_and_find_the_model(app_url, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(app_url)
    _settled(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Model catalog").click()
    _settled(page)
    page.get_by_role("heading", name="Model catalog").wait_for()
    assert page.locator("[data-testid='stException']").count() == 0

    page.get_by_role("tab", name="Add model").click()
    _tab(page).locator("[data-testid='stSelectbox']").filter(has_text="Provider").click()
    page.get_by_role("option", name="echo", exact=True).click()
    _settled(page)
    _type(page, "Model id", "echo-1")
    _type(page, "Name *", "Browser Bot ✓")
    _type(page, "Display name", "Added from Chromium")
    _type(page, "Context window", "32000")
    _type(page, "Max output tokens", "2000")
    _type(page, "Input price", "0.5")
    _type(page, "Output price", "1.5")
    page.screenshot(path=str(ARTIFACTS / "catalog-add-form.png"), full_page=True)
    _tab(page).get_by_role("button", name="Add model").click()
    _settled(page)
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
    _settled(page)
    box = page.locator("[data-testid='stMultiSelect'] input").first
    box.click()
    box.fill("Browser")
    option = page.get_by_role("option").filter(has_text="Browser Bot ✓")
    option.first.wait_for(timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "catalog-in-playground-picker.png"), full_page=True)
    assert "echo" in option.first.inner_text()
