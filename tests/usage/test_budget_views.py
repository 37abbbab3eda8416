"""Budgets as a member sees them: their own and their team's figures, everyone's budget without the org's spend."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from alonchat.access import identity, teams
from alonchat.calls.service import ai_service
from alonchat.cli import main
from alonchat.core import errors
from alonchat.core.types import StreamEnd, Usage
from alonchat.providers.registry import registry
from alonchat.usage import budgets, ledger
from tests.support.scripted import ScriptedProvider, add_model

ROOT = identity.Actor("root@corp.example", is_admin=True, signed_in=True)
ANA = identity.Actor("ana@corp.example", is_admin=False, signed_in=True)
ORG_SPEND = "$8.30"  # what cy, outside ana's team, spent: a member must never read it


@pytest.fixture
def org():
    """Everyone's $10 budget, team corp's $5 and ana's own $2; ana $1, bo (corp) $1.50, cy (no team) $5.80."""
    now = datetime.now(UTC)
    with identity.acting_as(ROOT):
        teams.assign("@corp.example", "corp")
        budgets.set_budget(10)
        budgets.set_budget(5, team="corp")
        budgets.set_budget(2, user=ANA.email)
    for user, usd in ((ANA.email, "1"), ("bo@corp.example", "1.5"), ("cy@else.example", "5.8")):
        ledger.record(ledger.UsageEntry(user=user, model_name="alpha", provider="openai", model_id="alpha",
                                        usage=Usage(10, 0, 0, 10), cost_usd=D(usd), latency_ms=5, ttft_ms=None,
                                        status="ok", created_at=now, team=teams.team_of(user)))
    return now


def test_a_member_lists_everyones_budget_without_the_organisations_spend(org):
    with identity.acting_as(ANA):
        everyone, mine = (b for b in budgets.list_budgets() if b.scope in ("*", ANA.email))
        team = next(b for b in budgets.list_budgets() if b.scope == "team:corp")
    assert everyone.hidden and (everyone.spent_usd, everyone.projection_usd, everyone.percent) == (None, None, None)
    assert (everyone.monthly_usd, everyone.level) == (D(10), "soft")  # $8.30 of $10: the level, not the figure
    assert not mine.hidden and mine.spent_usd == D(1)
    assert not team.hidden and team.spent_usd == D("2.5")  # ana's and bo's: their team's total
    with identity.acting_as(ROOT):
        assert next(b for b in budgets.list_budgets() if b.scope == "*").spent_usd == D("8.3")


def test_a_members_warning_and_refusal_name_no_organisation_figure(org):
    add_model("priced", input_price=D("1000000"), output_price=D("0"))  # $1 per input token
    registry.register(ScriptedProvider([["ok", StreamEnd(Usage(input_tokens=3, output_tokens=1), "stop")]]))
    with identity.acting_as(ANA):
        warning = budgets.check(ANA.email)
        assert warning.level == "soft" and "everyone" in warning.message.lower()
        assert ORG_SPEND not in warning.message and "83%" not in warning.message
        with pytest.raises(errors.BudgetExceededError) as refused:
            ai_service.chat("priced", "one two three four five", max_tokens=5)
    assert ORG_SPEND not in str(refused.value) and "$8.3" not in str(refused.value)
    with identity.acting_as(ROOT):
        assert ORG_SPEND in budgets.check("cy@else.example").message  # an admin sees the figures


def test_the_cli_lists_what_the_engine_lets_the_caller_see(org, capsys):
    with identity.acting_as(ANA):
        assert main(["budget", "list", "--json"]) == 0
        listed = {b["scope"]: b for b in json.loads(capsys.readouterr().out)}
        assert main(["budget", "list"]) == 0
        table = capsys.readouterr().out
    assert listed["team"]["hidden"] and listed["team"]["spent_usd"] is None and listed["team"]["monthly_usd"] == 10
    assert listed[ANA.email]["spent_usd"] == 1
    assert "8.3" not in table and "shown to admins only" in table
    assert main(["budget", "list", "--json"]) == 0  # the CLI's own user is the local admin: everything
    assert {b["scope"]: b for b in json.loads(capsys.readouterr().out)}["team"]["spent_usd"] == 8.3
