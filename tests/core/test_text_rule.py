"""The text estimate's rule as data (what the browser counts a draft by) says exactly what estimate_tokens does."""

from __future__ import annotations

import re
import sys
import unicodedata

from alonchat.core.tokens import estimate_tokens, text_rule


def _count_by_rule(text: str, rule: dict) -> int:
    """The rule applied as written, character class by character class (as the browser does)."""
    spaces = {chr(c) for c in rule["spaces"]}

    def word(c: str) -> bool:
        return unicodedata.category(c)[0] in rule["word_categories"] or c in rule["word_chars"]

    tokens, run = 0, 0
    for c in text + " ":
        if word(c):
            run += 1
            continue
        if run:
            tokens += -(-run // rule["chars_per_token"])
            run = 0
        if c not in spaces:
            tokens += 1
    return tokens


def test_the_rules_character_classes_are_pythons_for_every_code_point():
    rule, word, space = text_rule(), re.compile(r"\w"), re.compile(r"\s")
    spaces = {chr(c) for c in rule["spaces"]}
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        assert bool(word.match(c)) == (unicodedata.category(c)[0] in rule["word_categories"]
                                       or c in rule["word_chars"]), hex(cp)
        assert bool(space.match(c)) == (c in spaces), hex(cp)


def test_the_rule_counts_what_estimate_tokens_counts():
    rule = text_rule()
    for text in ("", "hello", "Hello, world!", "antidisestablishmentarianism", "snake_case_name x2",
                 "naïve café — 東京タワー 😀👍🏽", "tab\there\u3000ideographic\u00a0nbsp", "e\u0301 ١٢٣ Ⅻ ½",
                 "word " * 50):
        assert _count_by_rule(text, rule) == estimate_tokens(text), text
