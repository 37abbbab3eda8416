"""The one token estimator: text, prompts and attachments by each vendor's documented rule (always labelled)."""

from __future__ import annotations

import re

from .types import Attachment, ChatRequest, Usage

_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)
CHARS_PER_TOKEN = 4  # a word counts one token per 4 characters, rounded up
# What `\s` matches (str.isspace): the characters between words, which count nothing.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + \
    "\u2028\u2029\u202f\u205f\u3000"


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate (words and punctuation, long words split by 4 chars); always labelled an estimate."""
    return sum(max(1, -(-len(w) // CHARS_PER_TOKEN)) for w in _WORDS.findall(text or ""))


def text_rule() -> dict:
    """estimate_tokens' rule as data, for counting outside Python (the playground counts a draft in the browser):
    a run of word characters (Unicode letters and digits, categories L and N, and "_") is a token per
    `chars_per_token` characters, rounded up; any other character that is not a space is one token."""
    return {"word_categories": ["L", "N"], "word_chars": "_", "spaces": [ord(c) for c in SPACES],
            "chars_per_token": CHARS_PER_TOKEN}


def estimate_prompt_tokens(request: ChatRequest, rule: str = "openai") -> int:
    """The prompt's estimated tokens: the system text, each message and its attachments (by `rule`, a vendor)."""
    return (estimate_tokens(request.options.system or "")
            + sum(estimate_tokens(m["content"])
                  + sum(estimate_attachment_tokens(a, rule) for a in m.get("attachments") or ())
                  for m in request.messages))


def estimated_usage(request: ChatRequest, content: str = "", rule: str = "openai") -> Usage:
    """Usage counted by us, labelled estimated: for a server that reports none, or a call that broke."""
    return Usage(input_tokens=estimate_prompt_tokens(request, rule), output_tokens=estimate_tokens(content),
                 estimated=True)


# Per-page PDF tokens as each vendor documents them: Anthropic 1,500-3,000 (text plus the page image),
# Gemini 258 per page, OpenAI the extracted text plus one image per page (~765 at high detail + text).
PDF_PAGE_TOKENS = {"anthropic": 2_250, "gemini": 258, "openai": 1_300}
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the image's header (Pillow reads only the header); None when unreadable."""
    import io

    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:  # any unreadable image falls back to a typical size: it is an estimate
        return None


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF, counted from its page objects (an estimate: compressed object streams hide some)."""
    return max(1, len(_PAGE.findall(data)))


def estimate_attachment_tokens(attachment: Attachment, rule: str = "openai") -> int:
    """Prompt tokens of one attachment by the vendor's documented rule (`rule`: openai, anthropic, gemini)."""
    if attachment.kind == "pdf":
        return pdf_pages(attachment.data) * PDF_PAGE_TOKENS.get(rule, PDF_PAGE_TOKENS["openai"])
    w, h = image_size(attachment.data) or (1024, 1024)
    if rule == "anthropic":  # (w*h)/750 after fitting the long edge to 1,568 px
        scale = min(1.0, 1568 / max(w, h))
        return max(1, round(w * scale * h * scale / 750))
    if rule == "gemini":  # 258 per image up to 384 px; larger ones in 768 px tiles of 258 each
        if w <= 384 and h <= 384:
            return 258
        return 258 * -(-w // 768) * -(-h // 768)
    # OpenAI (high detail): fit in 2048², shortest side to 768, then 170 per 512 px tile plus 85.
    scale = min(1.0, 2048 / max(w, h))
    w, h = w * scale, h * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return 85 + 170 * int(-(-w // 512) * -(-h // 512))
