"""Issue 20, item 6 in Debian's Chromium: a streamed markdown table is never on screen twice, at any moment."""

from __future__ import annotations

import pytest

from tests.fake_server import FAKE_KEYS
from tests.support.browser_app import need_chromium, running_app, settled

pytestmark = pytest.mark.browser

# Every state the page shows (a MutationObserver, not samples): the most times one pane shows this turn's table.
WATCH_JS = """(header) => {
  window.__most = 0; window.__seen = 0;
  const check = () => {
    for (const pane of document.querySelectorAll('[class*="st-key-pg_pane_"]')) {
      const tables = [...pane.querySelectorAll('table')].filter(t => t.innerText.includes(header)).length;
      window.__most = Math.max(window.__most, tables);
      if (tables) window.__seen += 1;
    }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester", OPENAI_BASE_URL=fake_server.url + "/v1",
                     **FAKE_KEYS) as url:
        yield url


def test_a_streamed_table_is_drawn_once_in_every_state_the_page_shows(app_url, browser, fake_server):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/?p=0:gpt-5.4-mini&p=1:gpt-5")
    settled(page)
    for turn in range(3):  # later turns stream under earlier answers that hold tables too
        header = f"Planet{turn}"
        rows = "".join(f"| P{i} | {i * 1000} km | {i} |\n" for i in range(12))
        end = "\nThat is all.\n" if turn % 2 == 0 else ""  # a table in the middle, then one at the very end
        text = f"Here is a table.\n\n| {header} | Size | Moons |\n|---|---|---|\n{rows}{end}"
        for model in ("gpt-5.4-mini", "gpt-5"):
            fake_server.script(model, chunks=[w + " " for w in text.split(" ")], delay=0.02)
        page.evaluate(WATCH_JS, header)
        box = page.locator("[data-testid='stChatInputTextArea']")
        box.fill(f"A table, please ({turn})")
        box.press("Enter")
        page.wait_for_function(f"""() => [0, 1].every(i => {{
            const pane = document.querySelector('.st-key-pg_pane_' + i);
            return pane && pane.innerText.split('tok/s').length > {turn + 1};
        }})""", timeout=60_000)
        page.locator(".st-key-pg_summary").wait_for(timeout=30_000)
        settled(page)
        assert page.evaluate("window.__seen") > 10  # the watch saw the table stream in
        assert page.evaluate("window.__most") == 1, f"turn {turn}: a pane showed its table twice"
