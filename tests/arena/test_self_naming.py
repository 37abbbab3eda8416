"""An answer that names its own model or vendor is told apart from one that merely mentions a word."""

from __future__ import annotations

import pytest

from alonchat.arena.self_naming import names_itself

GPT = (("gpt-5", "gpt-5", "GPT-5"), "openai")
CLAUDE = (("claude-sonnet-4-6", "claude-sonnet-4-6", "Claude Sonnet 4.6"), "anthropic")
LOCAL = (("llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct", "Llama 3.3 70B"), "groq")


@pytest.mark.parametrize(("text", "model", "named"), [
    ("I'm ChatGPT, a large language model.", GPT, True),
    ("As GPT-5 I would say…", GPT, True),
    ("I was trained by OpenAI.", GPT, True),
    ("I am Claude, made by Anthropic.", CLAUDE, True),
    ("Claude's answer: yes.", CLAUDE, True),
    ("Sonnet 4.6 here.", CLAUDE, True),
    ("Here is a sonnet about the sea.", CLAUDE, True),  # a model's own name word counts, even as a common noun
    ("The capital of France is Paris.", GPT, False),
    ("Claudette and Googled are other words.", CLAUDE, False),
    ("I am Claude.", GPT, False),  # another vendor's name is no tell about this one
    ("Served to you by Groq on Llama.", LOCAL, True),
    ("Just a mini flash preview of an answer.", GPT, False),  # generic words of model names say nothing
    ("", GPT, False),
])
def test_names_itself(text, model, named):
    assert names_itself(text, *model) is named
