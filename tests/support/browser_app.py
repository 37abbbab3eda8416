"""One harness for the browser tests: the app under `streamlit run`, Debian's Chromium, and "the page has settled"."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored; screenshots to look at
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_SECONDS = 90  # a cold streamlit start on a busy 2-core machine


def need_chromium() -> None:
    """Skip where Debian's Chromium is missing, but fail in CI, where a skip would hide that nothing ran."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (scripts/test does)")
        pytest.skip(f"{CHROMIUM} is not installed")


def free_port() -> int:
    """A port nobody listens on right now, for one app under test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(db_path: Path, tmp_path: Path, *, port: int | None = None, args: tuple[str, ...] = (),
                **env: str) -> Iterator[str]:
    """`streamlit run app.py` headless on a free port and on `db_path`, with `env` added; yields the base URL.

    `port` fixes the port (a sign-in redirect URI names it); `args` are more `streamlit run` options.
    The process is always stopped. Its log is tmp_path/streamlit.log: a failed start puts it in the
    failure message, an error inside the block prints it, and its path is printed so that a failing
    test's captured output points at it.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "streamlit.log"
    print(f"streamlit log: {log_path}")
    full_env = dict(os.environ, ALONCHAT_DATABASE_URL=f"sqlite:///{db_path}", **env)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", *args],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        started = False
        try:
            _wait_healthy(proc, url, log_path)
            started = True
            yield url
        except BaseException:
            if started:  # a failed start already carries the log in its message
                _stop(proc)
                print("streamlit log:\n" + log_path.read_text())
            raise
        finally:
            _stop(proc)


def _wait_healthy(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.fail("streamlit did not start:\n" + log_path.read_text())
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def chromium():
    """Debian's Chromium through Playwright (whose own browsers cannot be downloaded here); closed afterwards."""
    from playwright.sync_api import sync_playwright

    need_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settled(page, timeout: int = 120_000) -> None:
    """Wait until the script run is over and no placeholder is left, as Streamlit's own e2e tests do.

    Two minutes: a first page run timed out at one minute once while another Chromium shared the 2 cores.
    """
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)


def download(page, button) -> str:
    """Click a download button and return the file's text (a deferred download is built on the click)."""
    with page.expect_download(timeout=60_000) as info:
        button.click()
    return Path(info.value.path()).read_text()


def unnamed_controls(page) -> list[str]:
    """Buttons, links and form controls whose accessible name, in Chromium's accessibility tree, is empty or
    only their icon's: Streamlit 1.67 names an icon-only button after its Material icon ("edit icon") and
    ignores help= for the name (a tooltip only), so a control must carry words of its own."""
    roles = {"button", "link", "checkbox", "combobox", "textbox", "switch", "tab", "radio", "spinbutton", "slider"}
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    names = [((n.get("role") or {}).get("value"), str((n.get("name") or {}).get("value", "")).strip())
             for n in nodes if not n.get("ignored")]
    return [f"{role} {name!r}" for role, name in names
            if role in roles and (not name or name.endswith(" icon"))]
