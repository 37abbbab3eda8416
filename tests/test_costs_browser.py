"""The cost dashboard in Debian's Chromium over demo data: it renders charts and figures without errors (screenshot)."""

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
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (scripts/test does)")
        pytest.skip(f"{CHROMIUM} is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """`streamlit run app.py` on this test's database, filled with 4,000 demo calls over 30 days."""
    from alonchat import budgets, demo

    _need_chromium()
    demo.generate(4000, 30, seed=11)
    budgets.set_budget(60)
    budgets.set_budget(25, user="alice")
    port = _free_port()
    env = dict(os.environ, ALONCHAT_DATABASE_URL=f"sqlite:///{fresh_env}", ALONCHAT_USER="browser-tester")
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
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


def _settled(page, timeout=60_000) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)


def test_dashboard_over_demo_data(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 3400})
            page.goto(app_url)
            _settled(page)
            page.locator("[data-testid='stSidebarNav'] a", has_text="Costs").click()
            _settled(page)
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
        finally:
            browser.close()
