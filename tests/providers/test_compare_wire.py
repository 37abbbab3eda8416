"""One contract over every SDK provider: the reasoning setting, attachments and sampling options reach the wire in
each vendor's own form (streamed and not), and thinking text comes back apart from the answer, never mixed in."""

from __future__ import annotations

import base64
import json

import pytest

from alonchat.calls.service import ai_service
from alonchat.catalog.models import resolve
from alonchat.core import errors
from alonchat.core.types import TextDelta, ThinkingDelta
from tests.fake_server.wires import camel
from tests.support import media
from tests.support.provider_checks import ledger

IMAGE, PDF = media.image(320, 200), media.pdf(2)
THINKING = "First, the image is red. Then, the PDF has two pages."
ANSWER = "A red picture and a two-page PDF."
SCHEMA = {"title": "Verdict", "type": "object", "properties": {"ok": {"type": "boolean"}}}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def openai_form(body: dict) -> None:
    assert body["reasoning_effort"] == "high"
    parts = body["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "What is in these?"}
    assert parts[1] == {"type": "image_url", "image_url": {"url": "data:image/png;base64," + _b64(IMAGE)}}
    assert parts[2] == {"type": "file", "file": {"filename": "scan.pdf",
                                                 "file_data": "data:application/pdf;base64," + _b64(PDF)}}
    assert (body["top_p"], body["stop"], body["seed"]) == (0.9, ["END"], 42)
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "Verdict", "schema": SCHEMA}}


def anthropic_adaptive_form(body: dict) -> None:
    assert body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert body["output_config"] == {"effort": "high", "format": {"type": "json_schema", "schema": SCHEMA}}
    _anthropic_common(body)


def anthropic_budget_form(body: dict) -> None:
    # claude-haiku-4-5 takes only a budget: "high" is 24,576 thinking tokens, with room left for the answer.
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 24576, "display": "summarized"}
    assert body["max_tokens"] == 24576 + 4096
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    _anthropic_common(body)


def _anthropic_common(body: dict) -> None:
    blocks = body["messages"][-1]["content"]
    assert blocks[0] == {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": _b64(IMAGE)}}
    assert blocks[1] == {"type": "document", "title": "scan.pdf",
                         "source": {"type": "base64", "media_type": "application/pdf", "data": _b64(PDF)}}
    assert blocks[2] == {"type": "text", "text": "What is in these?"}
    assert body["stop_sequences"] == ["END"]
    assert not {"top_p", "seed", "temperature"} & set(body)  # the API refuses them: not sent, reported


def gemini_budget_form(body: dict) -> None:
    body = camel(body)
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 24576, "includeThoughts": True}
    _gemini_common(body)


def gemini_level_form(body: dict) -> None:
    body = camel(body)
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "HIGH", "includeThoughts": True}
    _gemini_common(body)


def _gemini_common(body: dict) -> None:
    parts = body["contents"][-1]["parts"]
    assert parts[0] == {"text": "What is in these?"}
    inline = [(p["inlineData"]["mimeType"], base64.urlsafe_b64decode(p["inlineData"]["data"])) for p in parts[1:]]
    assert inline == [("image/png", IMAGE), ("application/pdf", PDF)]
    config = body["generationConfig"]
    assert (config["topP"], config["stopSequences"], config["seed"]) == (0.9, ["END"], 42)
    assert (config["responseMimeType"], config["responseJsonSchema"]) == ("application/json", SCHEMA)


CASES = [  # (catalog model, the request body's form, options its provider does not send)
    pytest.param("gpt-5", openai_form, [], id="openai"),
    pytest.param("claude-sonnet-4-6", anthropic_adaptive_form, ["seed", "top_p"], id="anthropic-adaptive"),
    pytest.param("claude-haiku-4-5", anthropic_budget_form, ["seed", "top_p"], id="anthropic-budget"),
    pytest.param("gemini-2.5-flash", gemini_budget_form, [], id="gemini-2.5-budget"),
    pytest.param("gemini-3.5-flash", gemini_level_form, [], id="gemini-3-level"),
]
MESSAGES = [{"role": "user", "content": "What is in these?", "attachments": [
    {"name": "red.png", "media_type": "image/png", "data": IMAGE},
    {"name": "scan.pdf", "media_type": "application/pdf", "data": PDF}]}]
