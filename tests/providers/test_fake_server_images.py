"""The fake server's markdown images: a local URL an answer can point at, so a test sees whether it was fetched."""

from __future__ import annotations

import io
import urllib.request

from PIL import Image

from alonchat.calls.service import ai_service


def test_an_answer_carries_a_local_image_link_and_the_server_records_each_fetch(fake_providers):
    image = fake_providers.image_markdown("SECRETDATA")
    fake_providers.script("gpt-5", reply=f"Here is the chart: {image}")
    assert image in ai_service.chat("gpt-5", "draw").content  # the engine passes it through untouched
    assert fake_providers.requests_to("/img/") == []  # nothing fetched it yet
    with urllib.request.urlopen(fake_providers.image_url("SECRETDATA")) as r:
        assert r.headers["content-type"] == "image/png" and Image.open(io.BytesIO(r.read())).size == (1, 1)
    [fetch] = fake_providers.requests_to("/img/")
    assert fetch.query == {"d": ["SECRETDATA"]}
