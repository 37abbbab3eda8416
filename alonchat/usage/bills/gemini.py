"""Gemini's bill: Google publishes no usage or cost API, so a CSV of the Cloud Billing export is imported instead.

Columns are found by name (case, spaces and punctuation ignored): a day (`day`, `date`, `usage_start_time`,
`Usage start date`), a SKU or model (`sku`, `SKU description`, `model`) and a cost in USD (`cost`,
`Cost ($)`, `amount`); an optional `currency` must be USD. A day with a time and offset is taken as
that instant's UTC day (the BigQuery export's usage_start_time); a bare date is taken as a UTC day.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from ...core.errors import ValidationError
from . import BilledCost

NAME = "gemini"
MAX_ROWS = 200_000
_DAY = ("day", "date", "usagedate", "usagestartdate", "usagestarttime", "usagestart", "starttime")
_SKU = ("sku", "skudescription", "skuname", "model", "modelid", "description")
_COST = ("cost", "costusd", "cost$", "amount", "amountusd", "costinusd")


def _key(header: str) -> str:
    return re.sub(r"[\s_\-.()]", "", header.strip().lower().lstrip("\ufeff"))


def _slug(text: str) -> str:
    """'Gemini 2.5 Flash Input tokens' -> 'gemini-2.5-flash-input-tokens', so catalog ids can be found in it."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9.]+", "-", text.lower())).strip("-")


def model_of(sku: str, model_ids: Iterable[str]) -> str:
    """The longest catalog model id named in the SKU, as a whole run of words ('' when none is)."""
    slug = f"-{_slug(sku)}-"
    found = [m for m in model_ids if f"-{_slug(m)}-" in slug]
    return max(found, key=len) if found else ""


def kind_of(sku: str) -> str:
    text = sku.lower()
    if "cach" in text:
        return "cache_read"
    if "input" in text or "prompt" in text:
        return "input"
    if "output" in text or "candidates" in text:
        return "output"
    return "total"


def _day(value: str) -> date:
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    when = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    return (when.astimezone(UTC) if when.tzinfo else when).date()


def parse_csv(text: str, model_ids: Iterable[str]) -> list[BilledCost]:
    """Every row as a cost; one ValidationError naming each bad line (nothing is kept from a bad file)."""
    model_ids = list(model_ids)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ValidationError("The CSV is empty: export the billing data with a header row (day, SKU, cost).")
    keys = [_key(h) for h in header]

    def column(names: tuple[str, ...], what: str) -> int:
        for i, k in enumerate(keys):
            if k in names:
                return i
        raise ValidationError(f"The CSV has no {what} column; its columns are {', '.join(header)}. Name them "
                              "day, sku (or model) and cost.")

    day_i, sku_i, cost_i = column(_DAY, "day"), column(_SKU, "SKU or model"), column(_COST, "cost")
    currency_i = keys.index("currency") if "currency" in keys else None
    out, problems = [], []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(out) >= MAX_ROWS:
            raise ValidationError(f"The CSV has more than {MAX_ROWS:,} rows; export one month at a time.")
        cells = row + [""] * (len(header) - len(row))
        try:
            day = _day(cells[day_i])
        except ValueError:
            problems.append(f"line {line}: the day {cells[day_i]!r} is not a date (use YYYY-MM-DD)")
            continue
        raw = cells[cost_i].strip().replace("$", "").replace(",", "")
        try:
            usd = Decimal(raw)
            if not usd.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"line {line}: the cost {cells[cost_i]!r} is not a number")
            continue
        if currency_i is not None and cells[currency_i].strip().upper() not in ("", "USD"):
            problems.append(f"line {line}: the currency is {cells[currency_i]!r}; only USD is reconciled")
            continue
        sku = cells[sku_i].strip()
        out.append(BilledCost(day, usd, model_of(sku, model_ids), kind_of(sku), sku[:300]))
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValidationError("The CSV was not imported: " + "; ".join(problems[:10]) + more + ".")
    if not out:
        raise ValidationError("The CSV has a header but no rows.")
    return out
