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
    with pytest.raises(errors.BudgetExceededError, match="budget of everyone"):
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
    with pytest.raises(errors.BudgetExceededError, match="budget of everyone"):
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


# --- amounts: a cent to a billion dollars, to the micro-dollar; rows stored before that still list and go ---

@pytest.mark.parametrize("amount", ["1e30", "0.0000000000001", "1000000000.01", "0.0000000001", "0", "-5", "inf", "nan",
                                    "12.1234567891", "ten", "", "1" * 5000])
def test_an_amount_out_of_range_or_precision_is_one_clear_line_and_writes_nothing(amount):
    with pytest.raises(errors.ValidationError) as e:
        budgets.set_budget(amount)
    [message] = e.value.errors.values()
    assert message.startswith("'") and ("is not an amount" in message and "$0.000000001 to $1,000,000,000" in message
                                         or "has more than 9 decimals" in message)
    assert len(message) < 200  # a 5,000-digit amount is cut, not echoed whole
    assert budgets.list_budgets() == []


@pytest.mark.parametrize(("given", "stored"), [("0.000000001", D("0.000000001")), ("0.000066", D("0.000066")),
                                              ("1000000000", D(1_000_000_000)), ("$49.5", D("49.5")), (0.3, D("0.3")),
                                              ("12.345678", D("12.345678"))])
def test_amounts_in_range_are_stored_exactly(given, stored):
    budgets.set_budget(given)
    [b] = budgets.list_budgets()
    assert b.monthly_usd == stored and b.level == "ok" and b.percent == 0


def test_every_save_says_what_it_did():
    assert budgets.set_budget(50, team="corp").message == ("Created the monthly budget of team 'corp': "
                                                           "$50.00 a month, warning from 80%.")
    assert budgets.set_budget("50.00", team="corp").message == ("The monthly budget of team 'corp' was already "
                                                                "$50.00 a month, warning from 80%; nothing changed.")
    assert budgets.set_budget("10.125", team="corp", soft_percent=90).message == (
        "Changed the monthly budget of team 'corp' to $10.125 a month, warning from 90% (was $50.00, warning "
        "from 80%).")


def _store_raw(amount: str) -> None:
    """A budget row as a release before parse_amount could write it (straight into the table)."""
    from alonchat.storage.engine import get_engine
    from alonchat.storage.tables import Budget

    with get_engine().begin() as conn:
        conn.execute(Budget.__table__.insert().values(scope="*", monthly_usd=amount, soft_percent=80,
                                                      created_at=NOW, updated_at=NOW))
    budgets.forget_cached()


@pytest.mark.parametrize("amount", [
    pytest.param("1e30", marks=pytest.mark.sqlite_only),  # PostgreSQL's numeric(24, 12) never stored it
    "0.0000000000001"])  # stored as $0.00 on both
def test_a_stored_unusable_amount_is_listed_as_invalid_enforces_nothing_and_can_be_replaced_or_removed(amount):
    add_model("priced", input_price=D("1"), output_price=D("1"))
    registry.register(ScriptedProvider([["ok", StreamEnd(Usage(input_tokens=3, output_tokens=1), "stop")]]))
    _store_raw(amount)
    [b] = budgets.list_budgets()
    assert (b.monthly_usd, b.level, b.percent, b.enforced) == (None, "invalid", None, False)
    assert b.as_json()["level"] == "invalid"
    assert budgets.check("tester").level == "ok"
    assert ai_service.chat("priced", "q").ok  # neither "unexpected InvalidOperation" nor refused
    assert "was an invalid amount" in budgets.set_budget(20).message
    assert budgets.list_budgets()[0].monthly_usd == D(20)
    budgets.remove_budget()
    _store_raw(amount)
    budgets.remove_budget()  # removing one works too, and is audited with the amount as stored
    assert budgets.list_budgets() == []
