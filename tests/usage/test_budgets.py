"""Budgets: warnings, refusals through the service (echo and a priced model), per user vs team, projection."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import StreamEnd, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from alonchat.usage import budgets, reports
from tests.support.ledger_fixture import write
from tests.support.scripted import ScriptedProvider, add_model

NOW = datetime(2026, 11, 16, tzinfo=UTC)  # exactly half of November has gone


def spend(user, usd, when=datetime(2026, 11, 10, tzinfo=UTC), model="alpha"):
    write(when, user, model, "openai", "ok", Usage(10, 0, 0, 10), D(usd))


def test_projection_is_spend_over_elapsed_fraction():
    assert budgets.projection(D("12"), NOW) == D("24")
    assert budgets.month_bounds(NOW) == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert budgets.month_bounds(datetime(2026, 12, 31, 23, tzinfo=UTC))[1] == datetime(2027, 1, 1, tzinfo=UTC)


def test_list_shows_spend_so_far_and_projection_per_scope():
    spend("alice", "3")
    spend("bob", "1")
    spend("alice", "50", when=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))  # last month: not counted
    write(datetime(2026, 11, 5, tzinfo=UTC), "bob", "mystery", "custom", "ok", Usage(5, 0, 0, 5), None)
    budgets.set_budget(10)
    budgets.set_budget("5", user="alice", soft_percent=50)
    team, alice = budgets.list_budgets(now=NOW)
    assert (team.scope, team.spent_usd, team.projection_usd, team.unpriced_requests) == ("*", D(4), D(8), 1)
    assert (alice.scope, alice.spent_usd, alice.projection_usd, alice.level) == ("alice", D(3), D(6), "soft")
    assert team.level == "ok" and alice.percent == 60.0


def test_check_levels_and_messages_per_user_and_team():
    budgets.set_budget(10, user="alice", soft_percent=80)
    spend("alice", "7.99")
    assert budgets.check("alice", now=NOW).level == "ok"
    spend("alice", "0.01")
    soft = budgets.check("alice", now=NOW)
    assert soft.level == "soft" and "$8.00 of the $10.00" in soft.message and "80%" in soft.message
    assert budgets.check("bob", now=NOW).level == "ok"  # alice's budget is not bob's
    spend("alice", "2")
    with pytest.raises(errors.BudgetExceededError) as e:
        budgets.enforce("alice", now=NOW)
    assert "user 'alice'" in str(e.value) and "$10.00 of $10.00" in str(e.value)
    assert "budget set --monthly <USD> --user alice" in str(e.value)
    # the team's hard limit stops everyone, bob included
    budgets.set_budget(11)
    spend("bob", "1")
    with pytest.raises(errors.BudgetExceededError, match="the team"):
        budgets.enforce("bob", now=NOW)


def test_refusal_through_the_service_with_a_priced_model_and_no_spend_from_refused_rows():
    add_model("priced", input_price=D("1000000"), output_price=D("0"))  # $1 per input token
    registry.register(ScriptedProvider([["ok", StreamEnd(Usage(input_tokens=3, output_tokens=1), "stop")]]))
    budgets.set_budget(5, user="tester", soft_percent=50)
    first = ai_service.chat("priced", "q")
    assert first.cost_usd == D(3)
    assert budgets.check("tester").level == "soft"  # $3 of $5
    ai_service.chat("priced", "q")  # $6: the limit is reached after this call
    with pytest.raises(errors.BudgetExceededError, match="is spent") as e:
        ai_service.chat("priced", "q")
    assert e.value.result.status == "refused"
    with session() as s:
        last = s.scalars(select(UsageRecord).order_by(UsageRecord.id.desc())).first()
    assert (last.status, last.error_class, last.cost_usd, last.input_tokens) == ("refused", "BudgetExceededError",
                                                                                  None, 0)
    s = reports.summary(reports.Filters())
    assert s.cost_usd == D(6) and s.requests == 3 and s.errors == 1 and s.unpriced_requests == 0
    budgets.set_budget(100, user="tester")  # raising the budget lets calls through again
    assert ai_service.chat("priced", "q").ok


def test_a_spent_team_budget_refuses_priced_calls_but_never_the_free_echo():
    add_model("priced", input_price=D("1"), output_price=D("1"))
    registry.register(ScriptedProvider([["ok", StreamEnd(Usage(input_tokens=3, output_tokens=1), "stop")]]))
    budgets.set_budget("0.01")
    spend("someone-else", "0.02", when=datetime.now(UTC))  # this month, whenever the test runs
    with pytest.raises(errors.BudgetExceededError, match="the team"):
        ai_service.chat("priced", "hi")
    assert ai_service.chat("echo", "hi").ok  # price 0: a budget never blocks a free model
    budgets.remove_budget()
    assert ai_service.chat("priced", "hi").ok


@pytest.mark.parametrize("amount, soft, user, field", [
    ("-1", 80, None, "monthly_usd"), ("abc", 80, None, "monthly_usd"), ("nan", 80, None, "monthly_usd"),
    ("10", 0, None, "soft_percent"), ("10", "50.5", None, "soft_percent"), ("10", 80, "  ", "user"),
])
def test_bad_budgets_are_rejected_and_nothing_is_written(amount, soft, user, field):
    with pytest.raises(errors.ValidationError) as e:
        budgets.set_budget(amount, user=user, soft_percent=soft)
    assert field in e.value.errors
    assert budgets.list_budgets() == []


def test_remove_a_missing_budget_says_so():
    with pytest.raises(errors.ValidationError, match="no budget for user 'ghost'"):
        budgets.remove_budget("ghost")
