"""Control and text-direction characters: stripped from stored text, refused in stored names, never echoed raw.

A raw ESC in a description reaches a terminal through `models export`; a raw U+202E (right-to-left override) in
an error message reorders what follows it; a 100 KB name echoed whole floods the terminal and the log.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from alonchat import conversations
from alonchat.access import teams
from alonchat.catalog import endpoints
from alonchat.catalog import models as catalog
from alonchat.cli import main
from alonchat.core import errors
from alonchat.core.text import quoted
from alonchat.storage.engine import session
from alonchat.storage.tables import AIModel, Budget
from alonchat.usage import budgets
from tests.support.catalog import GOOD

ESC, RLO = "\x1b", "\u202e"
HOSTILE = f"fine{ESC}[31m red{RLO}txt.exe"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_descriptions_are_stored_without_control_or_direction_characters(capsys):
    catalog.create_model({**GOOD, "description": f"line one\n{HOSTILE}\ttabbed"})
    endpoints.create_endpoint({"name": "box", "base_url": "http://127.0.0.1:9/v1", "description": HOSTILE})
    assert catalog.resolve(GOOD["name"]).description == "line one\nfine[31m redtxt.exe\ttabbed"
    assert [e.description for e in endpoints.list_endpoints() if e.name == "box"] == ["fine[31m redtxt.exe"]


def test_models_export_never_carries_them_even_from_a_row_stored_before_the_check(capsys):
    catalog.create_model(GOOD)
    with session() as s, s.begin():  # as an older release could have stored it
        s.execute(update(AIModel).where(AIModel.name == GOOD["name"]).values(description=HOSTILE,
                                                                             display_name=f"Nice{RLO}name"))
    for fmt in ("csv", "json"):
        code, out, _ = run(capsys, "models", "export", "--format", fmt)
        assert code == 0 and ESC not in out and RLO not in out
        assert "\\u001b" not in out and "\\u202e" not in out.lower()
    assert json.loads(run(capsys, "models", "export", "--format", "json")[1])["models"]


@pytest.mark.parametrize("change", [
    lambda: budgets.set_budget(5, user=f"ana{RLO}@corp.example"),
    lambda: budgets.set_budget(5, user=f"ana{ESC}[2J"),
    lambda: budgets.set_budget(5, team=f"ops{RLO}"),
    lambda: teams.assign(f"ana{RLO}@corp.example", "corp"),
    lambda: teams.assign("@corp.example", f"corp{ESC}[2J"),
])
def test_budget_users_teams_and_team_patterns_refuse_them(change):
    with pytest.raises(errors.ValidationError) as info:
        change()
    message = str(info.value)
    assert RLO not in message and ESC not in message and ("U+202E" in message or "control" in message)
    assert budgets.list_budgets() == [] and teams.mapping() == {}


def test_a_budget_stored_with_one_before_the_check_can_still_be_removed():
    with session() as s, s.begin():
        s.add(Budget(scope=f"ana{RLO}", monthly_usd=5, soft_percent=80))
    budgets.forget_cached()
    budgets.remove_budget(f"ana{RLO}")
    assert budgets.list_budgets() == []


def test_conversation_titles_and_attachment_names_are_stored_clean():
    from tests.support.media import attachment

    cid = conversations.create(f"plan{RLO}s{ESC}[1m")
    conversations.add_prompt(cid, ["echo"], "see", attachments=[attachment(f"cat{RLO}gnp.exe", media_type="image/png")])
    view = conversations.load(cid)
    assert view.title == "plans[1m" and view.messages[0].attachments[0].name == "catgnp.exe"


@pytest.mark.parametrize("argv", [
    ("chat", "-m", f"gpt{RLO}-5", "hi"),
    ("chat", "-m", "g" * 100_000, "hi"),
    ("usage", "--since", f"2026{RLO}-01-01"),
    ("usage", "--since", "9" * 100_000),
    ("teams", "set", "x" * 100_000, "corp"),
    ("endpoints", "disable", "e" * 100_000),
    ("budget", "remove", "--user", f"ghost{RLO}" + "o" * 100_000),
])
def test_error_messages_never_echo_raw_direction_characters_or_a_huge_input(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert RLO not in err and ESC not in err and len(err) < 1_000, err[:300]
    assert len(err.strip().splitlines()) == 1


def test_quoted_shows_what_is_hidden_and_cuts_what_is_long():
    assert quoted(f"gpt{RLO}-5") == "'gpt<U+202E>-5'"
    assert quoted(f"a{ESC}b") == "'a<U+001B>b'"
    assert quoted("x" * 50_000) == "'" + "x" * 40 + "…' (50,000 characters)"
