"""A set's cases as a table: CSV and JSONL in and out (exported as imported), and the rows the page edits.

The CSV form is promptfoo's: columns are variables; `__expected` (or `__expected1`, `__expected2`, ...)
holds one check each, `__description` a description, `__tags` comma-separated tags, `__metadata:KEY`
metadata. JSONL lines are promptfoo test cases (`{"vars": ..., "assert": [...]}`) or flat rows like
the CSV's. A variable `file://PATH` names a file read from beside the imported file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from ..core.errors import ValidationError
from ..core.text import safe_text, unquote
from . import checks as checks_
from .sets import Case, FileData
from .templates import FILE_PREFIX

EXPECTED = re.compile(r"__expected\d*")
SPECIAL = ("__description", "__tags")
METADATA = "__metadata:"
TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".json": "text/plain", ".yaml": "text/plain",
                 ".yml": "text/plain", ".csv": "text/csv", ".html": "text/html", ".xml": "text/xml"}
TEST_KEYS = ("vars", "assert", "description", "metadata", "tags")
MAX_PROBLEMS = 8


def _decode(data: bytes | str, what: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValidationError({what: f"The file is not UTF-8 text (byte 0x{data[e.start]:02x} at position "
                                     f"{e.start}); save it as UTF-8 and import it again."}) from None


def _raise(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(dict(list(problems.items())[:MAX_PROBLEMS]))


def check_columns(columns: list[str]) -> None:
    """Column names: none blank or repeated, and no `__` column AlonChat does not read (it would be lost)."""
    problems = {}
    seen = set()
    for i, c in enumerate(columns):
        if not c or not c.strip():
            problems[f"column {i + 1}"] = f"Column {i + 1} has no name; name it or delete it."
        elif c in seen:
            problems[c] = f"The column {c!r} appears twice; rename one."
        elif c.startswith("__") and not (EXPECTED.fullmatch(c) or c in SPECIAL or c.startswith(METADATA)):
            problems[c] = (f"The column {c!r} is not supported (supported: __expected, __expected1..., "
                           "__description, __tags, __metadata:KEY); rename or delete it.")
        elif not c.startswith("__") and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", c):
            problems[c] = (f"The column {c!r} is not a variable name a template can use ({{{{name}}}}): use "
                           "letters, digits and _, starting with a letter.")
        seen.add(c)
    _raise(problems)


def rows_to_cases(columns: list[str], rows: list[dict[str, Any]], *, first_row: int = 1) -> list[Case]:
    """Table rows (CSV cells or the page's editor) to cases; problems name the row and the column."""
    check_columns(columns)
    cases, problems = [], {}
    for n, row in enumerate(rows, start=first_row):
        variables, found, tags, description, metadata = {}, [], [], "", {}
        for c in columns:
            value = row.get(c)
            text = "" if value is None else value if isinstance(value, str) else str(value)
            if EXPECTED.fullmatch(c):
                if text.strip():
                    try:
                        found.append(checks_.from_expected(unquote(text)))
                    except checks_.CheckError as e:
                        problems[f"row {n}"] = f"Row {n}, {c}: {e}."
            elif c == "__description":
                description = unquote(text)
            elif c == "__tags":
                tags = [t.strip() for t in unquote(text).split(",") if t.strip()]
            elif c.startswith(METADATA):
                if text:
                    metadata[c[len(METADATA):]] = unquote(text)
            else:
                variables[c] = unquote(text) if isinstance(value, str) or value is None else value
        case = Case(vars=variables, checks=found, tags=tags, description=description,
                    extra={"metadata": metadata} if metadata else {})
        cases.append(case)
    _raise(problems)
    return cases


def cases_to_rows(columns: list[str], cases: list[Case]) -> tuple[list[str], list[dict[str, Any]]]:
    """Cases as table rows in the set's columns (added where a case needs more: a variable, a second check)."""
    columns = list(columns)
    for case in cases:
        columns += [k for k in case.vars if k not in columns]
    expected = [c for c in columns if EXPECTED.fullmatch(c)]
    most = max((len(c.checks) for c in cases), default=0)
    while len(expected) < most:
        name = "__expected" if not expected and most == 1 else f"__expected{len(expected) + 1}"
        while name in columns:
            name += "_"
        expected.append(name)
        columns.append(name)
    if any(c.description for c in cases) and "__description" not in columns:
        columns.append("__description")
    if any(c.tags for c in cases) and "__tags" not in columns:
        columns.append("__tags")
    for key in dict.fromkeys(k for c in cases for k in (c.extra.get("metadata") or {})):
        if METADATA + key not in columns:
            columns.append(METADATA + key)
    rows = []
    for case in cases:
        row: dict[str, Any] = {}
        for c in columns:
            if EXPECTED.fullmatch(c):
                i = expected.index(c)
                row[c] = case.checks[i].as_expected() if i < len(case.checks) else ""
            elif c == "__description":
                row[c] = case.description
            elif c == "__tags":
                row[c] = ", ".join(case.tags)
            elif c.startswith(METADATA):
                row[c] = str((case.extra.get("metadata") or {}).get(c[len(METADATA):], ""))
            else:
                value = case.vars.get(c, "")
                row[c] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append(row)
    return columns, rows


# --- files ---------------------------------------------------------------------------------------------------


def read_csv(data: bytes | str) -> tuple[list[str], list[Case]]:
    text = _decode(data, "csv")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = next(reader)
    except StopIteration:
        raise ValidationError({"csv": "The CSV is empty; its first line names the variables."}) from None
    except csv.Error as e:
        raise ValidationError({"csv": f"The CSV cannot be read: {e}."}) from None
    rows = []
    try:
        for n, cells in enumerate(reader, start=2):
            if not any(cells):
                continue
            if len(cells) > len(columns):
                raise ValidationError({f"line {n}": f"Line {n} has {len(cells)} cells but the header names "
                                                    f"{len(columns)} columns; quote cells that hold commas."})
            rows.append(dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=True)))
    except csv.Error as e:
        raise ValidationError({"csv": f"The CSV cannot be read at line {reader.line_num}: {e}."}) from None
    return columns, rows_to_cases(columns, rows, first_row=1)


