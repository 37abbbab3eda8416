"""Catalog import and export (CSV, JSON): an import is validated as a whole before anything is written."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access.identity import require_admin
from ..core.errors import ValidationError
from ..core.pricing import PRICE_FIELDS, Prices, tiers_json
from ..core.text import quoted, safe_text, strip_invisible, unquote
from ..storage.engine import with_session, writing
from ..storage.tables import AIModel
from . import audit
from .models import CAPABILITIES, FIELDS, as_input, provider_names, record_prices, taken_names, validate_model

FORMATS = ("csv", "json")
# Columns that `models list --json` adds and an import may carry back: read-only, ignored.
READ_ONLY = ("configured", "price_known", "created_at", "updated_at", "id")
MAX_ROWS = 10_000


def _cell(value) -> str:
    """A CSV cell: empty for unknown, true/false, and prices as plain decimals (6, 0.075)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, list):  # long-context tiers: one JSON cell
        return tiers_json(value) or ""
    return safe_text(str(value))  # a name or description may start like a spreadsheet formula


def export_rows(s: Session) -> list[dict]:
    rows = s.scalars(select(AIModel).order_by(AIModel.provider, AIModel.name))
    return [{**_shown(as_input(r)), **Prices.of(r).as_dict()} for r in rows]


def _shown(row: dict) -> dict:
    """Display text stored before it was cleaned on the way in (an ESC in a description) is cleaned on the way out."""
    return {**row, **{k: strip_invisible(row[k]) for k in ("display_name", "description") if row.get(k)}}


@with_session
def export_models(s: Session, fmt: str = "json") -> str:
    """The whole catalog as text; unknown prices are empty cells in CSV and null in JSON."""
    rows = export_rows(s)
    if fmt == "json":
        # JSON numbers: floats round-trip prices of 9 decimals below 10,000 exactly.
        return json.dumps({"models": rows}, indent=2, ensure_ascii=False, default=float) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in r.items()} for r in rows)
        return out.getvalue()
    raise ValidationError({"format": f"Unknown format '{fmt}'; use csv or json."})


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError({"file": f"'{filename}' is neither .csv nor .json; export a CSV or JSON file."})
    return suffix


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, with or without the byte-order mark spreadsheets add; nothing else guessed."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValidationError({"file": f"The file is not UTF-8 text (byte 0x{data[e.start]:02x} at position "
                                       f"{e.start}); in your spreadsheet, save it as \"CSV UTF-8\" and import "
                                       "that."}) from None


def parse(text: str, fmt: str) -> list[dict]:
    """Raw rows from CSV or JSON (a list, or {"models": [...]}); file-level problems raise at once."""
    text = text.lstrip("\ufeff")  # spreadsheets save CSV with a byte-order mark
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValidationError({"file": f"Not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}."}) from None
        except ValueError:  # Python refuses to read an integer of more than 4,300 digits
            raise ValidationError({"file": "A number in the JSON has thousands of digits; no catalog field takes one "
                                           "(token counts go up to millions). Fix or remove it."}) from None
        except RecursionError:
            raise ValidationError({"file": "The JSON is nested too deeply to be a catalog; export one with "
                                           "`alonchat models export --format json` to see the shape."}) from None
        rows = data.get("models") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValidationError({"file": 'Expected a list of models, or {"models": [...]}, each an object.'})
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "name" not in [h.strip() for h in reader.fieldnames]:
            raise ValidationError({"file": f"The CSV needs a header row with at least: name, provider, "
                                           f"model_id. Known columns: {', '.join(FIELDS)}."})
        rows = []
        try:
            for r in reader:
                if None in r:
                    raise ValidationError({"file": f"Line {reader.line_num} has more cells than the header."})
                rows.append({k.strip(): unquote(v) if isinstance(v, str) else v for k, v in r.items()})
        except csv.Error as e:  # e.g. a cell over the csv module's 128 KB limit, or a stray NUL byte
            raise ValidationError({"file": f"Line {reader.line_num + 1} can't be read as CSV ({e}); a catalog cell "
                                           "is short text, so check the quoting around it."}) from None
    else:
        raise ValidationError({"format": f"Unknown format '{fmt}'; use csv or json."})
    if not rows:
        raise ValidationError({"file": "The file holds no models."})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": f"{len(rows):,} rows is too many for one import; split the file "
                                       f"(at most {MAX_ROWS:,})."})
    return rows


def _clean(raw: dict) -> dict:
    data = {k: v for k, v in raw.items() if k not in READ_ONLY}
    for flag in ("active", *CAPABILITIES):
        if isinstance(data.get(flag), str) and not data[flag].strip():
            data.pop(flag)  # an empty cell keeps the default (or the current state)
    return data


@dataclass
class ImportPlan:
    """What an import would do; `errors` maps 'row N' (1-based, header excluded) to its problems."""

    create: list[dict] = field(default_factory=list)
    update: list[dict] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"{len(self.create)} to add, {len(self.update)} to update, {len(self.unchanged)} unchanged"


