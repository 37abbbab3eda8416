"""Sign-in and roles on the pages under AppTest (`at.user`): visitors, members and admins."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from alonchat.access import identity, teams
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alonchat", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture(autouse=True)
def admins(monkeypatch):
    monkeypatch.setenv("ALONCHAT_ADMINS", "root@corp.example")


def app(user: dict | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = user if user is not None else {"is_logged_in": False}
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def member(email="ana@corp.example") -> dict:
    return {"is_logged_in": True, "email": email}


def tab_labels(at: AppTest) -> list[str]:
    return [t.label for t in at.tabs]


def test_a_visitor_sees_a_log_in_button_and_nothing_else():
    at = app(None)
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.chat_input and not at.text_area and not at.selectbox and not at.tabs
    for page in ("pages/catalog.py", "pages/costs.py"):
        at.switch_page(page).run()
        assert [b.label for b in at.button] == ["Log in"] and not at.tabs and not at.dataframe


def test_without_auth_the_sidebar_says_single_user():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert any("Single-user mode as **tester**" in c.value for c in at.sidebar.caption)


def test_the_sidebar_shows_who_is_signed_in_with_log_out():
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
    at = app(member())
    assert any("Signed in as **ana@corp.example** · member · team corp" in c.value for c in at.sidebar.caption)
    assert "Log out" in [b.label for b in at.sidebar.button]


def test_a_member_sees_the_catalog_read_only():
    at = app(member(), "pages/catalog.py")
    assert tab_labels(at) == ["Models", "Test a model"]
    assert any("read-only for members" in c.value for c in at.caption)


def test_an_admin_gets_the_editing_tabs_and_the_audit_log():
    at = app(member("root@corp.example"), "pages/catalog.py")
    assert {"Add model", "Edit", "Prices", "Endpoints", "Import / export", "Audit log"} <= set(tab_labels(at))


def test_a_member_has_no_budget_or_team_controls_on_costs():
    at = app(member(), "pages/costs.py")
    assert not [f for f in at.get("form")]
    labels = [b.label for b in at.button]
    assert "Remove" not in labels
    assert "Teams" not in [h.value for h in at.subheader] and "Audit log" not in [h.value for h in at.subheader]
    admin = app(member("root@corp.example"), "pages/costs.py")
    assert {"Teams", "Audit log"} <= {h.value for h in admin.subheader}


def test_a_members_call_is_recorded_under_their_email():
    at = app(member(), "pages/playground.py")
    at.chat_input(key="pg_composer").set_value("hello from ana").run()
    assert not at.exception, at.exception
    with session() as s:
        users = [r.user for r in s.scalars(select(UsageRecord))]
    assert users == ["ana@corp.example"]


def test_a_member_switches_between_their_spend_and_their_teams_totals():
    from decimal import Decimal

    from alonchat.core.types import Usage
    from alonchat.usage import ledger

    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
    for user, cost in (("ana@corp.example", "1"), ("bo@corp.example", "2"), ("cy@else.example", "4")):
        ledger.record(ledger.UsageEntry(user=user, model_name="gpt-5", provider="openai", model_id="gpt-5",
                                        usage=Usage(10, 0, 0, 10), cost_usd=Decimal(cost), latency_ms=5,
                                        ttft_ms=None, status="ok", team=teams.team_of(user)))
    at = app(member(), "pages/costs.py")
    spend = next(m for m in at.metric if m.label == "Total spend")
    assert spend.value == "$1.00"
    assert at.segmented_control(key="costs_stack").options == ["model", "provider", "source"]  # never user or team
    at.segmented_control(key="costs_view").set_value("team").run()
    assert not at.exception, at.exception
    assert next(m for m in at.metric if m.label == "Total spend").value == "$3.00"  # ana + bo, not cy
    assert "bo@corp.example" not in str([d.value for d in at.dataframe])


def test_a_member_sees_everyones_budget_without_the_organisations_spend_on_every_page():
    from datetime import UTC, datetime
    from decimal import Decimal

    from alonchat.core.types import Usage
    from alonchat.usage import budgets, ledger

    with identity.acting_as(identity.Actor("root@corp.example", True)):
        budgets.set_budget(10)
    ledger.record(ledger.UsageEntry(user="cy@else.example", model_name="gpt-5", provider="openai", model_id="gpt-5",
                                    usage=Usage(10, 0, 0, 10), cost_usd=Decimal("8.30"), latency_ms=5, ttft_ms=None,
                                    status="ok", created_at=datetime.now(UTC)))

    def shown(at: AppTest) -> str:
        return " ".join(str(e.value) for kind in ("markdown", "warning", "error", "caption", "metric")
                        for e in at.get(kind))

    for page in ("pages/costs.py", "pages/playground.py"):
        at = app(member(), page)
        text = shown(at)
        assert "8.30" not in text and "83%" not in text, page
        assert "Everyone" in text or "everyone" in text, page  # the budget itself is still shown: its level and amount
        admin = app(member("root@corp.example"), page)
        assert "8.30" in shown(admin), page
