"""`providers`: which providers and endpoints are there, and what each still needs."""

from __future__ import annotations

import json

from ..providers.registry import registry
from . import add_command


def register(sub) -> None:
    p = add_command(sub, "providers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    rows = [{"name": s.name, "kind": s.kind, "configured": s.configured, "missing_env": s.missing_env,
             "detail": s.detail, "error": s.error} for s in registry.status()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        state = "ok" if r["configured"] else (
            f"load failed: {r['error']}" if r["error"] else
            f"set {' or '.join(r['missing_env'])}" if r["missing_env"] else
            f"disabled: python -m alonchat endpoints enable {r['name']}")
        detail = f"  {r['detail']}" if r["detail"] else ""
        print(f"{r['name']:<20} {r['kind']:<10} {state}{detail}")
    return 0
