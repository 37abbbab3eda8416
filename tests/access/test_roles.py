"""Roles in the engine: members chat and read, admins change shared settings; every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from alonchat import conversations
from alonchat.access import audit, identity, teams
from alonchat.calls.service import ai_service
from alonchat.catalog import endpoints, io
from alonchat.catalog import models as catalog
from alonchat.core import errors
from alonchat.core.types import Usage
from alonchat.usage import budgets, exports, ledger, reports

ADMIN = identity.Actor("root@corp.example", is_admin=True, signed_in=True)
ANA = identity.Actor("ana@corp.example", is_admin=False, signed_in=True)
MODEL = {"name": "house", "provider": "echo", "model_id": "echo-house", "input_price": "1", "output_price": "2"}


@pytest.mark.parametrize("change", [
    lambda: catalog.create_model(MODEL),
    lambda: catalog.update_model("gpt-5", {"input_price": "0.01"}),
    lambda: catalog.set_active("gpt-5", False),
    lambda: catalog.delete_model("gpt-5"),
    lambda: endpoints.create_endpoint({"name": "local", "base_url": "http://127.0.0.1:1/v1"}),
    lambda: endpoints.update_endpoint("groq", {"base_url": "http://127.0.0.1:1/v1", "enabled": True}),
    lambda: io.import_models('[{"name": "x", "provider": "echo", "model_id": "x"}]', "json"),
    lambda: budgets.set_budget(5),
    lambda: budgets.set_budget(5, user="ana@corp.example"),
    lambda: teams.assign("@corp.example", "corp"),
    lambda: audit.entries(),
])
def test_the_engine_refuses_a_members_change_called_directly(change):
    before = catalog.resolve("gpt-5")
    with identity.acting_as(ANA), pytest.raises(errors.PermissionDeniedError, match="Only an admin can"):
        change()
    assert catalog.resolve("gpt-5") == before
    assert budgets.list_budgets() == [] and teams.mapping() == {}
    with pytest.raises(errors.UnknownModelError):
        catalog.resolve("house")
    assert audit.entries() == []  # nothing was changed, so nothing was logged


def test_admin_changes_are_audited_with_who_and_old_to_new():
    with identity.acting_as(ADMIN):
        catalog.create_model(MODEL)
        catalog.update_model("house", {"input_price": "1.5", "display_name": "House"})
        budgets.set_budget(10, team="corp")
        budgets.set_budget(12, team="corp")
        teams.assign("@corp.example", "corp")
        endpoints.create_endpoint({"name": "local", "base_url": "http://127.0.0.1:1/v1"})
        entries = audit.entries()
    assert {e.actor for e in entries} == {ADMIN.email}
    by = {(e.entity, e.action, e.subject): e for e in entries}
    assert by[("price", "update", "house")].changes == {"input_price": ["1", "1.5"]}
    assert by[("model", "update", "house")].changes == {"display_name": ["house", "House"]}
    assert by[("budget", "update", "team:corp")].changes == {"monthly_usd": ["10", "12"]}
    assert by[("team", "create", "@corp.example")].changes == {"team": [None, "corp"]}
    assert ("endpoint", "create", "local") in by and ("model", "create", "house") in by
    assert "input price: 1 → 1.5" in by[("price", "update", "house")].describe()


def test_the_cli_and_single_user_mode_act_as_the_local_admin(monkeypatch):
    monkeypatch.setenv("ALONCHAT_USER", "dev")
    assert identity.actor() == identity.Actor("dev", is_admin=True)
    catalog.create_model(MODEL)  # no sign-in configured: allowed
    assert audit.entries()[0].actor == "dev"


def test_with_sign_in_on_nobody_signed_in_is_refused():
    identity.require_sign_in(True)
    with pytest.raises(errors.PermissionDeniedError, match="Sign in first"):
        identity.current_user()
    with pytest.raises(errors.PermissionDeniedError):
        budgets.set_budget(5)
    with identity.acting_as(ANA):
        assert ai_service.chat("echo", "hi").ok  # members chat, as themselves


def test_admins_come_from_emails_and_domains(monkeypatch):
    monkeypatch.setenv("ALONCHAT_ADMINS", " Root@Corp.example, @ops.example ")
    patterns = identity.admin_patterns(["boss@elsewhere.example"])
    assert identity.is_admin("root@corp.example", patterns)
    assert identity.is_admin("anyone@ops.example", patterns) and identity.is_admin("boss@elsewhere.example", patterns)
    assert not identity.is_admin("ana@corp.example", patterns)
    assert not identity.is_admin("eve@evilops.example", patterns)  # a domain matches whole labels only


def test_members_see_their_own_spend_and_their_teams_totals_only():
    when = datetime(2026, 11, 10, tzinfo=UTC)
    with identity.acting_as(ADMIN):
        teams.assign("@corp.example", "corp")
    for user, cost in (("ana@corp.example", "1"), ("bo@corp.example", "2"), ("cy@other.example", "4")):
        ledger.record(ledger.UsageEntry(user=user, model_name="gpt-5", provider="openai", model_id="gpt-5",
                                        usage=Usage(10, 0, 0, 10), cost_usd=D(cost), latency_ms=5, ttft_ms=None,
                                        status="ok", created_at=when, team=teams.team_of(user)))
    everything = reports.Filters()
    with identity.acting_as(ANA):
        mine = reports.member_view(everything)
        assert reports.summary(mine).cost_usd == D(1)
        team = reports.member_view(everything, "team")
        assert reports.summary(team).cost_usd == D(3)
        assert [r["model"] for r in reports.breakdown("model", team)] == ["gpt-5"]
        for denied in (lambda: reports.summary(everything), lambda: reports.breakdown("user", team),
                       lambda: list(exports.raw_rows(team)),
                       lambda: reports.summary(reports.Filters(users=("bo@corp.example",)))):
            with pytest.raises(errors.PermissionDeniedError, match="their own spend"):
                denied()
        assert [r["user"] for r in exports.raw_rows(mine)] == ["ana@corp.example"]
        assert reports.dimension_values()["user"] == ["ana@corp.example"]
    with identity.acting_as(ADMIN):
        assert reports.summary(everything).cost_usd == D(7)
        assert {r["team"]: r["cost_usd"] for r in reports.breakdown("team", everything)} == {"corp": D(3), "": D(4)}


def test_calls_carry_the_callers_team_into_the_ledger_and_rollups():
    with identity.acting_as(ADMIN):
        teams.assign("ana@corp.example", "solo")
        teams.assign("@corp.example", "corp")
    assert teams.team_of("ANA@corp.example") == "solo" and teams.team_of("bo@corp.example") == "corp"
    assert teams.team_of("cy@other.example") == ""
    ai_service.chat("echo", "hi", user="ana@corp.example")
    ai_service.chat("echo", "hi", user="bo@corp.example")
    raw = {r["user"]: r["team"] for r in exports.raw_rows(reports.Filters())}
    assert raw == {"ana@corp.example": "solo", "bo@corp.example": "corp"}
    rolled = {r["team"]: r["requests"] for r in reports.breakdown("team", reports.Filters())}
    assert rolled == {"solo": 1, "corp": 1}


def test_conversations_are_private_to_their_owner():
    cid = conversations.create("secret plans", "ana@corp.example")
    with identity.acting_as(ANA):
        assert conversations.load(cid).title == "secret plans"
    for other in (ADMIN, identity.Actor("bo@corp.example", False, True)):
        with identity.acting_as(other), pytest.raises(errors.ValidationError, match="No conversation"):
            conversations.load(cid)
        assert [c.id for c in conversations.list_for(other.email)] == []
