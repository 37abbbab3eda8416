"""`alonchat eval set list/show/create/import/export`: test sets from the terminal, from cases files or promptfoo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import CLIError
from .report import err

CONFIG_SUFFIXES = (".yaml", ".yml")
CASE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")


def set_list(args) -> int:
    from ...evals import sets

    found = sets.list_sets()
    for s in found:
        if args.json:
            print(json.dumps({"name": s.name, "version": s.version, "versions": s.versions, "cases": s.case_count,
                              "prompts": s.prompt_count, "owner": s.owner, "runs": s.runs,
                              "created_at": s.created_at.isoformat(), "description": s.description}))
        else:
            print(f"{s.name}@{s.version}  {s.case_count:,} cases × {s.prompt_count} prompt(s)  {s.runs} run(s)  "
                  f"{s.owner}  {s.created_at:%Y-%m-%d}" + (f"  {s.description}" if s.description else ""))
    if not found and not args.json:
        err("no test sets yet: `alonchat eval set create NAME --prompt '...{{var}}' --cases cases.csv`, or run a "
             "promptfoo config.")
    return 0


def set_show(args) -> int:
    from ...evals import sets

    s = sets.get(args.name)
    if args.json:
        print(json.dumps({"name": s.name, "version": s.version, "description": s.description,
                          "prompts": [p.model_dump() for p in s.prompts],
                          "checks": [c.as_assertion() for c in s.checks], "variables": s.variables,
                          "cases": [c.stored() for c in s.cases]}, ensure_ascii=False))
        return 0
    print(f"{s.ref} · {len(s.cases):,} cases · by {s.owner} · {s.created_at:%Y-%m-%d %H:%M} UTC"
          + (f"\n{s.description}" if s.description else ""))
    for i, p in enumerate(s.prompts):
        print(f"\n[{p.title(i)}]" + (f"\n  system: {p.system}" if p.system else "") + f"\n  user: {p.user}")
    if s.checks:
        print("\nevery case: " + "; ".join(c.describe() for c in s.checks))
    print(f"\nvariables: {', '.join(s.variables) or '(none)'}")
    for i, c in enumerate(s.cases[:10]):
        checks = f"  [{'; '.join(k.describe() for k in c.checks)}]" if c.checks else ""
        print(f"  {i + 1}. {json.dumps(c.vars, ensure_ascii=False)[:100]}{checks}")
    if len(s.cases) > 10:
        print(f"  … {len(s.cases) - 10:,} more (`alonchat eval set export {s.ref}`)")
    return 0


def set_import(args) -> int:
    from ...core.errors import ValidationError
    from ...evals import cases_io, checks, promptfoo, sets
    from ...evals.templates import Prompt

    path = Path(getattr(args, "cases", None) or args.file)
    name = getattr(args, "name", None)
    if path.suffix.lower() in CONFIG_SUFFIXES:
        draft = promptfoo.load(path, name=name).draft
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CLIError(f"cannot read {path}: {e.strerror or e}") from None
        columns, cases = cases_io.read(data, path.name)
        files = cases_io.read_files(cases, path.resolve().parent)
        name = name or path.stem
        prompts = [Prompt(label=f"prompt {i + 1}" if len(args.prompts) > 1 else "", system=args.system or "",
                          user=t) for i, t in enumerate(args.prompts or [])]
        previous = None
        if not prompts:
            try:
                previous = sets.get(name)
            except ValidationError:
                raise CLIError(f"give the set's prompt: --prompt 'TEMPLATE with {{{{{(columns or ['var'])[0]}}}}}' "
                               "(nothing was saved)") from None
            prompts = previous.prompts
        draft = sets.SetDraft(name, prompts, cases, columns=columns, files=files,
                              source=path.suffix.lower().lstrip(".").replace("ndjson", "jsonl"),
                              checks=previous.checks if previous else [],
                              description=previous.description if previous else "")
    if args.checks:
        try:
            draft.checks = [*draft.checks, *(checks.from_expected(c) for c in args.checks)]
        except checks.CheckError as e:
            raise CLIError(f"--check: {e} (nothing was saved)") from None
    if args.description is not None:
        draft.description = args.description
    saved = sets.save(draft)
    err(f"saved {saved.ref}: {len(saved.cases):,} cases × {len(saved.prompts)} prompt(s).")
    return 0


def set_export(args) -> int:
    from ...evals import cases_io, sets

    s = sets.get(args.name)
    text = cases_io.write_jsonl(s.cases) if args.jsonl else cases_io.write_csv(s.columns, s.cases)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8", newline="")
        except OSError as e:
            raise CLIError(f"cannot write {args.output}: {e.strerror or e}") from None
        err(f"{s.ref} written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0
