"""Does an answer name its own model or vendor? Such a vote is kept but marked, as LMArena marks it."""

from __future__ import annotations

import re
from functools import lru_cache

# What each built-in vendor's models call themselves or their maker, besides the words of the model's names.
VENDOR_WORDS = {
    "openai": ("OpenAI", "ChatGPT", "GPT"),
    "anthropic": ("Anthropic", "Claude"),
    "gemini": ("Google", "Gemini", "DeepMind", "Bard"),
    "echo": ("Echo",),
}
# Words of model names that say nothing about who made the model (a "mini" model naming "mini" is no tell).
_GENERIC = frozenset((
    "chat", "instruct", "preview", "latest", "turbo", "mini", "nano", "flash", "pro", "lite", "large", "small",
    "medium", "base", "free", "exp", "experimental", "thinking", "fast", "high", "low", "max", "plus", "ultra",
    "vision", "online", "model", "models", "api", "beta", "alpha", "new", "next", "reasoning", "compatible",
    "openai_compatible", "endpoint", "demo", "offline",
))


def words_for(names: tuple[str, ...], provider: str) -> tuple[str, ...]:
    """The words that would identify this model: its vendor's, and the distinctive words of its names."""
    found = list(VENDOR_WORDS.get(provider, ()))
    if provider not in VENDOR_WORDS and provider.lower() not in _GENERIC:
        found.append(provider)
    for name in names:
        for word in re.split(r"[^A-Za-z0-9]+", name or ""):
            if len(word) >= 3 and word.isalpha() and word.lower() not in _GENERIC:
                found.append(word)
    return tuple(dict.fromkeys(w.lower() for w in found))


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    # A word on its own: "GPT-5" and "Claude's" name GPT and Claude; "Googled" and "Claudette" do not.
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z])", re.IGNORECASE)


def names_itself(text: str, names: tuple[str, ...], provider: str) -> bool:
    """True when `text` names the model (any of `names`: catalog name, display name, model id) or its vendor."""
    words = words_for(names, provider)
    return bool(text and words and _pattern(words).search(text))
