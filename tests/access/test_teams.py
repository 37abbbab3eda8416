"""Teams without sign-in: plain user names are members, so teams and team budgets work in single-user mode."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from alonchat.access import audit, teams
from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.text import quoted
from alonchat.core.types import StreamEnd, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from alonchat.usage import budgets, reports
from tests.support.scripted import ScriptedProvider, add_model


def test_a_plain_user_name_is_a_member_beside_emails_and_domains():
    teams.assign("Alice", "research")
    teams.assign("bob@corp.example", "ops")
    teams.assign("@corp.example", "corp")
    assert teams.mapping() == {"alice": "research", "bob@corp.example": "ops", "@corp.example": "corp"}
    assert [teams.team_of(u) for u in ("alice", "ALICE", "bob@corp.example", "eve@corp.example", "carol")] == [
        "research", "research", "ops", "corp", ""]
    assert [(e.subject, e.action, e.changes) for e in audit.entries("team")][-1] == (
        "alice", "create", {"team": [None, "research"]})
    teams.unassign("alice")
    assert teams.team_of("alice") == ""


@pytest.mark.parametrize("pattern", ["", "  ", "not a name", "bob@localhost", "@", "x" * 201, "-dash-first"])
def test_what_is_neither_a_name_an_email_nor_a_domain_is_refused_with_examples(pattern):
    with pytest.raises(errors.ValidationError) as e:
        teams.assign(pattern, "research")
    assert str(e.value).startswith(f"{quoted(pattern.strip())} is not a user name, an email or an @domain")
    assert "alice, ana@example.com or @example.com" in str(e.value)
    assert teams.mapping() == {}


def test_single_user_calls_carry_the_team_and_its_budget_counts_and_refuses_them():
    """The fixtures run as the local user 'tester' (ALONCHAT_USER), with no sign-in."""
    add_model("priced", input_price=D("1000000"), output_price=D("0"))  # $1 per input token
    registry.register(ScriptedProvider([["ok", StreamEnd(Usage(input_tokens=3, output_tokens=1), "stop")]]))
    teams.assign("tester", "research")
    budgets.set_budget(5, team="research")
    assert ai_service.chat("priced", "q").cost_usd == D(3)
    with session() as s:
        assert s.scalars(select(UsageRecord.team)).all() == ["research"]
    [b] = budgets.list_budgets()
    assert (b.scope, b.spent_usd) == ("team:research", D(3))
    assert reports.breakdown("team", reports.Filters())[0]["team"] == "research"
    ai_service.chat("priced", "q")  # $6 of $5: this call passes the limit
    with pytest.raises(errors.BudgetExceededError):
        ai_service.chat("priced", "q")
