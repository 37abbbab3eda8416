"""CLI `usage`, `budget` and `demo-data` in process: the JSON contract, CSV, errors with exit code 2."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from alonchat.cli import main
from alonchat.usage import budgets, reports, reservations
from tests.support.ledger_fixture import small_ledger

CONTRACT = {"requests", "errors", "input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens",
            "cost_usd", "unpriced_requests"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_without_by_is_one_object_for_the_range(capsys):
    small_ledger()
    code, out, _ = run(capsys, "usage", "--json")
    [obj] = json.loads(out)
    assert code == 0 and set(obj) == CONTRACT
    assert obj == {"requests": 8, "errors": 2, "input_tokens": 3630, "cached_input_tokens": 600,
                   "output_tokens": 640, "reasoning_tokens": 50, "cost_usd": pytest.approx(0.013335),
                   "unpriced_requests": 1}


@pytest.mark.parametrize("by", ["day", "model", "provider", "user"])
def test_json_by_group_has_the_key_plus_the_contract(capsys, by):
    small_ledger()
    code, out, _ = run(capsys, "usage", "--by", by, "--json")
    rows = json.loads(out)
    assert code == 0 and rows and all(set(r) == CONTRACT | {by} for r in rows)
    assert sum(r["requests"] for r in rows) == 8


def test_dates_are_whole_days_and_until_is_included(capsys):
    small_ledger()
    _, out, _ = run(capsys, "usage", "--since", "2026-11-03", "--until", "2026-11-03", "--by", "model", "--json")
    rows = {r["model"]: r for r in json.loads(out)}
    assert rows["alpha"]["requests"] == 1 and rows["mystery"]["cost_usd"] is None
    _, out, _ = run(capsys, "usage", "--until", "2026-11-02", "--json")
    assert json.loads(out)[0]["requests"] == 2
    _, out, _ = run(capsys, "usage", "--since", "2026-11-03", "--tz", "Europe/Paris", "--json")
    assert json.loads(out)[0]["requests"] == 7  # 00:15 Paris on the 3rd is 23:15 UTC on the 2nd


def test_csv_has_header_and_empty_cost_for_unpriced(capsys):
    small_ledger()
    code, out, _ = run(capsys, "usage", "--by", "model", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and list(rows[0]) == ["model", *reports_fields()]
    assert {r["model"]: r["cost_usd"] for r in rows}["mystery"] == ""


def reports_fields():
    from alonchat.cli.usage import FIELDS
    return list(FIELDS)


def test_plain_table_shows_unpriced_not_zero(capsys):
    small_ledger()
    _, out, _ = run(capsys, "usage", "--by", "model")
    assert "mystery" in out and "unpriced" in out.splitlines()[-1]


@pytest.mark.parametrize("argv", [
    ["usage", "--since", "2026-13-01"], ["usage", "--until", "yesterday"], ["usage", "--by", "week"],
    ["usage", "--json", "--csv"], ["usage", "--tz", "Mars/Base"],
    ["usage", "--since", "2026-11-05", "--until", "2026-11-01"],
    # Past what Python's dates hold (a traceback before), and an empty value (meant "no filter" before).
    ["usage", "--until", "9999-12-31"], ["usage", "--since", "0001-01-01", "--tz", "Asia/Tokyo"],
    ["usage", "--since", ""], ["usage", "--until", " "], ["usage", "--since", "0001-01-01T00:00", "--by", "day"],
])
def test_bad_arguments_give_one_line_and_exit_2(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own errors (unknown choice, conflicting flags)
        code = e.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "error" in err


def test_a_range_far_past_the_data_is_answered_from_the_data(capsys):
    small_ledger()
    _, everything, _ = run(capsys, "usage", "--by", "day", "--json", "--tz", "Asia/Tokyo")
    code, wide, _ = run(capsys, "usage", "--by", "day", "--json", "--tz", "Asia/Tokyo",
                        "--since", "1900-01-01", "--until", "9998-12-31")
    assert code == 0 and json.loads(wide) == json.loads(everything) != []


def test_bad_date_message_is_one_line(capsys):
    code, out, err = run(capsys, "usage", "--since", "2026-02-30")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "YYYY-MM-DD" in err


def test_budget_set_list_remove(capsys):
    small_ledger()
    assert run(capsys, "budget", "set", "--monthly", "10")[0] == 0
    assert run(capsys, "budget", "set", "--monthly", "5", "--user", "alice", "--soft-percent", "50")[0] == 0
    code, out, _ = run(capsys, "budget", "list", "--json")
    listed = {b["scope"]: b for b in json.loads(out)}
    assert code == 0 and listed["team"]["monthly_usd"] == 10 and listed["alice"]["soft_percent"] == 50
    assert {"spent_usd", "projection_usd", "level"} <= set(listed["alice"])
    code, out, _ = run(capsys, "budget", "list")
    assert "alice" in out and "everyone" in out
    assert run(capsys, "budget", "remove", "--user", "alice")[0] == 0
    assert [b.scope for b in budgets.list_budgets()] == ["*"]


def test_budget_list_shows_the_money_calls_in_flight_hold(capsys):
    """Refused calls must be explainable: a hold (a call in flight, or one a killed process left) shows in the list."""
    assert run(capsys, "budget", "set", "--monthly", "5")[0] == 0
    hold = reservations.reserve("tester", "", Decimal("3.84"))
    code, out, _ = run(capsys, "budget", "list", "--json")
    [team] = json.loads(out)
    assert code == 0 and team["reserved_usd"] == 3.84 and team["spent_usd"] == 0
    code, out, _ = run(capsys, "budget", "list")
    assert "held" in out.splitlines()[0] and "$3.8400" in out
    reservations.release(hold)
    code, out, _ = run(capsys, "budget", "list", "--json")
    assert json.loads(out)[0]["reserved_usd"] == 0


def test_budget_bad_values_write_nothing(capsys):
    code, _, err = run(capsys, "budget", "set", "--monthly", "ten")
    assert code == 2 and "'ten' is not an amount" in err and budgets.list_budgets() == []
    code, _, err = run(capsys, "budget", "set", "--monthly", "10", "--soft-percent", "120")
    assert code == 2 and budgets.list_budgets() == []
    code, _, err = run(capsys, "budget", "remove", "--user", "nobody")
    assert code == 2 and "no budget" in err


@pytest.mark.parametrize("amount", ["1e30", "0.0000000000001", "-3"])
def test_budget_amounts_out_of_range_are_one_line_with_exit_2(capsys, amount):
    code, out, err = run(capsys, "budget", "set", "--monthly", amount)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: '{amount}' is not an amount from $0.000000001 to $1,000,000,000: give a "
                          "monthly budget in US dollars") and "Nothing was saved." in err
    assert "monthly_usd" not in err and budgets.list_budgets() == []


def test_budget_set_says_what_it_did(capsys):
    assert run(capsys, "budget", "set", "--monthly", "10")[1] == ("Created the monthly budget of everyone: $10.00 a "
                                                                  "month, warning from 80%.\n")
    assert run(capsys, "budget", "set", "--monthly", "12", "--soft-percent", "90")[1] == (
        "Changed the monthly budget of everyone to $12.00 a month, warning from 90% (was $10.00, warning from 80%).\n")


def test_demo_data_fills_the_ledger_with_a_progress_bar(capsys):
    code, out, err = run(capsys, "demo-data", "--rows", "3000", "--days", "7", "--seed", "3")
    assert code == 0 and "3,000" in out and "100%" in err
    s = reports.summary(reports.Filters())
    assert s.requests == 3000 and s.errors > 0 and s.unpriced_requests > 0
    assert s.cached_input_tokens > 0 and s.reasoning_tokens > 0 and s.cost_usd > 0
    users = reports.dimension_values()["user"]
    assert len(users) >= 5
    code, _, err = run(capsys, "demo-data", "--rows", "0")
    assert code == 2 and reports.summary(reports.Filters()).requests == 3000
