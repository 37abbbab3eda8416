"""A pane's request as code to run elsewhere: the vendor's official SDK in Python, and curl; keys are never shown.

Both are rendered from the keyword arguments the provider gives its SDK for this very request
(`SDKProvider.request_params`), so what is shown is what AlonChat sends; the curl body is the JSON the SDK puts on
the wire. Keys stay in environment variables (`$OPENAI_API_KEY`); attachments' base64 data is elided.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..core.types import ChatRequest

ELIDE_OVER = 200  # characters: longer base64 (an attached file) is shown as a placeholder
_BASE64 = re.compile(r"^(data:[\w/.+-]+;base64,)?[A-Za-z0-9+/=\s]+$")


@dataclass(frozen=True)
class RequestCode:
    """The request as Python (the official SDK) and as curl; `note` says what is not literal (elided files)."""

    python: str
    curl: str
    note: str | None = None


def render(provider, request: ChatRequest) -> RequestCode | None:
    """The code for `request` as `provider` sends it (streamed, as the playground does); None when it sends none."""
    from ..providers.anthropic import AnthropicProvider
    from ..providers.gemini import GeminiProvider
    from ..providers.openai import OpenAIProvider

    if isinstance(provider, OpenAIProvider):
        code = _openai(provider, request)
    elif isinstance(provider, AnthropicProvider):
        code = _anthropic(provider, request)
    elif isinstance(provider, GeminiProvider):
        code = _gemini(provider, request)
    else:
        return None
    elided = any("attachments" in m for m in request.messages)
    return RequestCode(*code, "Attached files' base64 data is elided." if elided else None)


# --- per vendor ---------------------------------------------------------------------------------------------
def _params(provider, request: ChatRequest) -> dict[str, Any]:
    params = dict(provider.request_params(request))
    params.pop("timeout", None)  # a client setting, not part of the request body
    return params


def _openai(provider, request: ChatRequest) -> tuple[str, str]:
    from ..providers.openai import DEFAULT_BASE_URL
    from ..providers.openai_compatible import OpenAICompatibleProvider

    body = {**_params(provider, request), "stream": True, "stream_options": {"include_usage": True}}
    key_env = provider.env.key[0] if provider.env.key else None
    if isinstance(provider, OpenAICompatibleProvider):
        base = _public(provider.base_url)
        key = f'os.environ["{key_env}"]' if key_env else '"not-needed"'
        client = f"client = OpenAI(base_url={_py(base)}, api_key={key})"
        imports = "import os\n\nfrom openai import OpenAI" if key_env else "from openai import OpenAI"
    else:
        base = _public(provider.setting(provider.env.base_url) or DEFAULT_BASE_URL)
        client = f"client = OpenAI()  # reads {key_env} (and {provider.env.base_url}) from the environment"
        imports = "from openai import OpenAI"
    python = (f"{imports}\n\n{client}\nstream = client.chat.completions.create(\n{_kwargs(body)})\n"
              "for chunk in stream:\n"
              "    if chunk.choices and chunk.choices[0].delta.content:\n"
              "        print(chunk.choices[0].delta.content, end=\"\")\n")
    headers = ["Content-Type: application/json"] + ([f"Authorization: Bearer ${key_env}"] if key_env else [])
    return python, _curl(f"{base.rstrip('/')}/chat/completions", headers, body)


def _anthropic(provider, request: ChatRequest) -> tuple[str, str]:
    from ..providers.anthropic import DEFAULT_BASE_URL

    body = _params(provider, request)
    key_env = provider.env.key[0]
    base = _public(provider.setting(provider.env.base_url) or DEFAULT_BASE_URL)
    python = ("import anthropic\n\n"
              f"client = anthropic.Anthropic()  # reads {key_env} (and {provider.env.base_url}) from the environment\n"
              f"with client.messages.stream(\n{_kwargs(body)}) as stream:\n"
              "    for text in stream.text_stream:\n"
              "        print(text, end=\"\")\n")
    headers = ["Content-Type: application/json", f"x-api-key: ${key_env}", "anthropic-version: 2023-06-01"]
    return python, _curl(f"{base.rstrip('/')}/v1/messages", headers, {**body, "stream": True})


def _gemini(provider, request: ChatRequest) -> tuple[str, str]:
    from ..providers.gemini import DEFAULT_BASE_URL

    params = _params(provider, request)
    config = params["config"].model_dump(mode="json", exclude_none=True, exclude={"http_options"})
    contents = [c.model_dump(mode="json", exclude_none=True) for c in params["contents"]]
    key_env = " or ".join(provider.env.key)
    python = ("from google import genai\nfrom google.genai import types\n\n"
              f"client = genai.Client()  # reads {key_env} from the environment\n"
              "for chunk in client.models.generate_content_stream(\n"
              f"    model={_py(params['model'])},\n    contents={_py(contents, 1)},\n"
              f"    config=types.GenerateContentConfig(\n{_kwargs(config, 2)}    ),\n):\n"
              "    print(chunk.text or \"\", end=\"\")\n")
    # The REST body: camelCase, the system prompt as content, the rest of the config as generationConfig.
    rest = params["config"].model_dump(mode="json", exclude_none=True, by_alias=True,
                                       exclude={"http_options", "system_instruction"})
    body: dict[str, Any] = {"contents": [c.model_dump(mode="json", exclude_none=True, by_alias=True)
                                         for c in params["contents"]]}
    if config.get("system_instruction"):
        body["systemInstruction"] = {"parts": [{"text": config["system_instruction"]}], "role": "user"}
    if rest:
        body["generationConfig"] = rest
    version = provider.setting("GOOGLE_GENAI_API_VERSION") or "v1beta"
    base = _public(provider.setting(provider.env.base_url) or DEFAULT_BASE_URL)
    url = f"{base.rstrip('/')}/{version}/models/{params['model']}:streamGenerateContent?alt=sse"
    return python, _curl(url, ["Content-Type: application/json", f"x-goog-api-key: ${provider.env.key[-1]}"], body)


# --- rendering ----------------------------------------------------------------------------------------------
def _public(url: str) -> str:
    """A base URL without any user:password in it (a URL may carry credentials; they are never shown)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        parts = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts)


