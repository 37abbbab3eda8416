"""Battles in and out in LMArena's columns (model_a, model_b, winner), CSV or JSONL; other columns ride along.

An import is read and checked whole before anything is written, then written in one transaction:
a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from ..access import audit, identity
from ..access.identity import require_admin
from ..core.errors import ValidationError
from ..core.text import no_control_chars, safe_text, unquote
from ..storage.engine import get_engine
from ..storage.tables import ArenaBattle, utcnow
from .battles import VOTES, clean_category
from .leaderboard import Filters, authorize, conditions

FORMATS = ("csv", "jsonl", "json")
# LMArena's columns first, then ours; an import reads these back and keeps any other column as it was.
COLUMNS = ("model_a", "model_b", "winner", "tstamp", "user", "team", "category", "shown_left",
           "names_self_a", "names_self_b", "settings_a", "settings_b", "origin")
READ_ONLY = ("origin",)  # an imported battle is always of origin "import"
ALIASES = {"tie (bothbad)": "both_bad"}  # LMArena's public data writes both-bad votes this way
MAX_ROWS = 1_000_000
MAX_ERRORS = 5  # a bad file names its first few problems, not every line
_B = ArenaBattle.__table__


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError({"file": f"'{filename}' is not .csv, .jsonl or .json; give battles as CSV or JSON "
                                       "Lines (one object per line), or pass --format."})
    return suffix


# --- export --------------------------------------------------------------------------------------------

def _records(f: Filters) -> Iterator[dict]:
    with get_engine().connect() as conn:
        for r in conn.execute(select(_B).where(*conditions(f)).order_by(_B.c.voted_at, _B.c.id)):
            extra = json.loads(r.extra) if r.extra else {}
            yield {"model_a": r.model_a, "model_b": r.model_b, "winner": r.winner,
                   "tstamp": r.voted_at.timestamp() if r.voted_at else None, "user": r.user, "team": r.team,
                   "category": r.category, "shown_left": r.shown_left, "names_self_a": bool(r.names_self_a),
                   "names_self_b": bool(r.names_self_b),
                   "settings_a": json.loads(r.settings_a) if r.settings_a else None,
                   "settings_b": json.loads(r.settings_b) if r.settings_b else None, "origin": r.origin,
                   **{k: v for k, v in extra.items() if k not in COLUMNS}}


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return safe_text(json.dumps(value, sort_keys=True, ensure_ascii=False))
    if isinstance(value, float | int):
        return repr(value)
    return safe_text(str(value))


def export_scope() -> Filters:
    """What the acting user may export: every vote for an admin, their own votes for a member."""
    who = identity.actor()
    return Filters() if who.is_admin else Filters(users=(who.email,))


def export(f: Filters | None = None, fmt: str = "csv") -> str:
    """The voted battles these filters select (default: export_scope()), as CSV or JSONL text."""
    f = f or export_scope()
    authorize(f, rows=True)  # single votes carry who cast them: a member exports their own only
    if fmt not in ("csv", "jsonl"):
        raise ValidationError({"format": f"Unknown format '{fmt}'; export as csv or jsonl."})
    rows = list(_records(f))
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    extra = list(dict.fromkeys(k for r in rows for k in r if k not in COLUMNS))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *extra], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _csv_cell(v) for k, v in r.items()} for r in rows)
    return out.getvalue()


# --- import --------------------------------------------------------------------------------------------

def _rows(text: str, fmt: str) -> Iterator[tuple[int, dict]]:
    """(line number, raw row) from CSV (a header naming model_a, model_b, winner), JSON Lines or a JSON list."""
    text = text.lstrip("\ufeff")  # spreadsheets save CSV with a byte-order mark
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or ()]
        missing = [c for c in ("model_a", "model_b", "winner") if c not in header]
        if missing:
            raise ValidationError({"file": f"The CSV header lacks {', '.join(missing)}: battles need the columns "
                                           "model_a, model_b and winner (LMArena's)."})
        try:
            for r in reader:
                if None in r:
                    raise ValidationError({"file": f"Line {reader.line_num} has more cells than the header."})
                yield reader.line_num, {k.strip(): unquote(v) if isinstance(v, str) else v for k, v in r.items()}
        except csv.Error as e:
            raise ValidationError({"file": f"Line {reader.line_num + 1} can't be read as CSV ({e}); check the "
                                           "quoting around it."}) from None
    elif fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as e:
                why = e.msg if isinstance(e, json.JSONDecodeError) else "nested too deeply"
                raise ValidationError({"file": f"Line {number} is not a JSON object ({why}); JSON Lines "
                                               "holds one battle object per line."}) from None
            if not isinstance(row, dict):
                raise ValidationError({"file": f"Line {number} is not a JSON object; JSON Lines holds one "
                                               "battle object per line."})
            yield number, row
    elif fmt == "json":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            where = f" (line {e.lineno}, column {e.colno}): {e.msg}" if isinstance(e, json.JSONDecodeError) else ""
            raise ValidationError({"file": f"Not valid JSON{where}; give a list of battle objects, or JSON "
                                           "Lines."}) from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationError({"file": "Expected a JSON list of battle objects (model_a, model_b, winner)."})
        yield from ((i, r) for i, r in enumerate(data, start=1))
    else:
        raise ValidationError({"format": f"Unknown format '{fmt}'; use csv, jsonl or json."})


def _name(value, column: str, size: int = 100, *, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValueError(f"{column} is empty")
    if len(text) > size:
        raise ValueError(f"{column} is longer than {size} characters")
    try:
        return no_control_chars(text)
    except ValueError as e:
        raise ValueError(f"{column} {e}") from None


def _flag(value, column: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("", "false", "0", "no"):
        return False
    if text in ("true", "1", "yes"):
        return True
    raise ValueError(f"{column} is {value!r}; use true or false")


def _settings(value, column: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"{column} is not JSON; give the options as an object, e.g. "
                             '{"temperature": 0.2}') from None
    if not isinstance(value, dict):
        raise ValueError(f"{column} must be a JSON object of options")
    return json.dumps(value, sort_keys=True, default=str) if value else None


def _when(value) -> datetime:
    try:
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValueError(f"tstamp is {value!r}; give Unix seconds (as LMArena's tstamp), e.g. 1721203200") from None


def _battle(raw: dict, team: str | None, now: datetime) -> dict:
    winner = str(raw.get("winner") or "").strip().lower()
    winner = ALIASES.get(winner, winner)
    if winner not in VOTES:
        raise ValueError(f"winner is {raw.get('winner')!r}; use one of {', '.join(VOTES)}")
    shown_left = str(raw.get("shown_left") or "").strip() or None
    if shown_left not in (None, "model_a", "model_b"):
        raise ValueError(f"shown_left is {shown_left!r}; use model_a, model_b or leave it empty")
    try:
        category = clean_category(None if raw.get("category") is None else str(raw.get("category")))
    except ValidationError as e:
        raise ValueError(e.errors["category"]) from None
    when = _when(raw.get("tstamp")) if raw.get("tstamp") not in (None, "") else now
    extra = {k: v for k, v in raw.items() if k not in COLUMNS and k not in READ_ONLY}
    return {"created_at": when, "voted_at": when, "origin": "import",
            "model_a": _name(raw.get("model_a"), "model_a"), "model_b": _name(raw.get("model_b"), "model_b"),
            "winner": winner, "user": _name(raw.get("user"), "user", 200, required=False),
            "team": team if team is not None else _name(raw.get("team"), "team", required=False),
            "category": category, "shown_left": shown_left,
            "names_self_a": _flag(raw.get("names_self_a"), "names_self_a"),
            "names_self_b": _flag(raw.get("names_self_b"), "names_self_b"),
            "settings_a": _settings(raw.get("settings_a"), "settings_a"),
            "settings_b": _settings(raw.get("settings_b"), "settings_b"),
            "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else None}


def read(text: str, fmt: str, *, team: str | None = None) -> list[dict]:
    """Every battle of the file as a row to insert, or a ValidationError naming the first few bad lines."""
    if team is not None:
        team = _name(team, "team", required=False)
    rows, errors, bad, now = [], [], 0, utcnow()
    for number, raw in _rows(text, fmt):
        if len(rows) + bad >= MAX_ROWS:
            raise ValidationError({"file": f"More than {MAX_ROWS:,} battles: split the file."})
        try:
            rows.append(_battle(raw, team, now))
        except ValueError as e:
            bad += 1
            if len(errors) < MAX_ERRORS:
                errors.append(f"line {number}: {e}")
    if errors:
        more = f" (and {bad - len(errors):,} more bad lines)" if bad > len(errors) else ""
        raise ValidationError({"file": "; ".join(errors) + more + ". Nothing was imported."})
    if not rows:
        raise ValidationError({"file": "The file holds no battles."})
    return rows


def import_battles(text: str, fmt: str, *, team: str | None = None, source: str = "file") -> int:
    """Add every battle of the file (admins only), all in one transaction, or none; returns how many."""
    who = require_admin("import arena battles")
    rows = read(text, fmt, team=team)
    with get_engine().begin() as conn:
        for chunk in _chunks(rows, 5000):
            conn.execute(insert(_B), chunk)
        models = sorted({m for r in rows for m in (r["model_a"], r["model_b"])})
        audit.record("arena", source, "import", {"battles": [None, len(rows)], "models": [None, len(models)],
                                                  "team": [None, team]}, who.email, conn)
    return len(rows)


def _chunks(rows: list[dict], size: int) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
