"""A whole run out as CSV (one row per cell) or JSON (set, run, summary and cells), and a JSON export back in.

Both are written a batch of cells at a time, so an 18,000-cell run exports in bounded memory. An imported
run is shown and compared like any other; its calls are not in this ledger (they were made elsewhere),
so its costs are the file's.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ..core.errors import ValidationError
from ..core.text import safe_text
from ..storage.engine import get_engine
from ..storage.tables import EvalCell
from . import results, runs, sets
from .checks import Check
from .panes import Pane
from .sets import Case, FileData, SetDraft
from .templates import Prompt

FORMAT = "alonchat-eval-run"
VERSION = 1
BATCH = 1000
CELL_FIELDS = ("case_idx", "prompt_idx", "pane_idx", "repeat_idx", "state", "status", "passed", "score", "output",
               "error", "checks", "cost_usd", "judge_cost_usd", "latency_ms", "ttft_ms", "input_tokens",
               "output_tokens", "self_judged")
_CELLS = EvalCell.__table__


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def cells(run_id: int) -> Iterator:
    """A run's cells in order, read a batch at a time (the caller has checked the run is visible)."""
    cols = [_CELLS.c[f] for f in CELL_FIELDS]
    with get_engine().connect() as conn:
        result = conn.execution_options(yield_per=BATCH).execute(
            select(*cols).where(_CELLS.c.run_id == run_id).order_by(_CELLS.c.id))
        yield from result


def _cell_json(r) -> dict:
    out = {"case": r.case_idx, "prompt": r.prompt_idx, "pane": r.pane_idx, "repeat": r.repeat_idx}
    for f in CELL_FIELDS[4:]:
        value = getattr(r, f)
        if f == "checks":
            value = json.loads(value) if value else []
        out[f] = _plain(value)
    out["self_judged"] = bool(r.self_judged)
    return out


def json_chunks(run_id: int) -> Iterator[str]:
    """The run as one JSON document, in pieces (the cells a batch at a time)."""
    run = runs.get(run_id)
    test_set = sets.get(run.set_id)
    p = runs.progress(run_id)
    head = {
        "format": FORMAT, "version": VERSION,
        "set": {"name": test_set.name, "version": test_set.version, "description": test_set.description,
                "prompts": [x.model_dump() for x in test_set.prompts],
                "checks": [x.model_dump(exclude_defaults=True) for x in test_set.checks],
                "columns": test_set.columns, "cases": [x.stored() for x in test_set.cases],
                "files": [{"ref": f.ref, "name": f.name, "media_type": f.media_type,
                           "data": base64.b64encode(sets.file_bytes(f.sha256)).decode()}
                          for f in test_set.files.values()]},
        "run": {"id": run.id, "name": run.name, "user": run.user, "created_at": _plain(run.created_at),
                "started_at": _plain(run.started_at), "finished_at": _plain(run.finished_at), "status": p.status,
                "panes": [x.as_json() for x in run.panes], "prompts": run.prompts, "repeats": run.repeats,
                "judge": run.judge, "concurrency": run.concurrency,
                "estimate_low_usd": _plain(run.estimate_low), "estimate_high_usd": _plain(run.estimate_high)},
        "spend": {"eval_usd": _plain(p.eval_cost), "judge_usd": _plain(p.judge_cost), "calls": p.calls,
                  "judge_calls": p.judge_calls, "unpriced_calls": p.unpriced_calls},
        "summary": [s.as_json() for s in results.summary(run_id, run)],
    }
    text = json.dumps(head, ensure_ascii=False, indent=1)
    yield text[:-2] + ',\n "cells": ['
    first = True
    for r in cells(run_id):
        yield ("\n  " if first else ",\n  ") + json.dumps(_cell_json(r), ensure_ascii=False)
        first = False
    yield "\n ]\n}\n"


