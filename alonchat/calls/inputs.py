"""What a call may carry: messages and attachments checked once, what each model accepts, and a pane's quote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.errors import AlonChatError, ContextWindowError, UnsupportedInputError, ValidationError
from ..core.text import quoted, strip_invisible
from ..core.types import IMAGE_TYPES, MEDIA_TYPES, PDF_TYPE, Attachment, ChatOptions, ChatRequest, Message

ROLES = ("user", "assistant", "system")
# Per file: OpenAI's and Gemini's inline limit (Anthropic refuses images over 5 MB itself).
MAX_ATTACHMENT_BYTES = 20 * 2**20
MAX_ATTACHMENTS = 20  # per message
# Leading bytes of each accepted type: a file whose content is not what its type says is refused here,
# with its name, instead of as a provider's 400 after the request.
_MAGIC = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
          "image/gif": (b"GIF87a", b"GIF89a"), "application/pdf": (b"%PDF-",)}
_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
             ".webp": "image/webp", ".pdf": PDF_TYPE}
_KIND_LABEL = {"image": "images", "pdf": "PDFs"}
_CAPABILITY = {"image": "supports_vision", "pdf": "supports_pdf"}
REASONING_OPTIONS = ("reasoning_effort", "reasoning_budget")


def sniff_media_type(data: bytes) -> str | None:
    """The accepted media type these bytes are, from their magic numbers; None when none matches."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((t for t, heads in _MAGIC.items() if data.startswith(heads)), None)


def media_type_of(name: str, data: bytes) -> str | None:
    """The media type of a file: its content first, then its extension (for the CLI and uploads)."""
    return sniff_media_type(data) or _SUFFIXES.get(Path(name).suffix.lower())


def attachment_from_file(path: str | Path) -> Attachment:
    """Read an image or PDF from disk as an Attachment; a clear ValidationError when it can't be sent."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise ValidationError({"attachments": f"{quoted(path.name)} is {size / 2**20:.1f} MB; the limit is "
                                                  f"{MAX_ATTACHMENT_BYTES // 2**20} MB per file."})
        data = path.read_bytes()
    except OSError as e:
        raise ValidationError({"attachments": f"Can't read {quoted(str(path), 100)}: {e.strerror or e}."}) from None
    return check_attachment({"name": path.name, "media_type": media_type_of(path.name, data) or "", "data": data})


def check_attachment(raw: Any, where: str = "attachments") -> Attachment:
    """One attachment as given (a dict or an Attachment), validated: name, accepted type, bytes, size."""
    if isinstance(raw, Attachment):
        raw = {"name": raw.name, "media_type": raw.media_type, "data": raw.data}
    if not isinstance(raw, dict):
        raise ValidationError({where: "Each attachment is {'name', 'media_type', 'data' (bytes)}; "
                                      f"got {type(raw).__name__}."})
    name, media_type, data = raw.get("name"), raw.get("media_type"), raw.get("data")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({where: "Give each attachment a file name."})
    if media_type not in MEDIA_TYPES:
        raise ValidationError({where: f"{quoted(name)} is {media_type or 'of an unknown type'}; attach an image "
                                      "(PNG, JPEG, GIF or WebP) or a PDF."})
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise ValidationError({where: f"{quoted(name)}: the data must be the file's bytes, not {type(data).__name__}."})
    if not data:
        raise ValidationError({where: f"{quoted(name)} is empty."})
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({where: f"{quoted(name)} is {len(data) / 2**20:.1f} MB; the limit is "
                                      f"{MAX_ATTACHMENT_BYTES // 2**20} MB per file."})
    sniffed = sniff_media_type(data)
    if sniffed != media_type:
        actual = f"really {sniffed}" if sniffed else "not an image or PDF"
        raise ValidationError({where: f"{quoted(name)} says {media_type} but is {actual}; attach the file itself."})
    # The name is stored with the conversation and shown: no control or text-direction characters in it.
    return Attachment(strip_invisible(name).strip() or "attachment", media_type, data)


def check_messages(messages: list[Message] | str) -> list[Message]:
    """Messages normalised ({role, content, attachments?}) or ValidationError: text content, known roles."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    if not isinstance(messages, list | tuple):
        raise ValidationError({"messages": "Send a prompt (text) or a list of messages, "
                                           f"not {type(messages).__name__}."})
    out: list[Message] = []
    for i, m in enumerate(messages, start=1):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise ValidationError({where: "Each message is {'role': ..., 'content': '...'}; "
                                          f"got {type(m).__name__}."})
        extra = set(m) - {"role", "content", "attachments"}
        if extra:
            raise ValidationError({where: f"Unknown key(s) {', '.join(sorted(map(str, extra)))}; a message has "
                                          "role, content and optionally attachments."})
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            raise ValidationError({where: f"Unknown role {role!r}; use user, assistant or system."})
        if not isinstance(content, str):
            got = "nothing" if content is None else f"a {type(content).__name__}"
            raise ValidationError({where: f"The content must be text; got {got}. Put files in 'attachments'."})
        atts = m.get("attachments") or []
        if not isinstance(atts, list | tuple):
            raise ValidationError({where: "'attachments' must be a list of files."})
        if atts and role != "user":
            raise ValidationError({where: "Only user messages carry attachments."})
        if len(atts) > MAX_ATTACHMENTS:
            raise ValidationError({where: f"{len(atts)} attachments; at most {MAX_ATTACHMENTS} per message."})
        msg: Message = {"role": role, "content": content}
        if atts:
            msg["attachments"] = [check_attachment(a, f"{where}.attachments") for a in atts]
        out.append(msg)
    if not any(m["role"] == "user" and (m["content"].strip() or m.get("attachments")) for m in out):
        raise ValidationError({"messages": "Write a prompt: there is no user message to send."})
    return out


