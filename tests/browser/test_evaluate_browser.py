"""Evaluate in Debian's Chromium: import a small set, run it over two panes (real SDKs, fake server), open a cell."""

from __future__ import annotations

import pytest

from tests.fake_server import FAKE_KEYS
from tests.fake_server.answers import Answers
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser

GPT, CLAUDE = "gpt-5.4-mini", "claude-haiku-4-5"


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    need_chromium()
    fake_server.responder = Answers({"capital of France": "Paris.", "capital of Japan": "Tokyo.",
                                     "capital of Peru": "Lima."},
                                    per_model={CLAUDE: {"capital of Peru": "I am not sure."}})
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester", OPENAI_BASE_URL=fake_server.url + "/v1",
                     ANTHROPIC_BASE_URL=fake_server.url, GOOGLE_GEMINI_BASE_URL=fake_server.url, **FAKE_KEYS) as url:
        yield url


def _pick(page, key: str, name: str) -> None:
    """Choose `name` in the selectbox with this key (typed, then clicked), and wait for the page to settle."""
    box = page.locator(f".st-key-{key} input").first
    box.click()
    box.fill(name)
    page.get_by_role("option").filter(has_text=name).first.click()
    settled(page)


def _type(page, key: str, text: str, field: str = "input") -> None:
    box = page.locator(f".st-key-{key} {field}").first
    box.fill(text)
    box.press("Tab")  # a text field commits on blur
    settled(page)


def test_build_a_set_run_it_over_two_panes_and_open_a_cell(app_url, browser, tmp_path):
    cases = tmp_path / "capitals.csv"
    cases.write_text("country,__expected\nFrance,icontains:paris\nJapan,icontains:tokyo\nPeru,icontains:lima\n")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(app_url + "/evaluate")
    settled(page)

    page.get_by_role("button", name="Import").first.click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(cases))
    page.get_by_text("capitals.csv").first.wait_for(timeout=30_000)
    page.locator(".st-key-ev_import_go button").click()
    page.get_by_text("Imported 3 case(s) from capitals.csv").wait_for(timeout=60_000)
    settled(page)
    page.keyboard.press("Escape")  # close the popover
    _type(page, "ev_name", "capitals")
    _type(page, "ev_prompt_user_0", "What is the capital of {{country}}? Answer with the city.", "textarea")
    _pick(page, "ev_pane_model_0", GPT)
    _pick(page, "ev_add_pane", CLAUDE)
    estimate = page.locator(".st-key-ev_estimate").filter(has_text="6 calls")  # both panes, three cases
    estimate.wait_for(timeout=60_000)
    assert "estimated $" in estimate.inner_text()
    page.screenshot(path=str(ARTIFACTS / "evaluate-build.png"), full_page=True)

    page.locator(".st-key-ev_start button").click()
    page.get_by_text("6 of 6 cells").wait_for(timeout=120_000)
    page.locator(".st-key-ev_matrix").wait_for(timeout=60_000)
    settled(page)
    progress = page.locator(".st-key-ev_progress").inner_text()
    assert "done" in progress and "6 of 6 cells" in progress
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "evaluate-run.png"), full_page=True)

    _pick(page, "ev_open_pick", "3. country=Peru")
    case = page.locator(".st-key-ev_case")
    case.wait_for(timeout=30_000)
    settled(page)
    case.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "evaluate-cell.png"), full_page=True)
    text = case.inner_text()
    assert "What is the capital of Peru? Answer with the city." in text
    assert "Lima." in text and "I am not sure." in text
    assert "does not contain \"lima\"" in text
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_promptfoo_config_imported_on_the_page_runs_with_its_providers(app_url, browser, fake_server):
    from alonchat.storage.engine import ROOT

    fake_server.responder = Answers({"Hello": "Bonjour", "Good morning": "Buenos días", "Thank you": "Danke",
                                     "Good night": "Buona notte"})
    folder = ROOT / "examples" / "promptfoo-translate"
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(app_url + "/evaluate")
    settled(page)
    page.get_by_role("button", name="Import").first.click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
        [str(folder / n) for n in ("promptfooconfig.yaml", "prompts.txt", "tests.csv")])
    page.get_by_text("tests.csv").first.wait_for(timeout=30_000)
    page.locator(".st-key-ev_import_go button").click()
    page.get_by_text("Imported the promptfoo config promptfooconfig.yaml: 2 prompt(s), 4 case(s), 2 pane(s)").wait_for(
        timeout=60_000)
    settled(page)
    page.keyboard.press("Escape")
    assert page.get_by_text("2 pane(s) carried over, with their settings.").count() == 1
    page.locator(".st-key-ev_estimate").filter(has_text="16 calls").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "evaluate-promptfoo.png"), full_page=True)
    page.locator(".st-key-ev_start button").click()
    page.get_by_text("16 of 16 cells").wait_for(timeout=120_000)
    page.locator(".st-key-ev_matrix").wait_for(timeout=60_000)
    settled(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "Translate short phrases@1" in text  # named after the config's description
    assert "16 of 16" in page.locator(".st-key-ev_progress").inner_text()  # passed, of those checked
    from alonchat.evals import results

    assert [(s.pane.model, s.pane.options, s.passed, s.graded) for s in results.summary(1)] == [
        ("gpt-4.1-mini", {}, 8, 8), ("claude-haiku-4-5", {"max_tokens": 200}, 8, 8)]  # the config's providers
    assert page.locator("[data-testid='stException']").count() == 0
