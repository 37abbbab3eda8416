"""Benchmark: what making outside markdown safe costs per render (prints figures).

    python bench/safe_markdown.py

A streaming pane re-renders its unfinished tail (up to 1,500 characters) at most 10 times a second, and
a stored answer once per rerun; each goes through ui.safe_markdown. Prints the mean time per call for
text with no link syntax (the parser is skipped), a tail with links and images, and a long answer.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alonchat.core.markdown import _clean  # the parse itself (its cache is cleared to time a first parse)
from ui.safe_markdown import clean

PLAIN = ("Streaming keeps one HTTP response open and pushes each token as it is made. " * 20)[:1500]
LINKY = ("See [the docs](https://example.com/docs) and ![chart](https://img.example/c.png?d=1), then `code`. "
         * 15)[:1500]
LONG = "\n\n".join(f"Paragraph {i}: [link {i}](https://example.com/{i}) and ![img {i}](https://x/{i}.png) text."
                   for i in range(300))


def per_call_ms(text: str, n: int) -> float:
    clean(text)  # the parser is built once per process
    start = time.perf_counter()
    for _ in range(n):
        _clean.cache_clear()  # a text not seen before: parsed
        clean(text)
    return (time.perf_counter() - start) / n * 1000


def cached_ms(text: str, n: int) -> float:
    """A rerun drawing the same stored answer again."""
    clean(text)
    start = time.perf_counter()
    for _ in range(n):
        clean(text)
    return (time.perf_counter() - start) / n * 1000


if __name__ == "__main__":
    cases = (("1,500 chars, no link syntax", PLAIN, 2000), ("1,500 chars with links and images", LINKY, 200),
             (f"{len(LONG):,} chars, 300 paragraphs", LONG, 20))
    for name, text, n in cases:
        print(f"{name:<40} {per_call_ms(text, n):8.3f} ms first drawn · {cached_ms(text, 1000):7.3f} ms drawn again")
