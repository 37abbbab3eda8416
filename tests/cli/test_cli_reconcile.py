"""CLI `reconcile`: fetch, compare, the JSON and CSV contracts, exit 1 past the tolerance, 2 for bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest

from alonchat.cli import main
from tests.support.bills import point_at, seed_month

RANGE = ("--since", "2026-11-01", "--until", "2026-11-30")
FIELDS = {"day", "provider", "model", "status", "ours_usd", "provider_usd", "gap_usd", "ours_tokens",
          "provider_tokens", "gap_tokens", "explanation"}


@pytest.fixture
def srv(fake_server, monkeypatch):
    point_at(fake_server, monkeypatch)
    seed_month(fake_server.admin)
    return fake_server


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_rows_and_exit_1_when_a_gap_is_over_the_tolerance(srv, capsys):
    code, out, err = run(capsys, "reconcile", *RANGE, "--json")
    rows = json.loads(out)
    assert code == 1 and rows and all(set(r) >= FIELDS for r in rows)
    assert "fetched openai: 30 day(s)" in err and "fetched anthropic: 30 day(s)" in err
    by = {(r["day"], r["provider"], r["model"]): r for r in rows}
    cache = by[("2026-11-05", "anthropic", "claude-sonnet-4-6")]
    assert cache["status"] == "over" and cache["gap_tokens"]["cache_write_5m"] == 20_000
    assert "the ledger did not see" in cache["explanation"]
    match = by[("2026-11-03", "openai", "gpt-4.1")]
    assert match["status"] == "match" and match["gap_usd"] == 0 and match["ours_usd"] == match["provider_usd"]
    assert match["provider_tokens"]["cache_write_5m"] is None and match["ours_tokens"]["input"] == 40_000
    assert {r["status"] for r in rows} == {"match", "over", "provider_only", "ours_only"}


def test_offline_it_compares_with_what_was_stored(srv, capsys):
    assert run(capsys, "reconcile", *RANGE, "--json")[0] == 1
    srv.stop()
    code, out, err = run(capsys, "reconcile", *RANGE, "--json", "--offline")
    assert code == 1 and len(json.loads(out)) == 8 and err == ""


def test_a_range_within_the_tolerance_exits_0(srv, capsys):
    code, out, _ = run(capsys, "reconcile", "--since", "2026-11-03", "--until", "2026-11-03", "--provider", "openai")
    assert code == 0
    assert "(UTC days)" in out and "match" in out and "unmapped: openai billed 'gpt-9-preview-2026-11-01'" in out
    assert "2026-11 all providers: ledger $0.1250, bill $0.1320" in out
    code, out, _ = run(capsys, "reconcile", *RANGE, "--offline", "--tolerance", "100", "--tolerance-usd", "1")
    assert code == 0  # every gap is within a wide enough tolerance


def test_csv_has_one_line_per_row_and_tokens_by_kind(srv, capsys):
    code, out, _ = run(capsys, "reconcile", *RANGE, "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 1 and len(rows) == 8
    assert {"ours_cache_write_5m_tokens", "provider_cache_write_5m_tokens", "gap_usd", "explanation"} <= set(rows[0])


def test_a_failed_fetch_exits_1_and_says_why_without_the_key(srv, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-wrong-0123456789")
    code, out, err = run(capsys, "reconcile", *RANGE, "--provider", "openai", "--json")
    assert code == 1 and json.loads(out) == []
    assert "could not fetch openai's bill" in err and "OPENAI_ADMIN_KEY" in err and "wrong-0123" not in err


def test_the_default_range_is_the_month_to_yesterday(srv, capsys):
    code, out, _ = run(capsys, "reconcile", "--offline")
    assert code == 0 and "(UTC days)" in out


@pytest.mark.parametrize("argv,message", [
    (("--since", "yesterday"), "--since 'yesterday' is not a day"),
    (("--since", "2026-11-10", "--until", "2026-11-01"), "--until 2026-11-01 is before --since 2026-11-10"),
    (("--tolerance", "lots"), "--tolerance 'lots' is not a number"),
    (("--tolerance", "150"), "not a percentage between 0 and 100"),
    (("--import-csv", "/nonexistent/bill.csv"), "Cannot read /nonexistent/bill.csv"),
])
def test_bad_input_exits_2_with_one_line(srv, capsys, argv, message):
    code, out, err = run(capsys, "reconcile", "--offline", *argv)
    assert code == 2 and message in err and err.count("\n") == 1 and out == ""


def test_a_gemini_csv_is_imported_and_reconciled(srv, capsys, tmp_path):
    bill = tmp_path / "gemini.csv"
    bill.write_text("day,sku,cost\n2026-11-03,Gemini 2.5 Flash Output tokens,0.25\n")
    code, out, err = run(capsys, "reconcile", "--since", "2026-11-03", "--until", "2026-11-03", "--provider",
                         "gemini", "--import-csv", str(bill), "--json")
    [row] = json.loads(out)
    assert "imported gemini: 1 day(s), 1 row(s)" in err
    assert (row["model"], row["status"], row["provider_usd"], row["provider_tokens"]["output"]) == (
        "gemini-2.5-flash", "provider_only", 0.25, None)
    assert code == 1  # $0.25 the ledger has no call for
    code, out, _ = run(capsys, "reconcile", "--since", "2026-11-03", "--until", "2026-11-03", "--provider",
                       "gemini", "--offline", "--json")
    assert json.loads(out) == [row]  # kept: the import is not needed again