@dataclass(frozen=True)
class Accepts:
    """What one model takes: the playground offers only these, and skips a pane that can't take an input."""

    model: str
    reasoning: bool
    vision: bool
    pdf: bool
    not_sent: frozenset[str]  # options its provider's API refuses: shown as "not sent", never a failure
    why: Mapping[str, str] = field(default_factory=dict)  # why its provider does not take each of them

    @property
    def media_types(self) -> tuple[str, ...]:
        return (IMAGE_TYPES if self.vision else ()) + ((PDF_TYPE,) if self.pdf else ())

    def not_sent_reasons(self, names: Iterable[str]) -> dict[str, str]:
        """Why each of these set options would not reach the model, for those that would not: its true cause."""
        out = {}
        for name in names:
            if name in REASONING_OPTIONS and not self.reasoning:
                out[name] = f"{self.model} is not a reasoning model (catalog: supports_reasoning is off)"
            elif name in self.not_sent:
                out[name] = self.why.get(name) or "its provider's API does not take it"
        return out

    def refusal(self, kinds: Iterable[str]) -> str | None:
        """Why this model can't take attachments of these kinds ("image", "pdf"), or None when it can."""
        missing = [k for k in dict.fromkeys(kinds) if not (self.vision if k == "image" else self.pdf)]
        if not missing:
            return None
        what = " or ".join(_KIND_LABEL[k] for k in missing)
        return (f"{self.model} does not accept {what} (catalog: {', '.join(_CAPABILITY[k] for k in missing)} "
                "is off); remove the attachment or pick another model.")


def accepts(spec, not_sent: Iterable[str] | Mapping[str, str] = ()) -> Accepts:
    """What a catalog model (ModelSpec) accepts; `not_sent` is its provider's ignored options (with why, if a map)."""
    return Accepts(spec.name, bool(spec.supports_reasoning), bool(spec.supports_vision), bool(spec.supports_pdf),
                   frozenset(not_sent), dict(not_sent) if isinstance(not_sent, Mapping) else {})


def check_supported(what: Accepts, messages: list[Message], options: ChatOptions) -> None:
    """Refuse (before any request) inputs the model can't take: attachments it can't see, effort it can't use."""
    kinds = [a.kind for m in messages for a in m.get("attachments") or ()]
    reason = what.refusal(kinds)
    if reason:
        raise UnsupportedInputError(what.model, "image" if "image" in kinds and not what.vision else "pdf", reason)
    if not what.reasoning and (options.reasoning_effort not in (None, "none") or options.reasoning_budget):
        raise UnsupportedInputError(what.model, "reasoning", (
            f"{what.model} is not a reasoning model (catalog: supports_reasoning is off); clear the reasoning "
            "effort and budget, or pick a model that reasons."))


def sent_options(options: ChatOptions, not_sent: Iterable[str] = ()) -> tuple[dict, list[str]]:
    """(the options a call sends, for display and the ledger; the set ones its provider does not take).

    The system prompt is kept as its length, a schema as its title or "yes": never secrets or bulk.
    """
    data = options.set_values()
    data.pop("timeout", None)
    skipped = sorted(k for k in data if k in set(not_sent))
    for k in skipped:
        data.pop(k)
    if "system" in data:
        data["system"] = f"{len(data['system'])} chars"
    if "json_schema" in data:
        data["json_schema"] = str(data["json_schema"].get("title") or "yes")
    return data, skipped


# --- before Send: what a pane shows -------------------------------------------------------------------
PER_WORDS = 100  # a quote prices this many more words of prompt: the draft is unknown until it is sent


@dataclass(frozen=True)
class Quote:
    """One pane before Send (AIService.quote): whether its model takes the request, or why not, and its cost."""

    model: str
    problem: str | None = None  # why the call would be refused, in one line; None: it would be sent
    unsupported: bool = False  # refused for an input the model cannot take (an image, a PDF): skipped, not wrong
    input_usd: Decimal | None = None  # the request's input cost as it stands, estimated (None: unpriced)
    per_words_usd: Decimal | None = None  # what each PER_WORDS more words of prompt add, estimated
    tokens: int | None = None  # the request's prompt tokens (system, turns, files), estimated by its vendor's rule
    window: int | None = None  # the model's context window (None: unknown)
    max_tokens: int | None = None  # the output asked for: the window must hold it with the prompt, or it is refused

    @property
    def window_used(self) -> float | None:
        """The share of the context window the request fills (None when either is unknown)."""
        return self.tokens / self.window if self.tokens is not None and self.window else None

    @property
    def ok(self) -> bool:
        return self.problem is None


def problem_text(error: AlonChatError) -> str:
    """An error as one line for a form: each field's message after its name, or the message alone where it names
    the model itself (an input it cannot take, a prompt too long for it)."""
    if not isinstance(error, ValidationError):
        return str(error)
    if isinstance(error, UnsupportedInputError | ContextWindowError):
        return "; ".join(error.errors.values())
    return "; ".join(f"{k.replace('_', ' ')}: {v}" if k else v for k, v in error.errors.items())


def with_words(request: ChatRequest, words: int) -> ChatRequest:
    """The request with its last prompt replaced by `words` words: what a longer draft would cost, by difference."""
    return replace(request, messages=[*request.messages[:-1], {"role": "user", "content": "word " * words}])
