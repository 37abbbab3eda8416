"""`alonchat teams`, `budget --team` and `audit`: the CLI is a local admin, and its changes are audited."""

from __future__ import annotations

import json

from alonchat.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_teams_budgets_and_the_audit_trail(capsys, monkeypatch):
    monkeypatch.setenv("ALONCHAT_USER", "ops")
    assert run(capsys, "teams", "set", "@Corp.example", "corp")[0] == 0
    code, out, _ = run(capsys, "teams", "list", "--json")
    assert json.loads(out) == {"@corp.example": "corp"}
    code, out, _ = run(capsys, "budget", "set", "--monthly", "20", "--team", "corp")
    assert code == 0 and "team 'corp'" in out
    code, out, _ = run(capsys, "budget", "list", "--json")
    assert [(b["team"], b["monthly_usd"]) for b in json.loads(out)] == [("corp", 20.0)]
    code, out, _ = run(capsys, "audit", "--json")
    entries = json.loads(out)
    assert {(e["entity"], e["action"], e["actor"]) for e in entries} == {("team", "create", "ops"),
                                                                          ("budget", "create", "ops")}
    assert run(capsys, "budget", "remove", "--team", "corp")[0] == 0
    code, _, err = run(capsys, "teams", "set", "not an email", "corp")
    assert code == 2 and err == ("error: 'not an email' is not a user name, an email or an @domain: give e.g. alice, "
                                 "ana@example.com or @example.com.\n")  # what was typed first, not "pattern:"
    assert run(capsys, "teams", "set", "Alice", "research")[0] == 0  # single-user mode records plain user names
    code, out, _ = run(capsys, "teams", "list")
    assert "alice" in out and "research" in out
