"""Blind mode in Debian's Chromium: nothing on the page, in its source, its attributes or its URL names a pane
before the vote; the vote reveals them, and the leaderboard counts it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from alonchat.catalog.models import resolve
from alonchat.storage.engine import session
from alonchat.storage.tables import ArenaBattle
from tests.fake_server import FAKE_KEYS
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser

MODELS = ("gpt-5.4-mini", "claude-haiku-4-5")
REPLIES = {"gpt-5.4-mini": "Paris is the capital of France.\n\nIt has been the seat of government for centuries.",
           "claude-haiku-4-5": "The capital of France is Paris, on the river Seine."}
# Every attribute a browser shows as a tooltip or reads aloud, or that carries a widget's identity.
ATTRIBUTES_JS = """() => Array.from(document.querySelectorAll('*')).flatMap(e =>
    ['title', 'aria-label', 'aria-description', 'aria-describedby', 'data-tooltip', 'alt', 'placeholder', 'id',
     'class', 'href', 'name', 'value'].map(a => e.getAttribute(a)).filter(v => v))"""


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester",
                     OPENAI_BASE_URL=fake_server.url + "/v1", ANTHROPIC_BASE_URL=fake_server.url,
                     GOOGLE_GEMINI_BASE_URL=fake_server.url, **FAKE_KEYS) as url:
        yield url


def identifying() -> list[str]:
    """What would name a pane: each model's catalog name, model id and display name, and the one setting set."""
    words = {"temperature", "temp 0.3"}
    for name in MODELS:
        spec = resolve(name)
        words |= {spec.name, spec.model_id, spec.display_name}
    return sorted(words)


def assert_nothing_names_the_panes(page, where: str) -> None:
    words = identifying()
    main = page.get_by_test_id("stMain")
    sources = {"the URL": page.url, "the visible text": main.inner_text(), "the page source": page.content(),
               "an attribute": "\n".join(page.evaluate(ATTRIBUTES_JS))}
    for what, text in sources.items():
        found = [w for w in words if w.lower() in text.lower()]
        assert not found, f"{where}: {what} names {found}"
    # The sidebar lists every configured provider whatever the battle; the page itself names none.
    for provider in ("openai", "anthropic", "OpenAI", "Anthropic"):
        assert provider not in main.inner_html(), f"{where}: the main area names {provider}"
    assert "?" not in page.url, f"{where}: the URL carries {page.url}"


def test_a_blind_vote_names_nothing_before_it_is_cast_and_reveals_after(app_url, browser, fake_server):
    for model, reply in REPLIES.items():
        fake_server.script(model, reply=reply, delay=0.04, usage={"input": 12, "output": 20})
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url + "/?p=0:gpt-5.4-mini|temperature=0.3&p=1:claude-haiku-4-5")  # the pool: two panes
    settled(page)
    page.get_by_test_id("stSidebar").get_by_text("Blind mode (arena)").click()
    page.get_by_role("heading", name="Playground · blind").wait_for(timeout=60_000)
    settled(page)
    assert_nothing_names_the_panes(page, "blind mode, before a prompt")

    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill("What is the capital of France?")
    box.press("Enter")
    page.locator(".st-key-arena_blind_scroll_a").get_by_text("Paris").first.wait_for(timeout=60_000)
    assert page.get_by_text("streaming ·").count() == 0  # no timer while it streams: speed stays hidden
    page.locator(".st-key-arena_blind_votes").wait_for(timeout=60_000)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "arena-blind-before-vote.png"))
    assert_nothing_names_the_panes(page, "before the vote")
    texts = [page.locator(f".st-key-arena_blind_pane_{s}").inner_text() for s in "ab"]
    assert [t.splitlines()[0] for t in texts] == ["A", "B"]
    assert sorted(any(r.split("\n")[0] in t for r in REPLIES.values()) for t in texts) == [True, True]

    page.get_by_role("button", name="B is better").click()
    page.locator(".st-key-arena_blind_continue").wait_for(timeout=60_000)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "arena-blind-revealed.png"))
    with session() as s:
        [battle] = s.scalars(select(ArenaBattle)).all()
    assert battle.winner == "model_b" and {battle.model_a, battle.model_b} == set(MODELS)
    for side, model in (("a", battle.model_a), ("b", battle.model_b)):
        pane = page.locator(f".st-key-arena_blind_pane_{side}").inner_text()
        assert pane.startswith(f"{side.upper()} · {model}")  # the reveal: who it was,
        assert REPLIES[model].split("\n")[0] in pane  # and it was this answer
        assert "first token" in pane and "$" in pane  # speed and cost
        assert ("temp 0.3" in pane) == (model == "gpt-5.4-mini")  # and its settings
    assert page.get_by_text(f"Your vote: B ({battle.model_b}) is better.").count() == 1
    assert page.get_by_test_id("stException").count() == 0

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Arena").click()
    page.get_by_role("heading", name="Arena", exact=True).wait_for(timeout=60_000)
    settled(page)
    board = page.get_by_test_id("stMain").inner_text()
    assert "1 vote" in board and battle.model_a in board and battle.model_b in board
    page.screenshot(path=str(ARTIFACTS / "arena-leaderboard-after-vote.png"), full_page=True)
    assert re.search(r"Your votes", board) and page.get_by_test_id("stException").count() == 0
