"""Issue 20: under an answer in Chromium: copy it to the clipboard, and its request as curl, with no key in sight."""

from __future__ import annotations

import pytest

from tests.fake_server import FAKE_KEYS
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser
ANSWER = "Amber is **warm**; blue is cool."


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="actions-tester", OPENAI_BASE_URL=fake_server.url + "/v1",
                     **FAKE_KEYS) as url:
        yield url


def test_copy_puts_the_answer_on_the_clipboard_and_the_curl_names_no_key(app_url, browser, fake_server):
    fake_server.script("gpt-5.4-mini", reply=ANSWER)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page = context.new_page()
    page.goto(app_url + "/?p=0:gpt-5.4-mini")
    settled(page)
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill("Name a warm colour.")
    box.press("Enter")
    page.locator(".st-key-pg_actions_0").wait_for(timeout=60_000)  # drawn under the stored answer
    settled(page)
    page.locator(".st-key-pg_actions_0 [data-testid='stPopover'] button").first.click()
    code = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode']").first
    code.wait_for(timeout=10_000)
    code.hover()
    code.locator("button").first.click()  # st.code's own copy button
    page.wait_for_function(f"navigator.clipboard.readText().then(t => t === {ANSWER!r})", timeout=10_000)
    page.get_by_role("tab", name="curl").click()
    curl = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode']").filter(has_text="curl ").first
    curl.wait_for(timeout=10_000)
    text = curl.inner_text()
    assert "/chat/completions" in text and "$OPENAI_API_KEY" in text and "Name a warm colour." in text
    assert FAKE_KEYS["OPENAI_API_KEY"] not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-view-code.png"))