OPTIONS = {"reasoning_effort": "high", "top_p": 0.9, "stop": ["END"], "seed": 42, "json_schema": SCHEMA}


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize(("model", "form", "not_sent"), CASES)
def test_settings_and_attachments_on_the_wire_and_thinking_apart(fake_providers, model, form, not_sent, streamed):
    fake_providers.script(resolve(model).model_id, reply=ANSWER, thinking=THINKING)
    if streamed:
        events = list(ai_service.stream(model, MESSAGES, **OPTIONS))
        result = events[-1]
        answer = "".join(e.text for e in events if isinstance(e, TextDelta))
        thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
        assert len([e for e in events if isinstance(e, ThinkingDelta)]) > 1  # streamed, not at the end
    else:
        result = ai_service.chat(model, MESSAGES, **OPTIONS)
        answer, thinking = result.content, result.thinking
    assert result.ok, result.error_message
    assert answer == result.content == ANSWER  # no thinking text in the answer
    assert thinking == result.thinking == THINKING
    [request] = fake_providers.requests
    form(request.json)
    assert result.skipped_options == not_sent
    assert result.options["reasoning_effort"] == "high" and not set(not_sent) & set(result.options)
    [row] = ledger()
    stored = json.loads(row.options)
    assert stored == result.options and "data" not in row.options


@pytest.mark.parametrize(("model", "options", "field"), [
    ("claude-sonnet-4-6", {"reasoning_effort": "none"}, {"thinking": {"type": "disabled"}}),
    ("claude-sonnet-4-6", {"reasoning_budget": 2000}, {"thinking": {"type": "enabled", "budget_tokens": 2000,
                                                                    "display": "summarized"}, "max_tokens": 6096}),
    ("claude-haiku-4-5", {"reasoning_effort": "high", "max_tokens": 8000},
     {"thinking": {"type": "enabled", "budget_tokens": 4000, "display": "summarized"}, "max_tokens": 8000}),
    ("gemini-2.5-flash", {"reasoning_effort": "none"},
     {"thinkingConfig": {"thinkingBudget": 0, "includeThoughts": False}}),
    ("gemini-3.5-flash", {"reasoning_budget": 3000},
     {"thinkingConfig": {"thinkingBudget": 3000, "includeThoughts": True}}),
])
def test_effort_and_budget_mapping(fake_providers, model, options, field):
    assert ai_service.chat(model, "hi", **options).ok
    body = fake_providers.requests[-1].json
    config = camel(body["generationConfig"]) if "generationConfig" in body else body
    assert {k: config.get(k) for k in field} == field


def test_an_anthropic_budget_below_its_minimum_is_refused_before_any_request(fake_providers):
    with pytest.raises(errors.ValidationError, match="at least 1,024"):
        ai_service.chat("claude-sonnet-4-6", "hi", reasoning_budget=500)
    with pytest.raises(errors.ValidationError, match="raise Max tokens above 1,024"):
        ai_service.chat("claude-haiku-4-5", "hi", reasoning_effort="low", max_tokens=1000)
    assert fake_providers.requests == [] and ledger() == []


def test_openai_does_not_send_a_thinking_budget(fake_providers):
    result = ai_service.chat("gpt-5", "hi", reasoning_budget=2048, reasoning_effort="low")
    assert result.skipped_options == ["reasoning_budget"]
    body = fake_providers.requests[-1].json
    assert body["reasoning_effort"] == "low" and "reasoning_budget" not in json.dumps(body)


def _png_of(size: int) -> bytes:
    """A PNG header followed by padding: its type checks out, its size is what a vendor's limit sees."""
    return IMAGE + b"\0" * (size - len(IMAGE))


@pytest.mark.parametrize(("model", "files", "says"), [
    ("claude-sonnet-4-6", [_png_of(6 * 2**20)], "Claude takes images up to 5 MB"),
    ("gemini-2.5-flash", [_png_of(11 * 2**20), _png_of(11 * 2**20)], "Gemini takes at most 20 MB"),
])
def test_files_over_a_vendors_own_limit_skip_that_model_before_any_request(fake_providers, model, files, says):
    messages = [{"role": "user", "content": "look", "attachments": [
        {"name": f"f{i}.png", "media_type": "image/png", "data": data} for i, data in enumerate(files)]}]
    with pytest.raises(errors.UnsupportedInputError, match=says) as e:
        ai_service.chat(model, messages)
    assert e.value.kind == "image"
    assert fake_providers.requests == [] and ledger() == []
    assert ai_service.chat("gpt-5", messages).ok  # OpenAI takes up to 20 MB per file


def test_effort_none_is_not_sent_to_a_model_that_does_not_reason(fake_providers):
    """A shared "none" effort (the playground's default for every pane) must not make gpt-4.1's API refuse the call."""
    result = ai_service.chat("gpt-4.1", "hi", reasoning_effort="none")
    assert result.ok and "reasoning_effort" not in fake_providers.requests[-1].json
    assert "reasoning_effort" not in result.options
    assert "reasoning_effort" in json.dumps(ai_service.chat("gpt-5", "hi", reasoning_effort="none").options)
