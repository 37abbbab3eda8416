"""Issue 20: the compare view fits the screen at 1280x800 and 1920x1080, with 2 and 6 panes streaming."""

from __future__ import annotations

import pytest

from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser

PROMPT = "Compare these please " + "lorem ipsum dolor sit amet " * 12


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """The app with a slow echo model: its answers stream for a while, so the page is measured while streaming."""
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_ECHO_DELAY_MS="150", ALONCHAT_USER="layout-tester") as url:
        yield url


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def _streaming(page, url: str, panes: int, size: tuple[int, int]):
    """`panes` echo panes at this window size, answering a prompt (still streaming when this returns)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url + "/?" + "&".join(f"p={i}:echo" for i in range(panes)))
    settled(page)
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(PROMPT)
    box.press("Enter")
    last = f".st-key-pg_pane_{panes - 1}"
    page.wait_for_function(f"(document.querySelector('{last}') || {{innerText: ''}}).innerText.includes('streaming')",
                           timeout=60_000)
    return page


def _header_on_one_line(page, pane: int) -> None:
    """The pane's name, Stop, settings and close sit on one line: no button wrapped under the title."""
    tops = page.evaluate(f"""() => [...document.querySelector('.st-key-pg_head_{pane}').children]
        .filter(c => c.getBoundingClientRect().height > 0).map(c => Math.round(c.getBoundingClientRect().top))""")
    assert len(tops) >= 3 and max(tops) - min(tops) < 12, tops
    assert "Stop" in page.locator(f".st-key-pg_head_{pane}").inner_text()


def test_two_panes_fill_the_window_above_the_composer(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page()
    for size in ((1280, 800), (1920, 1080)):
        _streaming(page, app_url, 2, size)
        # A compact bar replaces the title block: the panes start near the top.
        title = page.get_by_test_id("stMain").get_by_role("heading", name="Playground", exact=True)
        assert title.bounding_box()["height"] < 40  # still the page's heading, drawn small
        assert _box(page, ".st-key-pg_pane_0")["y"] < 160
        scroll, bottom = _box(page, ".st-key-pg_scroll_0"), _box(page, "[data-testid='stBottom']")
        # The answers fill what is left above the composer, and the composer hides none of them.
        assert scroll["y"] + scroll["height"] <= bottom["y"] + 1
        assert bottom["y"] - (scroll["y"] + scroll["height"]) < 80, (scroll, bottom)
        # The shared system prompt is in view, not inside a popover.
        assert page.locator(".st-key-pg_opt_system textarea").is_visible()
        for pane in range(2):
            _header_on_one_line(page, pane)
        page.screenshot(path=str(ARTIFACTS / f"playground-fit-2-{size[0]}x{size[1]}.png"))
        page.locator(".st-key-pg_stop_all button").click()
        settled(page)


def test_six_panes_stay_readable_and_the_second_row_is_reachable(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page()
    _streaming(page, app_url, 6, (1280, 800))
    # One row of three, the rest in a second row below.
    first, fourth = _box(page, ".st-key-pg_pane_0"), _box(page, ".st-key-pg_pane_3")
    assert fourth["y"] > first["y"] + first["height"] - 1
    for pane in range(6):
        _header_on_one_line(page, pane)
    # The text column is wide enough to read (no avatar column eats it).
    text = page.locator(".st-key-pg_scroll_0 [data-testid='stChatMessage'] [data-testid='stMarkdownContainer']")
    assert text.last.bounding_box()["width"] >= 190
    page.screenshot(path=str(ARTIFACTS / "playground-fit-6-1280x800.png"))
    # Scrolling the page brings the second row in whole, above the composer, which stays in view.
    page.mouse.move(800, 400)  # over the panes, not the sidebar
    page.mouse.wheel(0, 2000)
    # (Scrolled again while waiting: a streaming update may have moved the page meanwhile.)
    page.wait_for_function("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        main.scrollTop = main.scrollHeight;
        const pane = document.querySelector('.st-key-pg_scroll_5').getBoundingClientRect();
        const bottom = document.querySelector('[data-testid="stBottom"]').getBoundingClientRect();
        return pane.bottom <= bottom.top + 1 && pane.top >= 0;
    }""", timeout=10_000)
    assert page.locator("[data-testid='stChatInput']").is_visible()
    page.screenshot(path=str(ARTIFACTS / "playground-fit-6-1280x800-row2.png"))
    page.locator(".st-key-pg_stop_all button").click()
    settled(page)