def _elide(value: Any) -> Any:
    """The value with long base64 strings (attached files) replaced by a short placeholder."""
    if isinstance(value, dict):
        return {k: _elide(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_elide(v) for v in value]
    if isinstance(value, str) and len(value) > ELIDE_OVER and _BASE64.match(value):
        head = value.split(",", 1)[0] + "," if value.startswith("data:") else ""
        return f"{head}<{len(value):,} characters of base64 elided>"
    return value


def _py(value: Any, depth: int = 0) -> str:
    """A Python literal for JSON-like data, indented four spaces per level from `depth`."""
    value = _elide(value)
    pad, inner = "    " * depth, "    " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {_py(v, depth + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        return "[\n" + "\n".join(f"{inner}{_py(v, depth + 1)}," for v in value) + f"\n{pad}]"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _kwargs(params: dict[str, Any], depth: int = 1) -> str:
    """Keyword arguments, one a line, for a call whose parenthesis closes on the next line."""
    pad = "    " * depth
    return "".join(f"{pad}{k}={_py(v, depth)},\n" for k, v in params.items())


def _curl(url: str, headers: list[str], body: dict[str, Any]) -> str:
    """A curl command; the body as JSON in single quotes (a quote inside is written as '\\'')."""
    data = json.dumps(_elide(body), indent=2, ensure_ascii=False).replace("'", "'\\''")
    lines = [f"curl {url}"] + [f'  -H "{h}"' for h in headers] + [f"  -d '{data}'"]
    return " \\\n".join(lines) + "\n"
