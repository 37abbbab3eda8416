"""Each page opened by its own URL gets the app's frame, not Streamlit's bare pages/ router (ui/shell.py ensure())."""

from __future__ import annotations

import pytest

from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled
from ui.shell import PAGES

pytestmark = pytest.mark.browser

NAV = [title for _, title, _ in PAGES]  # in order


@pytest.fixture
def app_url(fresh_env, tmp_path):
    """`streamlit run app.py` headless on a free port and on this test's database."""
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester") as url:
        yield url


def _assert_frame(page, where: str, heading: str) -> None:
    """The frame app.py draws: our navigation, the shared sidebar, wide layout, the page itself, no error."""
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for(timeout=30_000)
    links = nav.get_by_test_id("stSidebarNavLink")
    labels = [t.strip() for t in links.get_by_test_id("stMarkdownContainer").all_inner_texts()]
    assert labels == NAV, f"{where}: navigation shows {labels}"
    assert nav.get_by_role("link", name="app", exact=True).count() == 0, f"{where}: the old router's 'app' entry"
    current = links.and_(page.locator("[aria-current='page']")).get_by_test_id("stMarkdownContainer")
    assert current.all_inner_texts() == [heading], f"{where}: navigation marks {current.all_inner_texts()}"
    providers = page.get_by_test_id("stSidebar").get_by_test_id("stExpander").filter(has_text="Providers")
    assert providers.count() == 1, f"{where}: no Providers expander in the sidebar"
    assert page.locator("[data-testid='stAppViewContainer'][data-layout='wide']").count() == 1, \
        f"{where}: not the wide layout set by the frame"
    assert page.get_by_test_id("stMain").get_by_role("heading", name=heading, exact=True).count() == 1, \
        f"{where}: the {heading!r} page did not render"
    assert page.get_by_test_id("stException").count() == 0, \
        f"{where}: " + " | ".join(page.get_by_test_id("stException").all_inner_texts())


@pytest.mark.parametrize("path, heading, shot", [
    ("/", "Playground", "direct-url-root"),
    ("/catalog", "Model catalog", "direct-url-catalog"),
    ("/costs", "Costs", "direct-url-costs"),
    ("/arena", "Arena", "direct-url-arena"),
])
def test_a_page_opened_by_its_url_has_the_apps_frame(app_url, browser, path, heading, shot):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url + path)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    _assert_frame(page, path, heading)

    page.reload()  # a reload is the same direct open, now with the page's own URL in the address bar
    settled(page)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-reload.png"))
    _assert_frame(page, f"{path} after reload", heading)
    # The path stays; the playground adds its panes to the query string (a shareable compare).
    assert page.url.split("?")[0].rstrip("/") == (app_url + path).rstrip("/")
