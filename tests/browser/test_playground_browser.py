"""The playground in Debian's Chromium: two models side by side through the real SDKs and the fake server."""

from __future__ import annotations

import pytest

from tests.fake_server import FAKE_KEYS
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    """`streamlit run app.py` headless on a free port, on this test's database, providers on the fake server."""
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_ECHO_DELAY_MS="5", ALONCHAT_USER="browser-tester",
                     OPENAI_BASE_URL=fake_server.url + "/v1", ANTHROPIC_BASE_URL=fake_server.url,
                     GOOGLE_GEMINI_BASE_URL=fake_server.url, **FAKE_KEYS) as url:
        yield url


PANES_JS = "document.querySelectorAll('[class*=\"st-key-pg_rm_\"]').length"


def _pick(page, name: str) -> None:
    """Add a pane for `name` through the "Add a pane" picker, and wait until it is there."""
    settled(page)
    before = page.evaluate(PANES_JS)
    box = page.locator(".st-key-pg_add_model input").first
    box.click()
    box.fill(name)
    page.get_by_role("option").filter(has_text=name).first.click()
    page.wait_for_function(f"{PANES_JS} === {before + 1}", timeout=30_000)
    settled(page)


def _send(page, text: str) -> None:
    """Type into the composer and press Enter (no mouse)."""
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")


def test_two_models_side_by_side_fill_in_with_metrics(app_url, browser, fake_server):
    fake_server.script("gpt-5.4-mini", delay=0.05, usage={"input": 18, "cached": 6, "output": 24, "reasoning": 8},
                       reply="Server-Sent Events keep one HTTP response open and push each token as a "
                             "`data:` line, so the page can render text the moment it arrives.")
    fake_server.script("claude-haiku-4-5", delay=0.07, usage={"input": 20, "output": 19},
                       reply="SSE streams tokens over a single long-lived HTTP response; each event "
                             "carries a small JSON delta that the client appends.")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    settled(page)
    assert page.locator("[data-testid='stException']").count() == 0

    page.locator(".st-key-pg_rm_0 button").first.click()  # drop the default echo pane
    page.wait_for_function(f"{PANES_JS} === 0", timeout=30_000)
    _pick(page, "gpt-5.4-mini")
    _pick(page, "claude-haiku-4-5")
    bottom = page.locator("[data-testid='stBottom']")
    bottom.get_by_text("for a 100-word prompt to 2 panes").wait_for(timeout=30_000)  # the estimate, before sending
    assert "input only, estimated" in bottom.inner_text()
    _send(page, "In two sentences: how does token streaming over SSE work?")
    # Both panes are done when each shows its metrics line; then the page re-renders from the database.
    page.wait_for_function("""() => [0, 1].every(i => {
        const pane = document.querySelector('.st-key-pg_pane_' + i);
        return pane && pane.innerText.includes('tok/s');
    })""", timeout=60_000)
    page.locator(".st-key-pg_summary").wait_for(timeout=30_000)  # the rerun that renders from the database
    settled(page)

    panes = [page.locator(f".st-key-pg_pane_{i}") for i in range(2)]
    texts = [p.inner_text() for p in panes]
    assert "Server-Sent Events keep one HTTP response open" in texts[0]
    assert "SSE streams tokens over a single long-lived HTTP response" in texts[1]
    for text in texts:
        assert "first token" in text and "tok/s" in text and "out " in text
    assert page.locator(".st-key-pg_pane_2").count() == 0
    assert "Cheapest" in page.locator(".st-key-pg_summary").inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    page.set_viewport_size({"width": 1400, "height": 1250})
    page.screenshot(path=str(ARTIFACTS / "playground-desktop.png"))

    # The URL names the conversation: a phone-sized window reopens it with both panes and metrics.
    assert "c=" in page.url and "p=1%3Agpt-5.4-mini" in page.url
    narrow = browser.new_page(viewport={"width": 420, "height": 2200})
    narrow.goto(page.url)
    settled(narrow)
    text = narrow.locator("[data-testid='stMain']").inner_text()
    assert "Server-Sent Events keep one HTTP response open" in text and "SSE streams tokens" in text
    assert text.count("tok/s") >= 2
    narrow.screenshot(path=str(ARTIFACTS / "playground-narrow.png"))


