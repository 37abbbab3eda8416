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
from alonchat.usage import budgets, demo, exports, ledger, receipts, reports

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
    with identity.acting_as(ANA):
        cid = conversations.create("secret plans")
        assert conversations.load(cid).title == "secret plans"
    for other in (ADMIN, identity.Actor("bo@corp.example", False, True)):
        with identity.acting_as(other), pytest.raises(errors.ValidationError, match="No conversation"):
            conversations.load(cid)
        with identity.acting_as(other):
            assert [c.id for c in conversations.list_for()] == []


BO = identity.Actor("bo@corp.example", is_admin=False, signed_in=True)


@pytest.mark.parametrize("naming", [
    lambda cid: conversations.load(cid, ANA.email),
    lambda cid: conversations.export_json(cid, ANA.email),
    lambda cid: conversations.export_markdown(cid, ANA.email),
    lambda cid: conversations.rename(cid, "mine now", ANA.email),
    lambda cid: conversations.remove(cid, ANA.email),
    lambda cid: conversations.list_for(ANA.email),
    lambda cid: conversations.create("in her name", ANA.email),
])
def test_a_member_naming_the_owner_is_refused_not_trusted(naming):
    """The caller-supplied owner is checked against who acts: naming ana does not make bo ana."""
    with identity.acting_as(ANA):
        cid = conversations.create("secret plans")
        conversations.add_prompt(cid, ["echo"], "the plan is...")
    with identity.acting_as(BO), pytest.raises(errors.PermissionDeniedError, match="private"):
        naming(cid)
    with identity.acting_as(ANA):
        view = conversations.load(cid)
        assert view.title == "secret plans" and [m.content for m in view.messages] == ["the plan is..."]
        assert [c.id for c in conversations.list_for()] == [cid]


def test_a_member_cannot_append_to_another_users_conversation():
    with identity.acting_as(ANA):
        cid = conversations.create("secret plans")
    with identity.acting_as(BO):
        with pytest.raises(errors.ValidationError, match="No conversation"):
            conversations.add_prompt(cid, ["echo"], "injected by bo")
        answer = ai_service.chat("echo", "hi")
        with pytest.raises(errors.ValidationError, match="No conversation"):
            conversations.add_answer(cid, 0, answer)
    with identity.acting_as(ANA):
        assert conversations.load(cid).messages == []


def test_receipts_show_a_member_their_own_calls_only():
    mine = ai_service.chat("echo", "hi", user=ANA.email).usage_id  # the local admin may run a call for ana
    theirs = ai_service.chat("echo", "hi", user=BO.email).usage_id
    everything = reports.Filters()
    with identity.acting_as(ANA):
        assert receipts.for_usage(mine).extra["usage_id"] == mine
        with pytest.raises(errors.ValidationError, match=f"No usage row #{theirs}"):
            receipts.for_usage(theirs)  # as if it did not exist: its existence is not ana's to know
        with pytest.raises(errors.PermissionDeniedError, match="their own spend"):
            receipts.recent_calls(everything)
        assert [r["id"] for r in receipts.recent_calls(reports.member_view(everything))] == [mine]
    with identity.acting_as(ADMIN):
        assert [r["id"] for r in receipts.recent_calls(everything)] == [theirs, mine]
        assert receipts.for_usage(theirs).extra["usage_id"] == theirs


def test_a_member_cannot_write_demo_data_into_the_shared_ledger():
    with identity.acting_as(ANA), pytest.raises(errors.PermissionDeniedError, match="Only an admin can write demo"):
        demo.generate(10, seed=1)
    assert list(exports.raw_rows(reports.Filters())) == []


def test_a_member_is_charged_for_their_own_calls_only():
    with identity.acting_as(ANA):
        with pytest.raises(errors.PermissionDeniedError, match="charged to 'bo@corp.example'"):
            ai_service.chat("echo", "hi", user=BO.email)
        with pytest.raises(errors.PermissionDeniedError):
            list(ai_service.stream("echo", "hi", user=BO.email))
        [refused] = ai_service.compare(["echo"], "hi", user=BO.email)
        assert isinstance(refused.error, errors.PermissionDeniedError)
        assert ai_service.chat("echo", "hi", user=ANA.email).ok and ai_service.chat("echo", "hi").ok
        assert [r.ok for r in ai_service.compare(["echo", "echo"], "hi")] == [True, True]
    assert {r["user"] for r in exports.raw_rows(reports.Filters())} == {ANA.email}  # bo was never billed


def test_a_signed_in_members_parallel_run_acts_as_them_in_its_worker_threads():
    """The app's login is readable on the page's thread only (st.user); the panes' workers still act as the member."""
    import threading

    from alonchat.calls.parallel import PaneRequest, ParallelRun

    page = threading.current_thread()
    identity.require_sign_in(True, resolver=lambda: ANA if threading.current_thread() is page else None)
    cid = conversations.create("two panes")
    conversations.add_prompt(cid, ["echo", "echo"], "hi")
    run = ParallelRun([PaneRequest("echo", [{"role": "user", "content": "hi"}])] * 2, conversation_id=cid,
                      on_result=lambda i, result: conversations.add_answer(cid, i, result))
    with run:
        list(run.events())
    assert [p.result.status for p in run.panes] == ["ok", "ok"]
    assert [m.role for m in conversations.load(cid).messages] == ["user", "user", "assistant", "assistant"]
    assert {r["user"] for r in exports.raw_rows(reports.member_view(reports.Filters()))} == {ANA.email}