def _plan(s: Session, rows: list[dict]) -> ImportPlan:
    plan = ImportPlan()
    existing = {r.name: r for r in s.scalars(select(AIModel))}
    taken, providers = taken_names(s), provider_names(s)
    seen: dict[str, int] = {}
    for i, raw in enumerate(rows, start=1):
        data = _clean(raw)
        name = str(data.get("name") or "").strip()
        where = f"row {i}" + (f" ({name})" if name else "")
        if name.casefold() in seen:
            plan.errors[where] = (f"The name {quoted(name, 100)} appears twice in the file (first in row "
                                  f"{seen[name.casefold()]}).")
            continue
        seen[name.casefold()] = i
        row = existing.get(name)
        try:
            if row is None:
                spec = validate_model(data, taken=taken, providers=providers)
            else:
                base = as_input(row)
                merged = {**base, **data}
                changed = merged.get("provider") != row.provider
                spec = validate_model(merged, taken=taken, current=row.name,
                                      providers=providers if changed else None)
        except ValidationError as e:
            plan.errors[where] = " ".join(e.errors.values())
            continue
        values = spec.row()
        if row is None:
            plan.create.append(values)
        elif any(_differs(getattr(row, k), v) for k, v in values.items()):
            plan.update.append(values)
        else:
            plan.unchanged.append(row.name)
    return plan


def _differs(old, new) -> bool:
    """Compare a stored value with an imported one; prices by value (2.50 == 2.5)."""
    if isinstance(old, Decimal | float) or isinstance(new, Decimal | float):
        return old is None or new is None or Decimal(str(old)) != Decimal(str(new))
    return old != new


@with_session
def plan_import(s: Session, text: str, fmt: str) -> ImportPlan:
    """Validate a whole file against the catalog without writing (the page's preview)."""
    return _plan(s, parse(text, fmt))


@writing
def import_models(s: Session, text: str, fmt: str, *, user: str | None = None) -> ImportPlan:
    """Add new models and update existing ones (matched by name) in one transaction, or write nothing (admins only)."""
    require_admin("import models")
    plan = _plan(s, parse(text, fmt))
    if not plan.ok:
        raise ValidationError(plan.errors, keyed=True)  # "row 3 (name): …"
    for values in plan.create:
        row = AIModel(**values)
        s.add(row)
        s.flush()
        record_prices(s, row, "import", user)
        audit.catalog_change(s, row.name, None, as_input(row))
    for values in plan.update:
        row = s.scalars(select(AIModel).where(AIModel.name == values["name"])).one()
        before = as_input(row)
        price_changed = any(_differs(getattr(row, f), values[f]) for f in (*PRICE_FIELDS, "tiers"))
        for key, value in values.items():
            setattr(row, key, value)
        s.flush()
        audit.catalog_change(s, row.name, before, as_input(row))
        if price_changed:
            record_prices(s, row, "import", user)
    return plan


def _configured(provider: str, s: Session, cache: dict[str, bool]) -> bool:
    from ..core.errors import UnknownProviderError
    from ..providers.registry import registry

    if provider not in cache:
        try:
            cache[provider] = registry.get(provider, s).is_configured()
        except (UnknownProviderError, ImportError):  # an unknown or uninstalled provider can't be called
            cache[provider] = False
    return cache[provider]


@with_session
def table(s: Session, *, active_only: bool = False) -> list[dict]:
    """Every catalog column, plus whether its provider is configured and its price known (list, page)."""
    stmt = select(AIModel).order_by(AIModel.provider, AIModel.name)
    if active_only:
        stmt = stmt.where(AIModel.is_active.is_(True))
    cache: dict[str, bool] = {}
    out = []
    for r in s.scalars(stmt):
        row = {**as_input(r), **Prices.of(r).as_dict()}
        row["configured"] = _configured(r.provider, s, cache)
        row["price_known"] = r.input_price is not None and r.output_price is not None
        row["has_tiers"] = bool(row["tiers"])
        out.append(row)
    return out


@writing
def update_many(s: Session, changes: dict[str, dict], *, user: str | None = None) -> list[str]:
    """Apply edits to several models (the page's table editor) all or nothing; errors keyed by model name."""
    from .models import get_row, update_model

    # Validate every row before writing any (SQLite's driver makes savepoints unreliable for this).
    taken, errors = taken_names(s), {}
    for name, change in changes.items():
        row = get_row(s, name)
        data = {**as_input(row), **change}
        changed = str(data.get("provider") or "").strip() != row.provider
        try:
            validate_model(data, taken=taken, current=row.name, providers=provider_names(s) if changed else None)
        except ValidationError as e:
            errors[row.name] = " ".join(e.errors.values())
    if errors:
        raise ValidationError(errors, keyed=True)  # by model name: the table row the message is about
    for name, change in changes.items():
        update_model(name, change, user=user, session=s)
    return list(changes)