def test_stop_cancels_the_running_answers_and_records_them(app_url, browser, fake_server, fresh_env):
    from sqlalchemy import create_engine, text

    # 30 s of words: long enough that the answer cannot finish before Stop, even on a loaded machine.
    fake_server.script("gpt-5.4-mini", chunks=[f"word{i} " for i in range(100)], delay=0.3)
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    settled(page)
    _pick(page, "gpt-5.4-mini")
    _send(page, "Count slowly")
    page.wait_for_function("document.querySelector('.st-key-pg_pane_1') && "
                           "document.querySelector('.st-key-pg_pane_1').innerText.includes('word2')",
                           timeout=60_000)
    assert "streaming" in page.locator(".st-key-pg_pane_1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "playground-streaming.png"))
    page.locator(".st-key-pg_stop_all button").first.click()
    page.locator(".st-key-pg_retry_1 button").wait_for(timeout=30_000)  # a cancelled pane offers Retry
    settled(page)
    pane = page.locator(".st-key-pg_pane_1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "playground-stopped.png"))
    assert "cancelled" in pane and "word0" in pane and "word99" not in pane
    engine = create_engine(f"sqlite:///{fresh_env}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT model_name, status FROM usage_records ORDER BY id")).all()
        saved = conn.execute(text("SELECT status FROM messages WHERE role = 'assistant' "
                                  "AND model_name = 'gpt-5.4-mini'")).scalar_one()
    engine.dispose()
    assert ("gpt-5.4-mini", "cancelled") in [tuple(r) for r in rows] and saved == "cancelled"




def test_stop_one_pane_and_the_other_streams_on_to_the_end(app_url, browser, fake_server, fresh_env):
    """A click (here a pane's Stop) reruns the script; the run outlives it, so only that pane stops."""
    from sqlalchemy import create_engine, text

    fake_server.script("gpt-5.4-mini", chunks=[f"word{i} " for i in range(100)], delay=0.3)
    fake_server.script("claude-haiku-4-5", chunks=[f"claude{i} " for i in range(30)], delay=0.15)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    settled(page)
    page.locator(".st-key-pg_rm_0 button").first.click()
    page.wait_for_function(f"{PANES_JS} === 0", timeout=30_000)
    _pick(page, "gpt-5.4-mini")
    _pick(page, "claude-haiku-4-5")
    _send(page, "Count slowly")
    page.wait_for_function("document.querySelector('.st-key-pg_pane_0') && "
                           "document.querySelector('.st-key-pg_pane_0').innerText.includes('word2')",
                           timeout=60_000)
    page.locator(".st-key-pg_stop_1 button").first.click()  # gpt's pane (id 1) only
    page.locator(".st-key-pg_summary").wait_for(timeout=60_000)  # both done: the page re-renders from the db
    settled(page)
    assert page.evaluate(PANES_JS) == 2
    gpt, claude = (page.locator(f".st-key-pg_pane_{i}").inner_text() for i in range(2))
    page.screenshot(path=str(ARTIFACTS / "playground-stop-one-pane.png"))
    assert "cancelled" in gpt and "word99" not in gpt
    assert "claude29" in claude and "cancelled" not in claude
    engine = create_engine(f"sqlite:///{fresh_env}")
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT model_name, status FROM usage_records")).all())
    engine.dispose()
    assert rows == {"gpt-5.4-mini": "cancelled", "claude-haiku-4-5": "ok"}


# Watches the second pane from now on: after every change the page makes, its words must read w0, w1, w2, ...
WATCH_ORDER_JS = """() => {
  window.__paneStates = 0;
  window.__outOfOrder = [];
  const check = () => {
    const pane = document.querySelector('.st-key-pg_pane_1');
    if (!pane) return;
    const words = [...pane.innerText.matchAll(/\\bw(\\d+)\\b/g)].map(m => +m[1]);
    window.__paneStates += 1;
    if (words.some((n, i) => n !== i) && window.__outOfOrder.length < 5) window.__outOfOrder.push(words);
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_a_rerun_mid_stream_never_shows_a_paragraph_twice(app_url, browser, fake_server):
    """A click reruns the page while answers stream; the live panes must redraw what they froze in place.

    Streamlit keeps the previous run's elements on screen until the new run draws over them: redrawn in
    fewer elements, the frozen paragraphs showed twice until the answer ended. And a paragraph drawn frozen
    in its own element showed twice until the tail was redrawn without it: for a moment at every freeze,
    and, when a rerun cut in between the two, until the new run reached the pane. Every state the page
    shows is checked (a MutationObserver), not samples of them.
    """
    words = [f"w{i}" + ("\n\n" if (i + 1) % 20 == 0 else " ") for i in range(800)]
    for model in ("gpt-5.4-mini", "gpt-5"):
        fake_server.script(model, chunks=words, delay=0.01)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/?p=0:gpt-5.4-mini&p=1:gpt-5")
    settled(page)
    _send(page, "Count")
    page.wait_for_function("(document.querySelector('.st-key-pg_pane_1') || {innerText: ''}).innerText"
                           ".includes('w150')", timeout=60_000)
    page.evaluate(WATCH_ORDER_JS)
    page.get_by_role("button", name="Stop").first.click()  # the first pane's: the page reruns
    # It keeps streaming through the rerun: wait for words written well after it.
    page.wait_for_function("(document.querySelector('.st-key-pg_pane_1') || {innerText: ''}).innerText"
                           ".includes('w400')", timeout=60_000)
    assert page.evaluate("window.__outOfOrder") == [], "pane 2 showed words out of order or twice"
    assert page.evaluate("window.__paneStates") > 10  # the watch saw the pane change many times


def _open_popover(page, within: str, shows: str) -> None:
    """Click the popover button inside `within` until `shows` is visible (a rerun may swallow a click)."""
    for _ in range(3):
        settled(page)
        page.locator(f"{within} [data-testid='stPopover'] button").first.click()
        try:
            page.locator(shows).first.wait_for(state="visible", timeout=5_000)
            return
        except Exception:  # a rerun swallowed the click: try again
            page.keyboard.press("Escape")
    page.locator(shows).first.wait_for(state="visible", timeout=5_000)


def _image(path) -> None:
    """A 160x100 PNG with two coloured halves: a real image for the composer to attach."""
    from PIL import Image

    img = Image.new("RGB", (160, 100), (30, 110, 200))
    img.paste((240, 170, 40), (80, 0, 160, 100))
    img.save(path)


def test_one_model_at_two_efforts_with_an_image_sent_with_enter(app_url, browser, fake_server, tmp_path):
    """Issue 12: attach an image, compare one model at two reasoning efforts side by side, send with Enter."""
    fake_server.script("gpt-5.4-mini", delay=0.02, reply="Two colours: blue on the left, amber on the right.",
                       usage={"input": 120, "output": 12, "reasoning": 40},
                       thinking="Split image; left half blue, right half amber.")
    ARTIFACTS.mkdir(exist_ok=True)
    picture = tmp_path / "halves.png"
    _image(picture)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    settled(page)
    page.locator(".st-key-pg_rm_0 button").first.click()  # drop the default echo pane
    page.wait_for_function(f"{PANES_JS} === 0", timeout=30_000)
    _pick(page, "gpt-5.4-mini")
    page.locator(".st-key-pg_dup_1 button").first.click()  # the same model again, in a second pane
    page.wait_for_function(f"{PANES_JS} === 2", timeout=30_000)
    settled(page)
    for pane_id, effort in ((1, "low"), (2, "high")):
        _open_popover(page, f".st-key-pg_pane_{pane_id - 1}", f".st-key-pg_opt_reasoning_effort__p{pane_id}")
        page.locator(f".st-key-pg_opt_reasoning_effort__p{pane_id} input").first.click()
        page.get_by_role("option", name=effort, exact=True).click()
        settled(page)
        page.screenshot(path=str(ARTIFACTS / f"playground-pane-settings-{effort}.png"))
        page.keyboard.press("Escape")  # closes the popover
        page.locator(f".st-key-pg_opt_reasoning_effort__p{pane_id}").wait_for(state="hidden", timeout=10_000)
    headers = [page.locator(f".st-key-pg_pane_{i}").inner_text() for i in range(2)]
    assert "effort low" in headers[0] and "effort high" in headers[1]
    page.screenshot(path=str(ARTIFACTS / "playground-two-efforts-before.png"))

    page.locator("[data-testid='stChatInput'] input[type='file']").set_input_files(str(picture))
    page.locator("[data-testid='stChatInput']").get_by_text("halves.png").wait_for(timeout=30_000)
    _send(page, "What is in this picture?")
    page.wait_for_function("""() => [0, 1].every(i => {
        const pane = document.querySelector('.st-key-pg_pane_' + i);
        return pane && pane.innerText.includes('tok/s');
    })""", timeout=60_000)
    page.locator(".st-key-pg_summary").wait_for(timeout=30_000)
    settled(page)
    bodies = [r.json for r in fake_server.requests_to("chat/completions")]
    assert sorted(b.get("reasoning_effort") for b in bodies) == ["high", "low"]
    for body in bodies:  # the image went to both panes, as an image_url data URL
        parts = body["messages"][-1]["content"]
        assert any(p.get("type") == "image_url" and p["image_url"]["url"].startswith("data:image/png;base64,")
                   for p in parts)
    page.screenshot(path=str(ARTIFACTS / "playground-two-efforts.png"))
    panes = [page.locator(f".st-key-pg_pane_{i}") for i in range(2)]
    for pane in panes:
        assert "blue on the left" in pane.inner_text()
        assert pane.locator("[data-testid='stImage'] img").count() >= 1  # the thumbnail stays in the turn
        # Thinking sits collapsed above the answer, never in it.
        assert pane.locator("[data-testid='stExpander']").filter(has_text="Thinking").count() == 1
        assert "left half blue" not in pane.inner_text()
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_pane_waiting_to_retry_says_so(app_url, browser, fake_server):
    """Issue 9, item 6: a rate-limited pane says it waits to retry instead of a silent "Waiting for the first token"."""
    fake_server.script("gpt-5.4-mini", status=429, retry_after=4, fail_times=1, reply="Worth the wait.")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    settled(page)
    _pick(page, "gpt-5.4-mini")
    _send(page, "Hello?")
    pane = page.locator(".st-key-pg_pane_1")
    pane.get_by_text("retrying in").wait_for(timeout=30_000)
    text = pane.inner_text()
    assert "rate limited" in text.lower() and "attempt 2 of" in text
    page.screenshot(path=str(ARTIFACTS / "playground-retrying.png"))
    page.locator(".st-key-pg_summary").wait_for(timeout=60_000)
    settled(page)
    assert "Worth the wait." in pane.inner_text() and "retrying in" not in pane.inner_text()
