"""Every CSV export neutralises text that a spreadsheet would run as a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from alonchat.catalog import io as catalog_io
from alonchat.catalog import models as catalog
from alonchat.cli import main
from alonchat.core.text import safe_cell, safe_text
from alonchat.core.types import Usage
from alonchat.usage import exports, ledger, reports

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_quoted(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("value", ["-3.5", "+7", "1e-6", "-0", "12", "gpt-5", "a=b", "", "'=already"])
def test_numbers_and_plain_text_are_untouched(value):
    assert safe_text(value) == value


def test_only_text_cells_change():
    assert safe_cell(-1.5) == -1.5 and safe_cell(Decimal("-2")) == Decimal("-2") and safe_cell(None) is None


def _record(user: str, model: str, cost, message=None):
    ledger.record(ledger.UsageEntry(
        user=user, model_name=model, provider="p", model_id=model, usage=Usage(10, 0, 0, 5), cost_usd=cost,
        latency_ms=5.0, ttft_ms=1.0, status="ok" if message is None else "error",
        error_class=None if message is None else "ServerError", error_message=message,
        created_at=datetime(2026, 11, 3, 10, tzinfo=UTC)))


def test_raw_rows_csv_neutralises_names_and_messages():
    _record("=cmd()", "@evil", Decimal("0.5"), message="-2+3 went wrong")
    _record("alice", "plain", Decimal("-0.25"))  # a refund-like negative cost stays a number
    rows = list(csv.DictReader(io.StringIO(exports.raw_csv(reports.Filters()))))
    assert (rows[0]["user"], rows[0]["model_name"], rows[0]["error_message"]) == ("'=cmd()", "'@evil",
                                                                                 "'-2+3 went wrong")
    assert rows[0]["input_tokens"] == "10" and rows[1]["cost_usd"] == "-0.25" and rows[1]["user"] == "alice"


def test_aggregate_csv_neutralises_group_keys_but_not_numbers():
    _record("bob", "+evil", Decimal("-1.5"))
    rows = reports.breakdown("model", reports.Filters())
    parsed = list(csv.DictReader(io.StringIO(exports.to_csv(rows, ("model", *exports.AGGREGATE_COLUMNS)))))
    assert parsed[0]["model"] == "'+evil" and parsed[0]["cost_usd"] == "-1.5"


def test_cli_usage_csv_neutralises(capsys):
    _record("@someone", "m", Decimal("1"))
    assert main(["usage", "--by", "user", "--csv"]) == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert parsed[0]["user"] == "'@someone" and parsed[0]["requests"] == "1"


def test_catalog_csv_export_neutralises_and_imports_back_unchanged():
    catalog.create_model({"name": "=danger", "provider": "echo", "model_id": "-id", "description": "- fast",
                          "input_price": "1", "output_price": "2"})
    text = catalog_io.export_models(fmt="csv")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["name"] == "'=danger")
    assert (row["model_id"], row["description"], row["input_price"]) == ("'-id", "'- fast", "1")
    plan = catalog_io.plan_import(text, "csv")
    assert plan.ok and not plan.create and not plan.update  # the quotes are read back as they were written