def csv_chunks(run_id: int) -> Iterator[str]:
    """One row per cell, the case's variables as `vars.NAME` columns; text safe to open in a spreadsheet."""
    run = runs.get(run_id)
    test_set = sets.get(run.set_id)
    names = test_set.variables
    header = ["run", "case", "prompt", "pane", "model", "settings", "repeat", "state", "status", "pass", "score",
              "cost_usd", "judge_cost_usd", "latency_ms", "ttft_ms", "input_tokens", "output_tokens", "output",
              "error", "self_judged", "checks", *(f"vars.{n}" for n in names)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n, r in enumerate(cells(run_id), start=1):
        pane = run.panes[r.pane_idx]
        variables = test_set.cases[r.case_idx].vars
        row = [run.id, r.case_idx + 1, r.prompt_idx + 1, r.pane_idx + 1, pane.model, pane.settings, r.repeat_idx + 1,
               r.state, r.status, "" if r.passed is None else str(bool(r.passed)).lower(), r.score,
               _plain(r.cost_usd), _plain(r.judge_cost_usd), r.latency_ms, r.ttft_ms, r.input_tokens,
               r.output_tokens, r.output, r.error, str(bool(r.self_judged)).lower(), r.checks or "",
               *(variables.get(k, "") if isinstance(variables.get(k, ""), str)
                 else json.dumps(variables[k], ensure_ascii=False) for k in names)]
        writer.writerow(["" if v is None else safe_text(v) if isinstance(v, str) else v for v in row])
        if n % BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def import_json(data: bytes | str) -> runs.RunInfo:
    """An exported run, back in: its set (a new version only if the content differs) and its cells, as imported."""
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise ValidationError({"file": f"The file is not JSON ({e.msg} at line {e.lineno})."}) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValidationError({"file": "This is not an AlonChat run export (its format is not "
                                       f"{FORMAT!r}); export a run with `alonchat eval export RUN`."})
    if doc.get("version") != VERSION:
        raise ValidationError({"file": f"This export is version {doc.get('version')}; this AlonChat reads "
                                       f"version {VERSION}."})
    try:
        s, r = doc["set"], doc["run"]
        files = {f["ref"]: FileData(f["ref"], f["name"], f["media_type"], base64.b64decode(f["data"]))
                 for f in s.get("files") or []}
        draft = SetDraft(s["name"], [Prompt(**p) for p in s["prompts"]], [Case(**x) for x in s["cases"]],
                         [Check(**x) for x in s.get("checks") or []], s.get("description") or "",
                         s.get("columns") or [], files, "import")
        panes = [Pane(p["model"], p.get("options") or {}) for p in r["panes"]]
        cells = doc["cells"]
    except (KeyError, TypeError, ValueError) as e:
        raise ValidationError({"file": f"The export is incomplete or damaged ({type(e).__name__}: {e})."}) from None
    test_set = sets.save(draft)
    return runs.add_imported(test_set.id, {
        "name": (r.get("name") or f"Imported run {r.get('id', '')}").strip()[:200],
        "started_at": _when(r.get("started_at")), "finished_at": _when(r.get("finished_at")),
        "panes": json.dumps([p.as_json() for p in panes]), "prompts": json.dumps(r.get("prompts") or [0]),
        "repeats": int(r.get("repeats") or 1), "concurrency": json.dumps(r.get("concurrency") or {}),
        "judge": r.get("judge")}, (_cell(x) for x in cells), len(cells))


def _cell(x: dict) -> dict:
    """One exported cell as the columns of an eval_cells row (a pending cell stays pending, any other is done)."""
    return {"case_idx": x["case"], "prompt_idx": x["prompt"], "pane_idx": x["pane"], "repeat_idx": x["repeat"],
            "state": "pending" if x.get("state") == "pending" else "done",
            "status": x.get("status"), "passed": x.get("passed"), "score": x.get("score"),
            "output": x.get("output"), "error": x.get("error"),
            "checks": json.dumps(x["checks"], ensure_ascii=False) if x.get("checks") else None,
            "cost_usd": _decimal(x.get("cost_usd")), "judge_cost_usd": _decimal(x.get("judge_cost_usd")),
            "latency_ms": x.get("latency_ms"), "ttft_ms": x.get("ttft_ms"),
            "input_tokens": x.get("input_tokens"), "output_tokens": x.get("output_tokens"),
            "self_judged": bool(x.get("self_judged"))}


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _when(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
