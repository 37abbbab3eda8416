"""Issue 20: each pane's context gauge follows the composer as the prompt is typed, before Enter, in Chromium."""

from __future__ import annotations

import pytest

from alonchat.core.tokens import estimate_tokens
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser

TINY_WINDOW = 60  # tokens: a few sentences fill it


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """The app with the offline echo model and "tiny", an echo model with a 60-token context window."""
    from sqlalchemy import update

    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel
    from tests.support.scripted import add_model

    need_chromium()
    add_model("tiny", provider="echo")
    with session() as s, s.begin():
        s.execute(update(AIModel).where(AIModel.name == "tiny").values(context_window=TINY_WINDOW))
    with running_app(fresh_env, tmp_path, ALONCHAT_ECHO_DELAY_MS="5", ALONCHAT_USER="gauge-tester") as url:
        yield url


def _gauges(page, n: int) -> list[dict]:
    """Each pane's gauge as drawn: its text and the figures it shows (data attributes), in pane order."""
    return [page.locator(f".st-key-pg_line_{i} .gauge").evaluate(
        "g => ({text: g.innerText, draft: +g.dataset.draft, total: +g.dataset.total, level: g.dataset.level,"
        " title: g.title})") for i in range(n)]


def _wait_draft(page, n: int, tokens: int) -> None:
    """Until every pane's gauge counts `tokens` for the draft (the composer's input events are handled at once,
    but each keystroke is its own event: wait for the last one's)."""
    page.wait_for_function(
        f"[...Array({n}).keys()].every(i => {{ const g = document.querySelector('.st-key-pg_line_' + i + "
        f"' [data-testid=stBidiComponentIsolated]'); const s = g && g.shadowRoot && "
        f"g.shadowRoot.querySelector('.gauge'); return s && +s.dataset.draft === {tokens}; }})", timeout=30_000)


def test_each_panes_gauge_counts_the_prompt_as_it_is_typed_and_says_when_it_will_not_be_sent(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(app_url + "/?p=0:echo&p=1:tiny")
    settled(page)
    page.locator(".st-key-pg_line_1 .gauge").wait_for(timeout=30_000)
    before = _gauges(page, 2)
    assert [g["draft"] for g in before] == [0, 0]
    assert "/ 1M tok" in before[0]["text"] and "/ 60 tok" in before[1]["text"]

    box = page.locator("[data-testid='stChatInputTextArea']")
    typed = ""
    # Character by character, with words the engine splits (a long word, punctuation, accents, CJK, an emoji):
    # each pane's figure is the engine's own estimate of what is in the box, before Enter.
    for chunk in ("Hi", ",", " naïve", " antidisestablishmentarianism", " 東京", " 😀"):
        box.press_sequentially(chunk)
        typed += chunk
        _wait_draft(page, 2, estimate_tokens(typed))
        now = _gauges(page, 2)
        for g, b in zip(now, before, strict=True):
            assert g["total"] == b["total"] + estimate_tokens(typed)
            assert g["text"].startswith("≈ ")
        assert now[1]["text"].startswith(f"≈ {now[1]['total']} / 60 tok"), now[1]  # nothing sent yet: all draft
    assert _gauges(page, 2)[1]["level"] in ("ok", "warn", "high")
    assert page.get_by_text("No messages in this pane yet").count() == 2  # nothing was sent while typing

    # Past the small pane's window: it says it will not be sent (the big one is still fine).
    long = " and then some more words" * 12
    box.press_sequentially(long)
    typed += long
    _wait_draft(page, 2, estimate_tokens(typed))
    echo, tiny = _gauges(page, 2)
    assert tiny["level"] == "over" and tiny["text"].endswith("not sent"), tiny
    assert tiny["title"].startswith("Not sent at Send") and "tiny's context window of 60 tokens" in tiny["title"]
    assert echo["level"] == "ok" and "not sent" not in echo["text"]
    page.screenshot(path=str(ARTIFACTS / "playground-gauge-over.png"))

    # At Send the engine does as the gauge said: the small pane is not sent, the other answers.
    box.press("Enter")
    page.get_by_text("context window of 60 tokens", exact=False).first.wait_for(timeout=60_000)
    settled(page)
    assert "Not sent" in page.locator(".st-key-pg_pane_1").inner_text()
    assert "No messages in this pane yet" not in page.locator(".st-key-pg_pane_0").inner_text()
    # The gauges are back, counting the turn the echo pane now sends, and an empty composer.
    page.locator(".st-key-pg_line_0 .gauge").wait_for(timeout=30_000)
    after = _gauges(page, 2)
    assert after[0]["draft"] == 0 and after[0]["total"] > estimate_tokens(typed)


def test_a_signed_in_member_sees_the_gauge_follow_the_prompt(fresh_env, tmp_path, browser):
    from tests.support.sign_in import MEMBER, app_with_sign_in, oidc_provider, sign_in

    need_chromium()
    with oidc_provider(tmp_path) as oidc, app_with_sign_in(fresh_env, tmp_path, oidc) as url:
        page = sign_in(browser, url, "ana")
        page.goto(url + "/?p=0:echo")
        settled(page)
        assert MEMBER in page.get_by_test_id("stSidebar").inner_text()
        page.locator(".st-key-pg_line_0 .gauge").wait_for(timeout=30_000)
        page.locator("[data-testid='stChatInputTextArea']").press_sequentially("How long is this prompt?")
        _wait_draft(page, 1, estimate_tokens("How long is this prompt?"))
        assert _gauges(page, 1)[0]["text"].startswith(f"≈ {estimate_tokens('How long is this prompt?')} / 1M tok")
        assert page.get_by_test_id("stException").count() == 0
