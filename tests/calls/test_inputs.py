"""Messages, attachments, options and capabilities are checked before any request; bad ones write nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from alonchat import ai_service
from alonchat.calls.inputs import MAX_ATTACHMENT_BYTES, attachment_from_file, media_type_of
from alonchat.catalog import models as catalog
from alonchat.core import errors
from alonchat.core.tokens import estimate_attachment_tokens, estimate_prompt_tokens, pdf_pages
from alonchat.core.types import Attachment, ChatOptions, ChatRequest, TextDelta, ThinkingDelta
from alonchat.storage.engine import get_engine, session
from alonchat.storage.tables import UsageRecord
from tests.support import media


def _rows() -> int:
    with session() as s:
        return s.scalar(select(func.count()).select_from(UsageRecord))


def _with(att: dict, content: str = "look") -> list[dict]:
    return [{"role": "user", "content": content, "attachments": [att]}]


BAD_MESSAGES = [
    (None, "not NoneType"),
    (42, "not int"),
    ([{"role": "user", "content": None}], "got nothing"),
    ([{"role": "user", "content": ["a", "b"]}], "got a list"),
    ([{"role": "user", "content": 7}], "got a int"),
    ([{"role": "robot", "content": "hi"}], "Unknown role 'robot'"),
    ([{"content": "hi"}], "Unknown role None"),
    (["hi"], "got str"),
    ([{"role": "user", "content": "hi", "extra": 1}], "Unknown key"),
    ([{"role": "user", "content": "hi", "attachments": "x.png"}], "must be a list"),
    ([{"role": "assistant", "content": "hi", "attachments": [media.attachment()]}, {"role": "user", "content": "x"}],
     "Only user messages"),
    (_with(media.attachment(media_type="image/tiff")), "image/tiff"),
    (_with(media.attachment(data=b"")), "is empty"),
    (_with(media.attachment(data=b"GIF89a" + b"0" * MAX_ATTACHMENT_BYTES, media_type="image/gif")),
     "the limit is 20 MB"),
    (_with(media.attachment(media_type="image/jpeg")), "says image/jpeg but is really image/png"),
    (_with(media.attachment(data="not bytes")), "must be the file's bytes"),
    (_with({"media_type": "image/png", "data": media.image()}), "file name"),
    (_with("chart.png"), "got str"),
]


@pytest.mark.parametrize(("messages", "says"), BAD_MESSAGES)
def test_bad_messages_raise_a_validation_error_and_record_nothing(messages, says):
    with pytest.raises(errors.ValidationError, match=says):
        ai_service.chat("echo", messages)
    with pytest.raises(errors.ValidationError, match=says):
        list(ai_service.stream("echo", messages))
    assert _rows() == 0


@pytest.mark.parametrize(("options", "says"), [
    ({"stop": ["", "x"]}, "non-empty"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "at most 4"),
    ({"top_p": 1.5}, "^Top p must be at most 1"),  # the setting's name, never the field's
    ({"json_schema": {}}, "JSON-schema object"),
    ({"json_schema": {"type": "nope"}}, "not a valid JSON schema"),
    ({"json_schema": {"description": "no type"}}, "names no type"),
    ({"reasoning_effort": "max"}, "'none', 'minimal', 'low', 'medium' or 'high'"),
    ({"reasoning_budget": 4096, "max_tokens": 2000}, "must be below Max tokens"),
    ({"seed": "abc"}, "^Seed must be a whole number.$"),
])
def test_bad_options_are_refused_before_the_call(options, says):
    with pytest.raises(errors.ValidationError, match=says):
        ai_service.chat("echo", "hi", **options)
    assert _rows() == 0


def test_reasoning_on_a_model_that_does_not_reason_is_refused():
    assert not catalog.resolve("gpt-4.1").supports_reasoning
    with pytest.raises(errors.UnsupportedInputError, match="gpt-4.1 is not a reasoning model") as e:
        ai_service.prepare("gpt-4.1", "hi", reasoning_effort="high")
    assert e.value.kind == "reasoning"
    ai_service.prepare("gpt-4.1", "hi", reasoning_effort="none")  # "none" asks for nothing: fine


def test_an_image_for_a_model_without_vision_is_refused_before_any_request():
    catalog.update_model("echo", {"supports_vision": False})
    with pytest.raises(errors.UnsupportedInputError, match="echo does not accept images") as e:
        ai_service.chat("echo", _with(media.attachment()))
    assert (e.value.kind, e.value.model) == ("image", "echo")
    assert isinstance(e.value, errors.ValidationError)
    assert _rows() == 0
    ai_service.chat("echo", _with(media.attachment("doc.pdf", media.pdf(2))))  # PDFs still fine


def test_accepts_reports_capabilities_and_options_not_sent():
    claude = ai_service.accepts("claude-sonnet-4-6")
    assert claude.reasoning and claude.vision and claude.pdf
    assert {"temperature", "top_p", "seed"} <= claude.not_sent
    assert "application/pdf" in claude.media_types and "image/webp" in claude.media_types
    gpt41 = ai_service.accepts("gpt-4.1")
    assert not gpt41.reasoning and gpt41.vision and gpt41.not_sent == {"reasoning_budget", "cache_prompt"}
    assert gpt41.refusal(["image"]) is None


def test_echo_streams_thinking_apart_from_the_answer_and_the_ledger_keeps_the_options():
    events = list(ai_service.stream("echo", _with(media.attachment()), reasoning_effort="high", top_p=0.5,
                                    seed=7, stop=["zzz"], system="You are terse.", json_schema={"type": "object"}))
    thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    answer = "".join(e.text for e in events if isinstance(e, TextDelta))
    result = events[-1]
    assert "high effort" in thinking and "high effort" not in answer
    assert result.thinking == thinking and result.content == answer
    assert "chart.png (image/png" in answer
    assert result.options == {"reasoning_effort": "high", "top_p": 0.5, "seed": 7, "stop": ["zzz"],
                              "system": "14 chars", "json_schema": "yes"}
    with get_engine().connect() as conn:
        stored = conn.execute(text("SELECT options FROM usage_records WHERE id = :i"), {"i": result.usage_id}).scalar()
    assert json.loads(stored) == result.options
    assert "You are terse" not in stored
    assert result.to_json()["thinking"] == thinking


def test_an_option_the_provider_refuses_is_reported_not_sent():
    from alonchat.providers.base import Provider
    from alonchat.providers.echo import EchoProvider
    from alonchat.providers.registry import registry

    class NoSeedEcho(EchoProvider):
        name = "echo"
        ignored_options = frozenset({"seed"})

    assert issubclass(NoSeedEcho, Provider)
    registry.register(NoSeedEcho())
    result = ai_service.chat("echo", "hi", seed=1, top_p=0.3)
    assert result.ok and result.skipped_options == ["seed"] and result.options == {"top_p": 0.3}


def test_attachment_tokens_follow_each_vendors_rule():
    big = Attachment("big.png", "image/png", media.image(2048, 1024))
    small = Attachment("small.png", "image/png", media.image(300, 200))
    # OpenAI: 2048x1024 -> 1536x768 -> 3x2 tiles: 85 + 170*6
    assert estimate_attachment_tokens(big, "openai") == 85 + 170 * 6
    # Anthropic: fit to 1568 on the long edge, then w*h/750
    assert estimate_attachment_tokens(big, "anthropic") == round(1568 * 784 / 750)
    assert estimate_attachment_tokens(small, "anthropic") == round(300 * 200 / 750)
    # Gemini: 258 up to 384 px, else 258 per 768 px tile
    assert estimate_attachment_tokens(small, "gemini") == 258
    assert estimate_attachment_tokens(big, "gemini") == 258 * 3 * 2
    doc = Attachment("doc.pdf", "application/pdf", media.pdf(3))
    assert pdf_pages(doc.data) == 3
    assert estimate_attachment_tokens(doc, "gemini") == 3 * 258
    request = ChatRequest("x", [{"role": "user", "content": "hi", "attachments": [small]}], ChatOptions())
    assert estimate_prompt_tokens(request, "gemini") == 1 + 258


def test_the_estimate_counts_attachments():
    plain = ai_service.estimate("gpt-5", "describe this")
    with_image = ai_service.estimate("gpt-5", _with(media.attachment(data=media.image(1024, 1024)), "describe this"))
    assert with_image > plain


def test_files_from_disk(tmp_path):
    (tmp_path / "a.jpg").write_bytes(media.image(10, 10, "JPEG"))
    (tmp_path / "scan.pdf").write_bytes(media.pdf(1))
    (tmp_path / "notes.txt").write_text("hello")
    assert attachment_from_file(tmp_path / "a.jpg").media_type == "image/jpeg"
    assert attachment_from_file(tmp_path / "scan.pdf").kind == "pdf"
    assert media_type_of("x.webp", b"RIFF0000WEBPVP8 ") == "image/webp"
    with pytest.raises(errors.ValidationError, match="attach an image"):
        attachment_from_file(tmp_path / "notes.txt")
    with pytest.raises(errors.ValidationError, match="Can't read"):
        attachment_from_file(tmp_path / "missing.png")


def test_each_option_not_sent_says_its_own_cause():
    """Issue 20, item 5: a reasoning model whose provider takes an effort is not called "not a reasoning model"."""
    from tests.support.scripted import add_model

    gpt5, claude = ai_service.accepts("gpt-5"), ai_service.accepts("claude-sonnet-4-6")
    assert gpt5.reasoning
    why = gpt5.not_sent_reasons(["reasoning_budget", "reasoning_effort", "temperature"])
    assert list(why) == ["reasoning_budget"]  # the effort and the temperature reach it
    assert "takes a reasoning effort, not a thinking budget" in why["reasoning_budget"]
    assert "sampling" in claude.not_sent_reasons(["temperature"])["temperature"]
    add_model("plain", provider="echo")
    plain = ai_service.accepts("plain")
    assert "plain is not a reasoning model" in plain.not_sent_reasons(["reasoning_budget"])["reasoning_budget"]
