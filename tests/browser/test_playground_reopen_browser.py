"""Issue 20, item 2 in Debian's Chromium: a saved compare of one model at two settings reopens exactly."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.fake_server import FAKE_KEYS
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled, unnamed_controls

pytestmark = pytest.mark.browser
DONE_JS = """() => [0, 1].every(i => {
    const pane = document.querySelector('.st-key-pg_pane_' + i);
    return pane && (pane.innerText.match(/tok\\/s/g) || []).length >= %d;
})"""


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester", OPENAI_BASE_URL=fake_server.url + "/v1",
                     **FAKE_KEYS) as url:
        yield url


def _send_and_wait(page, text: str, turn: int) -> None:
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(DONE_JS % turn, timeout=60_000)
    page.locator(".st-key-pg_summary").wait_for(timeout=30_000)  # the rerun that draws from the database
    settled(page)


def _efforts(fake_server) -> list[str | None]:
    return [r.json.get("reasoning_effort") for r in fake_server.requests_to("chat/completions")]


def _assert_restored(page) -> None:
    headers = [page.locator(f".st-key-pg_pane_{i}").inner_text() for i in range(2)]
    assert "effort low" in headers[0] and "effort high" in headers[1], headers
    query = parse_qs(urlparse(page.url).query)
    assert [p.split("|")[1:] for p in query["p"]] == [["reasoning_effort=low"], ["reasoning_effort=high"]]


def test_a_two_setting_compare_reopens_from_the_sidebar_and_its_url_and_sends_both_settings(
        app_url, browser, fake_server):
    fake_server.script("gpt-5", reply="9.9 is bigger.", usage={"input": 20, "output": 5, "reasoning": 30})
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/?p=0:gpt-5|reasoning_effort=low&p=1:gpt-5|reasoning_effort=high")
    settled(page)
    _send_and_wait(page, "Which is bigger, 9.11 or 9.9?", 1)
    assert sorted(_efforts(fake_server)) == ["high", "low"]
    cid = parse_qs(urlparse(page.url).query)["c"][0]

    # A new chat, then the saved compare again from the sidebar.
    page.locator(".st-key-pg_new_chat button").first.click()
    page.wait_for_function("!location.search.includes('c=')", timeout=30_000)
    settled(page)
    page.locator(f".st-key-pg_open_{cid} button").first.click()
    page.wait_for_function("location.search.includes('c=')", timeout=30_000)
    settled(page)
    _assert_restored(page)
    page.screenshot(path=str(ARTIFACTS / "playground-reopened-compare.png"))
    # Every control on the playground (pane buttons, receipts, the sidebar's list) has words of its own.
    assert unnamed_controls(page) == []
    _send_and_wait(page, "And 9.90 or 9.9?", 2)
    assert sorted(_efforts(fake_server)[2:]) == ["high", "low"]

    # Its URL with the conversation only, in a new tab: the panes come back with their settings.
    other = browser.new_page(viewport={"width": 1280, "height": 800})
    other.goto(f"{app_url}/?c={cid}")
    settled(other)
    _assert_restored(other)
    _send_and_wait(other, "Last one: 10 or 9.99?", 3)
    third = [r.json for r in fake_server.requests_to("chat/completions")][4:]
    assert sorted(b["reasoning_effort"] for b in third) == ["high", "low"]
    assert all(len(b["messages"]) == 5 for b in third)  # each pane's own two earlier turns came with it
