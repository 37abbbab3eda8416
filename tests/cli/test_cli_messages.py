"""Every refusal the CLI prints starts with what the person gave or did, never with an internal field name."""

from __future__ import annotations

import re

import pytest

from alonchat.cli import main

FIELD_FIRST = re.compile(r"^error: [a-z_]+(\[\d+\])?(\.[a-z_]+)?: ")  # "error: pattern: …", "error: top_p: …"


@pytest.mark.parametrize(("argv", "starts"), [
    (["teams", "set", "not a name", "corp"], "'not a name' is not a user name"),
    (["teams", "set", "alice", "  "], "Give a team name"),
    (["teams", "remove", "nobody"], "nobody is in no team"),
    (["budget", "set", "--monthly", "-5"], "'-5' is not an amount"),
    (["budget", "set", "--monthly", "5", "--soft-percent", "0"], "'0' is not a percentage"),
    (["budget", "set", "--monthly", "5", "--user", "a", "--team", "b"], "Give a user or a team, not both"),
    (["endpoints", "add", "--name", "bad name", "--base-url", "ftp://x"], "Name may use only letters"),
    (["endpoints", "update", "groq", "--base-url", "localhost:1"], "Base URL must be an http:// or https:// URL"),
    (["models", "update", "gpt-5", "--input-price", "abc"], "Input price must be a number"),
    (["models", "update", "gpt-5", "--tiers", "nonsense"], "Long-context tiers must be a JSON list"),
    (["chat", "-m", "echo", "--temperature", "5", "hi"], "Temperature must be at most 2."),
    (["chat", "-m", "echo", "--max-tokens", "0", "hi"], "Max tokens must be a positive whole number."),
    (["usage", "--since", "yesterday"], "'yesterday' is not a date"),
    (["usage", "--tz", "Mars/Olympus"], "Unknown time zone 'Mars/Olympus'"),
])
def test_a_refusal_starts_with_what_was_given(capsys, argv, starts):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert not FIELD_FIRST.match(err), err
    assert err.startswith(f"error: {starts}"), err
    assert err.count("\n") == 1
