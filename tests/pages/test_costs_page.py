"""AppTest tests of the cost dashboard: figures, filters, time zone, breakdown and export, what-if, budgets."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from streamlit.testing.v1 import AppTest

from alonchat.usage import budgets
from tests.support.ledger_fixture import small_ledger
from tests.support.scripted import add_model


@pytest.fixture
def at() -> AppTest:
    small_ledger()
    app = AppTest.from_file("../../app.py", default_timeout=60)
    app.run()
    app.switch_page("pages/costs.py").run()
    assert not app.exception, [e.value for e in app.exception]
    app.segmented_control(key="costs_range").set_value("custom").run()
    app.date_input(key="costs_days").set_value((date(2026, 11, 2), date(2026, 11, 3))).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_headline_figures_over_the_small_ledger(at):
    m = metrics(at)
    assert m["Total spend"] == "$0.0133"  # 0.013335
    assert m["Requests"] == "8"
    assert m["Unpriced calls"] == "1" and any("(12.5%)" in c.value for c in at.caption)
    assert m["Error rate"] == "25.0%"
    assert m["Cached input"] == "600" and m["Reasoning"] == "50" and m["Cache writes"] == "100"
    # one precision across the line, enough for its smallest figure: 0.013335, 0.013335 / 5 priced, 0.00114
    assert (m["Total spend"], m["Avg cost / request"], m["Cache savings"]) == ("$0.0133", "$0.0027", "$0.0011")
    warning = next(c.value for c in at.caption if "1 unpriced call (12.5%)" in c.value)  # one call: no "calls"
    assert "latency" not in warning  # the latency is a line of its own, not part of the warning
    assert any(c.value == ":material/timer: Average latency 10 ms per call." for c in at.caption)


def test_filters_narrow_every_figure(at):
    at.multiselect(key="costs_user").set_value(["bob"]).run()
    m = metrics(at)
    assert m["Requests"] == "2" and m["Total spend"] == "$0.00554" and m["Unpriced calls"] == "1"
    at.multiselect(key="costs_user").set_value([]).run()
    at.multiselect(key="costs_status").set_value(["refused", "error"]).run()
    assert metrics(at)["Error rate"] == "100.0%" and metrics(at)["Total spend"] == "$0.00"


def test_time_zone_moves_day_boundaries(at):
    at.selectbox(key="costs_tz").set_value("Europe/Paris").run()
    at.date_input(key="costs_days").set_value((date(2026, 11, 3), date(2026, 11, 3))).run()
    assert metrics(at)["Requests"] == "7"  # 00:15 Paris on the 3rd is 23:15 UTC on the 2nd
    at.selectbox(key="costs_tz").set_value("UTC").run()
    assert metrics(at)["Requests"] == "6"


def test_breakdown_table_and_exports(at):
    frame = next(d for d in at.dataframe if "Spend (USD)" in d.value.columns)
    table = frame.value
    assert list(table["Model"]) == ["alpha", "beta", "echo", "mystery"]
    assert table.loc[table["Model"] == "mystery", "Spend (USD)"].isna().all()  # unpriced: not 0
    assert frame.proto.placeholder == "unpriced"  # and it reads "unpriced", never "None"
    assert json.loads(frame.proto.columns)["Spend (USD)"]["type_config"]["format"] == "$%.4f"  # shows $0.0078
    at.selectbox(key="costs_by").set_value("team").run()
    table = next(d.value for d in at.dataframe if "Spend (USD)" in d.value.columns)
    assert list(table["Team"]) == ["no team"]  # not a blank or "None" cell
    at.selectbox(key="costs_by").set_value("user").run()
    table = next(d.value for d in at.dataframe if "Spend (USD)" in d.value.columns)
    assert set(table["User"]) == {"alice", "bob", "carol"}
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download breakdown (CSV)" in labels and any(label.startswith("Download raw rows") for label in labels)


def test_what_if_prices_the_same_tokens_at_another_model(at):
    add_model("gamma", input_price=D("1"), output_price=D("4"), cache_read_price=D("0.1"))
    at.run()
    at.selectbox(key="costs_whatif").set_value("gamma").run()
    m = metrics(at)
    assert m["Actual spend"] == "$0.0133"
    # all tokens at gamma: alpha 3840 + beta 1520 + mystery 140 + echo (30 + 30*4) 150, per 1M
    assert m["At gamma prices"] == "$0.0057"  # at the precision of the actual spend beside it ($0.0133)
    table = next(d for d in at.dataframe if "Model used" in d.value.columns)
    assert table.proto.placeholder == "unpriced"  # the mystery model's actual cost: never "None"
    formats = {c: json.loads(table.proto.columns)[c]["type_config"]["format"] for c in ("Actual (USD)",
                                                                                      "At gamma (USD)")}
    assert formats == {"Actual (USD)": "$%.5f", "At gamma (USD)": "$%.5f"}  # both show echo's $0.00015 at gamma


def save_budget(at: AppTest, whose=None, name=None, usd=None, soft=None) -> AppTest:
    if whose is not None:
        at.segmented_control(key="costs_budget_whose").set_value(whose)
    if name is not None:
        at.text_input(key="costs_budget_name").set_value(name)
    if usd is not None:
        at.number_input(key="costs_budget_usd").set_value(usd)
    if soft is not None:
        at.number_input(key="costs_budget_soft").set_value(soft)
    next(b for b in at.button if b.label == "Save budget").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> list[str]:
    """The one-line confirmations as the reader sees them (escaped markdown shows its characters as themselves)."""
    return [s.value.replace("\\", "") for s in at.success]


def test_budgets_set_on_the_page_show_spend_and_projection_and_say_what_was_done(at):
    save_budget(at, "A user", "alice", 5.0, 50)
    [b] = budgets.list_budgets()
    assert (b.scope, b.monthly_usd, b.soft_percent) == ("alice", D(5), 50)
    assert shown(at) == ["Created the monthly budget of user 'alice': $5.00 a month, "
                                             "warning from 50%."]
    assert any("**alice**" in md.value and "of $5.00" in md.value and "projected" in md.value for md in at.markdown)
    save_budget(at, usd=7.5)
    assert shown(at) == ["Changed the monthly budget of user 'alice' to $7.50 a month, "
                                             "warning from 50% (was $5.00, warning from 50%)."]
    at.button(key="costs_budget_remove_btn").click().run()
    assert budgets.list_budgets() == []
    assert shown(at) == ["Removed the monthly budget of user 'alice'."]


def test_a_budgets_name_is_shown_as_typed_never_as_markdown(at):
    from ui import safe_markdown

    name = "**big** [team](https://evil.example) $x$"
    save_budget(at, "A team", name, 5.0)
    [b] = budgets.list_budgets()
    line = next(m.value for m in at.markdown if "of $5.00" in m.value)
    assert f"**Team {safe_markdown.plain(name)}**" in line  # every markdown character escaped: no link, no bold
    assert "](https://" not in line and "](https://" not in at.success[0].value
    assert name in shown(at)[0]


def test_a_blank_save_creates_nothing_and_says_what_is_missing(at):
    save_budget(at)
    [error] = at.error
    assert "Pick whose budget this is" in error.value and "Give the monthly amount" in error.value
    assert budgets.list_budgets() == [] and not at.success
    save_budget(at, "A team", usd=10.0)
    assert "Give the team's name" in at.error[0].value and budgets.list_budgets() == []
    save_budget(at, "Everyone", "corp")
    assert "Everyone's budget takes no name" in at.error[0].value and budgets.list_budgets() == []


@pytest.mark.parametrize("usd", [0.0, 1e30, 1e-13])
def test_an_amount_out_of_range_shows_one_line_and_writes_nothing(at, usd):
    save_budget(at, "Everyone", usd=usd)
    [error] = at.error
    assert "is not an amount from $0.000000001 to $1,000,000,000" in error.value
    assert budgets.list_budgets() == []


def test_half_hour_zone_is_exact_and_says_it_reads_raw_rows(at):
    at.selectbox(key="costs_tz").set_value("Asia/Kolkata").run()
    at.date_input(key="costs_days").set_value((date(2026, 11, 4), date(2026, 11, 4))).run()
    assert metrics(at)["Requests"] == "1"  # 18:40 UTC on the 3rd is 00:10 on the 4th in UTC+5:30
    assert any("not a whole number of hours" in c.value for c in at.caption)


def test_spend_breaks_down_and_filters_by_source(at):
    from alonchat.core.types import Usage
    from alonchat.usage import ledger
    from tests.support.ledger_fixture import at as when

    ledger.record(ledger.UsageEntry(user="dora", model_name="alpha", provider="openai", model_id="alpha",
                                    usage=Usage(10, 0, 0, 5), cost_usd=D("0.25"), latency_ms=5.0,
                                    ttft_ms=None, status="ok", created_at=when(3, 9), source="eval", source_id=4))
    at.run()
    at.selectbox(key="costs_by").set_value("source").run()
    table = next(d.value for d in at.dataframe if "Spend (USD)" in d.value.columns)
    # the hand-made ledger predates sources ("not recorded"); the eval row is labelled by its source
    assert dict(zip(table["Source"], table["Requests"], strict=True)) == {"not recorded": 8, "Eval run": 1}
    at.multiselect(key="costs_source").set_value(["eval"]).run()
    assert metrics(at)["Requests"] == "1" and metrics(at)["Total spend"] == "$0.25"


@pytest.mark.parametrize(("costs", "fmt"), [(("0.0004", "0.0008", "0.0004"), "$,.4f"),  # $0.0012 on the top day
                                            (("0.02", "0.03", "0.01"), "$,.2f"), (("0.004", "0.002", "0"), "$,.3f"),
                                            (("1200", "800", "5"), "$,.2f")])
def test_spend_axes_show_enough_decimals_for_small_spend(costs, fmt):
    from ui.costs import charts

    rows = [{"day": date(2026, 11, d), "model": m, "cost_usd": D(c), "requests": 1, "unpriced_requests": 0}
            for (d, m), c in zip([(3, "a"), (3, "b"), (4, "a")], costs, strict=True)]
    over_time = charts.spend_over_time(rows, "model", "UTC").to_dict()
    assert over_time["encoding"]["y"]["axis"]["format"] == fmt
    top = charts.top_spenders([{"model": "a", "cost_usd": D(costs[0]) + D(costs[1]) + D(costs[2]), "requests": 3,
                                "unpriced_requests": 0}], "model").to_dict()
    assert top["encoding"]["x"]["axis"]["format"] == fmt


def test_teams_take_plain_user_names_in_single_user_mode(at):
    from alonchat.access import teams

    at.text_input(key="costs_team_pattern").set_value("not a name")
    at.text_input(key="costs_team_name").set_value("research")
    at.button(key="FormSubmitter:costs_team_form-Save").click().run()
    assert [e.value for e in at.error] == ["'not a name' is not a user name, an email or an @domain: give e.g. "
                                           "alice, ana@example.com or @example.com."]  # not "pattern: …"
    at.text_input(key="costs_team_pattern").set_value("Tester")  # the local user the fixtures run as
    at.text_input(key="costs_team_name").set_value("research")
    at.button(key="FormSubmitter:costs_team_form-Save").click().run()
    assert teams.mapping() == {"tester": "research"} and not at.error
    assert "Single-user mode as **tester** · team research" in at.sidebar.caption[0].value
    assert list(next(d.value for d in at.dataframe if "Member" in d.value.columns)["Member"]) == ["tester"]
