"""AppTest of the Costs page's provider bills (admins only): totals, rows, why, fetch; members never see it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alonchat.access import audit, identity
from alonchat.usage.bills import store
from tests.support.bills import point_at, seed_month

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alonchat", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def srv(fake_server, monkeypatch):
    point_at(fake_server, monkeypatch)
    seed_month(fake_server.admin)
    return fake_server


def costs(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.run()
    at.switch_page("pages/costs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest):
    """The reconciliation's rows (the dataframe with a Why column)."""
    [found] = [d.value for d in at.dataframe if "Why" in d.value.columns]
    return found


def november(at: AppTest) -> AppTest:
    at.selectbox(key="rec_month").set_value(NOVEMBER).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_month_is_reconciled_in_utc_days_with_totals_rows_and_why(srv):
    for provider in ("openai", "anthropic"):
        store.fetch(provider, date(2026, 11, 1), date(2026, 11, 30))
    at = november(costs())
    assert "Provider bills" in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Ledger · 2026-11 (UTC)"] == "$0.8825" and metrics["Provider bill"] == "$0.9925"
    assert metrics["Gap % of the bill"] == "+11.08%"
    rows = table(at)
    assert list(rows["Day (UTC)"]) == ["2026-11-03", "2026-11-03", "2026-11-05", "2026-11-10", "2026-11-14",
                                        "2026-11-16", "2026-11-20", "2026-11-20"]
    assert list(rows["Status"]).count("▲ over") == 5 and "✓ match" in list(rows["Status"])
    assert any("UTC days" in c.value for c in at.caption)
    why = re.sub(r"\\(.)", r"\1", " ".join(m.value for e in at.expander for m in e.markdown))  # as shown
    assert "**claude-sonnet-4-6** · ▲ over · gap +$0.075" in why
    assert "Cache writes (5 min): the provider billed 20,000 tokens the ledger did not see." in why
    assert "(key_alonchat, key_other)" in why and "1 call(s) recorded as cancelled" in why
    assert any("gpt-9-preview-2026-11-01" in re.sub(r"\\(.)", r"\1", c.value) for c in at.caption)  # unmapped
    sources = " ".join(m.value for m in at.markdown)
    assert "**gemini** · billing CSV · nothing stored · Google has no usage or cost API" in sources
    assert "OPENAI_ADMIN_KEY" not in sources or "Set OPENAI_ADMIN_KEY" not in sources  # the key is set here
    assert srv.admin.keys["openai"] not in sources


def test_fetch_bills_fetches_what_may_change_and_is_audited(srv):
    at = november(costs())
    assert any("Nothing to compare for 2026-11-01 to 2026-11-30" in i.value for i in at.info)
    at.button(key="rec_fetch").click().run()
    assert not at.exception
    assert any("Fetched: openai: 30 day(s)" in s.value for s in at.success)
    assert len(table(at)) == 8
    assert {e.subject for e in audit.entries() if e.entity == "bill"} == {
        "openai 2026-11-01..2026-11-30", "anthropic 2026-11-01..2026-11-30"}
    srv.requests.clear()
    at.button(key="rec_fetch").click().run()  # settled days stay as they are
    assert srv.requests_to("/organization/") == [] and srv.requests_to("/organizations/") == []


def test_a_failed_fetch_says_why_and_keeps_the_page(srv, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin-wrong-0123456789")
    at = november(costs())
    at.button(key="rec_fetch").click().run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith("anthropic: Anthropic's Admin API returned HTTP 401") and "wrong-0123" not in error
    assert "ANTHROPIC_ADMIN_KEY" in error
    assert set(table(at)["Provider"]) == {"openai"}


def test_members_never_see_it_admins_do_with_sign_in_on(srv, monkeypatch):
    monkeypatch.setenv("ALONCHAT_ADMINS", "root@corp.example")
    member = costs({"is_logged_in": True, "email": "ana@corp.example"})
    assert "Provider bills" not in [h.value for h in member.subheader]
    assert not [w for w in member.selectbox if w.key == "rec_month"] and not [b for b in member.button
                                                                              if b.key == "rec_fetch"]
    admin = november(costs({"is_logged_in": True, "email": "root@corp.example"}))
    assert "Provider bills" in [h.value for h in admin.subheader]
    admin.button(key="rec_fetch").click().run()
    with identity.acting_as(identity.Actor("root@corp.example", True)):
        assert [e.actor for e in audit.entries() if e.entity == "bill"] == ["root@corp.example"] * 2
