"""calls/code.py: "view code" shows the request AlonChat sends, as the SDK in Python and as curl, keys elided."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys

import pytest

from alonchat.calls.service import ai_service
from tests.fake_server import FAKE_KEYS
from tests.support import media

HISTORY = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."},
           {"role": "user", "content": "And one that's warm? Say \"it's\" once."}]
OPTIONS = {"system": "Answer in one word.", "temperature": 0.3, "max_tokens": 2048}
CASES = [("gpt-5.4-mini", "chat/completions"), ("claude-haiku-4-5", "v1/messages"),
         ("gemini-2.5-flash", "streamGenerateContent")]


def _curl_body(curl: str) -> dict:
    data = re.search(r"-d '(.*)'\s*$", curl, re.S).group(1).replace("'\\''", "'")
    return json.loads(data)


def _sent(fake, path: str) -> dict:
    """The JSON body of the last request the SDK sent to `path` on the fake server."""
    return fake.requests_to(path)[-1].json


@pytest.mark.parametrize(("model", "path"), CASES)
def test_the_curl_body_is_what_the_sdk_sends_and_no_key_is_shown(fake_providers, model, path):
    fake_providers.script(model, reply="Amber.")
    code = ai_service.request_code(model, HISTORY, **OPTIONS)
    list(ai_service.stream(model, HISTORY, **OPTIONS))  # the engine's own call, through the real SDK
    assert _curl_body(code.curl) == _sent(fake_providers, path)
    assert code.curl.startswith(f"curl {fake_providers.url}")
    for key in FAKE_KEYS.values():  # keys stay in the environment: $NAME, never the value
        assert key not in code.python and key not in code.curl
    assert "$" in code.curl
    compile(code.python, "view-code.py", "exec")


@pytest.mark.parametrize(("model", "path"), CASES)
def test_the_python_runs_and_sends_the_same_request(fake_providers, model, path):
    fake_providers.script(model, reply="Amber.")
    code = ai_service.request_code(model, HISTORY, **OPTIONS)
    list(ai_service.stream(model, HISTORY, **OPTIONS))
    engine = _sent(fake_providers, path)
    run = subprocess.run([sys.executable, "-c", code.python], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ))  # the fake server's URLs and keys, as a user's shell would have
    assert run.returncode == 0, run.stderr
    assert "Amber." in run.stdout
    assert _sent(fake_providers, path) == engine


def test_attachments_are_elided_and_said_so(fake_providers):
    image = [{"role": "user", "content": "What is this?", "attachments": [media.attachment()]}]
    code = ai_service.request_code("gpt-5.4-mini", image)
    assert "base64 elided" in code.python and "base64 elided" in code.curl
    assert code.note and "elided" in code.note
    assert base64.b64encode(media.attachment()["data"]).decode()[-40:] not in code.curl


def test_an_endpoint_url_never_shows_its_password_and_echo_sends_nothing():
    from alonchat.calls.code import _public

    assert _public("https://user:s3cret@llm.example.com:8443/v1") == "https://llm.example.com:8443/v1"
    assert ai_service.request_code("echo", "hi") is None