def write_csv(columns: list[str], cases: list[Case]) -> str:
    """The cases as CSV (promptfoo's columns); text that would start a spreadsheet formula gets a leading '."""
    columns, rows = cases_to_rows(columns, cases)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_text(row[c]) if isinstance(row[c], str) else row[c] for c in columns])
    return out.getvalue()


def read_jsonl(data: bytes | str) -> tuple[list[str], list[Case]]:
    """One case per line: promptfoo's {"vars", "assert", "description", "metadata"} or a flat row of columns."""
    text = _decode(data, "jsonl")
    columns: list[str] = []
    cases, problems = [], {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as e:
            problems[f"line {n}"] = f"Line {n} is not JSON ({e.msg} at column {e.colno})."
            continue
        if not isinstance(item, dict):
            problems[f"line {n}"] = f"Line {n} is not a JSON object."
            continue
        if "vars" in item or "assert" in item:
            try:
                cases.append(test_case(item, f"line {n}"))
            except ValidationError as e:
                problems.update(e.errors)
            continue
        keys = [k for k in item if k not in columns]
        columns += keys
        try:
            cases += rows_to_cases(columns, [item], first_row=n)
        except ValidationError as e:
            problems.update(e.errors)
    _raise(problems)
    if not cases:
        raise ValidationError({"jsonl": "The file has no cases (one JSON object per line)."})
    for case in cases:
        columns += [k for k in case.vars if k not in columns]
    return columns, cases


def test_case(item: dict, where: str) -> Case:
    """promptfoo's test case {vars, assert, description, metadata}; any other key is named, never dropped."""
    unknown = sorted(set(item) - set(TEST_KEYS))
    if unknown:
        raise ValidationError({where: f"{where.capitalize()}: {', '.join(unknown)} is not supported in a test "
                                      "(supported: vars, assert, description, metadata)."})
    variables = item.get("vars") or {}
    if not isinstance(variables, dict):
        raise ValidationError({where: f"{where.capitalize()}: vars must be a mapping of name to value."})
    found = []
    for a in item.get("assert") or []:
        try:
            found.append(checks_.from_assertion(a))
        except checks_.CheckError as e:
            raise ValidationError({where: f"{where.capitalize()}: {e}."}) from None
    tags = item.get("tags") or []
    return Case(vars=variables, checks=found, description=str(item.get("description") or ""),
                tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
                extra={"metadata": item["metadata"]} if item.get("metadata") else {})


def write_jsonl(cases: list[Case]) -> str:
    """One promptfoo test case per line."""
    lines = []
    for case in cases:
        item: dict[str, Any] = {"vars": case.vars}
        if case.checks:
            item["assert"] = [c.as_assertion() for c in case.checks]
        if case.description:
            item["description"] = case.description
        if case.extra.get("metadata"):
            item["metadata"] = case.extra["metadata"]
        if case.tags:
            item["tags"] = case.tags
        lines.append(json.dumps(item, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


def read(data: bytes | str, filename: str) -> tuple[list[str], list[Case]]:
    """Cases from a .csv, .jsonl or .json (a list of test cases) file."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv(data)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(data)
    if suffix == ".json":
        try:
            items = json.loads(_decode(data, "json"))
        except ValueError as e:
            raise ValidationError({"json": f"The file is not JSON ({e.msg} at line {e.lineno})."}) from None
        if not isinstance(items, list):
            raise ValidationError({"json": "A .json file of cases is a list of test cases ({vars, assert})."})
        return read_jsonl("\n".join(json.dumps(i) for i in items))
    raise ValidationError({"file": f"{filename}: import cases from a .csv, .jsonl or .json file."})


def file_refs(cases: list[Case]) -> list[str]:
    """Every `file://` a case variable names, in order, once each."""
    return list(dict.fromkeys(v for c in cases for v in c.vars.values()
                              if isinstance(v, str) and v.startswith(FILE_PREFIX)))


def file_data(name: str, data: bytes, ref: str | None = None) -> FileData:
    """A case file from its name and bytes: an image or a PDF (attached), or a text file (read into the prompt)."""
    from ..calls.inputs import check_attachment, media_type_of

    ref = ref or FILE_PREFIX + name
    text_type = TEXT_SUFFIXES.get(Path(name).suffix.lower())
    if text_type is not None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"files": f"{name} is not UTF-8 text; save it as UTF-8."}) from None
        return FileData(ref, name, text_type, data)
    attachment = check_attachment({"name": name, "media_type": media_type_of(name, data) or "", "data": data},
                                  where="files")
    return FileData(ref, name, attachment.media_type, data)


def read_files(cases: list[Case], base: Path) -> dict[str, FileData]:
    """The files the cases name, read from beside the imported file; a missing one names its case."""
    files, problems = {}, {}
    for ref in file_refs(cases):
        path = Path(ref[len(FILE_PREFIX):])
        path = path if path.is_absolute() else base / path
        try:
            files[ref] = file_data(path.name, path.read_bytes(), ref)
        except OSError as e:
            case = next(i for i, c in enumerate(cases, 1) if ref in c.vars.values())
            problems[ref] = f"Case {case} names {ref}, which cannot be read ({e.strerror or e}) at {path}."
        except ValidationError as e:
            problems.update(e.errors)
    _raise(problems)
    return files
