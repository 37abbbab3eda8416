"""`models`: the catalog from the terminal, for scripts (list, add, update, activate, import, export, history)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..catalog import io as catalog_io
from ..catalog import models as catalog
from ..catalog import prices as catalog_prices
from ..core.errors import UnknownModelError
from ..core.pricing import describe_tiers
from . import CLIError, add_command

# Flag -> catalog field; values go through the catalog's one validation as typed.
FLAGS = {"--name": "name", "--display-name": "display_name", "--provider": "provider", "--model-id": "model_id",
         "--context-window": "context_window", "--max-tokens": "max_tokens", "--input-price": "input_price",
         "--output-price": "output_price", "--cache-read-price": "cache_read_price",
         "--cache-write-price": "cache_write_price", "--cache-write-1h-price": "cache_write_1h_price",
         "--tiers": "tiers", "--description": "description",
         "--supports-reasoning": "supports_reasoning", "--supports-vision": "supports_vision",
         "--supports-pdf": "supports_pdf"}


def _add_fields(p, *, required: bool) -> None:
    for flag, field in FLAGS.items():
        info = catalog.ModelInput.model_fields[field]
        needed = required and field in ("name", "provider", "model_id")
        extra = " (USD per 1M tokens; '' = unknown)" if field.endswith("_price") else ""
        if field == "tiers":
            extra = """ As JSON, e.g. '[{"threshold": 200000, "input_price": 2.5}]'; '' = none."""
        if field in catalog.CAPABILITIES:
            p.add_argument(flag, dest=field, metavar="true|false", help=(info.description or "") + " (true or false)")
            continue
        p.add_argument(flag, dest=field, required=needed, metavar=field.upper(),
                       help=(info.description or "") + extra)


def register(sub) -> None:
    p = add_command(sub, "models")
    cmd = p.add_subparsers(dest="models_command", required=True)

    c = cmd.add_parser("list", help="every catalog model with prices (USD per 1M tokens)")
    c.add_argument("--json", action="store_true", help="JSON array, prices as numbers or null")
    c.add_argument("--active", action="store_true", help="only active models")
    c.set_defaults(func=run_list)

    c = cmd.add_parser("add", help="add a model (validated; nothing written on error)")
    _add_fields(c, required=True)
    c.set_defaults(func=run_add)

    c = cmd.add_parser("update", help="change a model's fields; a price change is kept in its history")
    c.add_argument("model", metavar="NAME")
    _add_fields(c, required=False)
    c.set_defaults(func=run_update)

    for name, active in (("activate", True), ("deactivate", False)):
        c = cmd.add_parser(name, help=f"{name} a model")
        c.add_argument("model", metavar="NAME")
        c.set_defaults(func=run_active, active=active)

    c = cmd.add_parser("delete", help="delete a model that has no usage (otherwise deactivate it)")
    c.add_argument("model", metavar="NAME")
    c.add_argument("--yes", action="store_true", help="confirm the deletion")
    c.set_defaults(func=run_delete)

    c = cmd.add_parser("import", help="add or update models from a CSV or JSON file, all or nothing")
    c.add_argument("file", metavar="FILE", help="a .csv or .json file; '-' reads standard input (give --format)")
    c.add_argument("--format", choices=catalog_io.FORMATS, help="file format (default: from the suffix)")
    c.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    c.set_defaults(func=run_import)

    c = cmd.add_parser("export", help="print the whole catalog as CSV or JSON")
    c.add_argument("--format", choices=catalog_io.FORMATS, default="json")
    c.set_defaults(func=run_export)

    c = cmd.add_parser("history", help="a model's price changes: date, source, who")
    c.add_argument("model", metavar="NAME")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_history)

    c = cmd.add_parser("check-prices", help="where the catalog differs from the genai-prices data")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_check)

    c = cmd.add_parser("accept-prices", help="take genai-prices' prices for some models, or --all")
    c.add_argument("models", metavar="NAME", nargs="*")
    c.add_argument("--all", action="store_true")
    c.set_defaults(func=run_accept)


def _fields(args) -> dict:
    return {f: getattr(args, f) for f in FLAGS.values() if getattr(args, f, None) is not None}


def _num(value) -> str:
    return "unpriced" if value is None else f"{value:g}"


def _lookup(fn, *a, **kw):
    """An unknown model name is a bad argument: exit 2, like any other."""
    try:
        return fn(*a, **kw)
    except UnknownModelError as e:
        raise CLIError(str(e)) from None


def run_list(args) -> int:
    rows = catalog_io.table(active_only=args.active)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False, default=float))
        return 0
    print(f"{'NAME':<28} {'PROVIDER':<12} {'MODEL ID':<28} {'CONTEXT':>9} {'IN $/1M':>9} {'OUT $/1M':>9}  STATE")
    for r in rows:
        state = ("active" if r["active"] else "inactive") + ("" if r["configured"] else ", not configured")
        ctx = f"{r['context_window']:,}" if r["context_window"] else "?"
        print(f"{r['name']:<28} {r['provider']:<12} {r['model_id']:<28} {ctx:>9} "
              f"{_num(r['input_price']):>9} {_num(r['output_price']):>9}  {state}")
    return 0


def run_add(args) -> int:
    spec = catalog.create_model(_fields(args))
    print(f"added {spec.name} ({spec.provider}/{spec.model_id})")
    return 0


def run_update(args) -> int:
    changes = _fields(args)
    if not changes:
        raise CLIError("nothing to change: give at least one flag, e.g. --input-price 2.5")
    spec = _lookup(catalog.update_model, args.model, changes)
    print(f"updated {spec.name}")
    return 0


def run_active(args) -> int:
    spec = _lookup(catalog.set_active, args.model, args.active)
    print(f"{spec.name} is now {'active' if spec.is_active else 'inactive'}")
    return 0


def run_delete(args) -> int:
    if not args.yes:
        raise CLIError(f"deleting '{args.model}' can't be undone; add --yes to confirm")
    _lookup(catalog.delete_model, args.model)
    print(f"deleted {args.model}")
    return 0


def run_import(args) -> int:
    if args.file == "-":
        if not args.format:
            raise CLIError("reading standard input: give --format csv or --format json")
        text = catalog_io.decode(sys.stdin.buffer.read()) if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CLIError(f"no such file: {args.file}")
        text = catalog_io.decode(path.read_bytes())
    fmt = args.format or catalog_io.format_of(args.file)
    if args.dry_run:
        plan = catalog_io.plan_import(text, fmt)
        if not plan.ok:
            raise CLIError("; ".join(f"{k}: {v}" for k, v in plan.errors.items()))
        print(f"ok: {plan.summary()} (dry run, nothing written)")
        return 0
    plan = catalog_io.import_models(text, fmt)
    print(f"imported: {plan.summary()}")
    return 0


def run_export(args) -> int:
    sys.stdout.write(catalog_io.export_models(args.format))
    return 0


def run_history(args) -> int:
    changes = _lookup(catalog_prices.history, args.model)
    if args.json:
        print(json.dumps([c.to_json() for c in changes], indent=2, ensure_ascii=False))
        return 0
    # Every column that a price version holds, tiers in words: two versions never print as the same line.
    print(f"{'WHEN (UTC)':<20} {'SOURCE':<13} {'BY':<16} {'IN':>9} {'OUT':>9} {'CACHE RD':>9} {'CACHE WR':>9} "
          f"{'WR 1H':>9}  LONG-CONTEXT TIERS")
    for c in changes:
        p = c.prices
        print(f"{c.changed_at:%Y-%m-%d %H:%M:%S}  {c.source:<13} {c.changed_by:<16} {_num(p.input_price):>9} "
              f"{_num(p.output_price):>9} {_num(p.cache_read_price):>9} {_num(p.cache_write_price):>9} "
              f"{_num(p.cache_write_1h_price):>9}  {describe_tiers(p.tiers)}")
    return 0


def run_check(args) -> int:
    diffs = catalog_prices.check_prices()
    if args.json:
        print(json.dumps([d.to_json() for d in diffs], indent=2, ensure_ascii=False))
        return 0
    if not diffs:
        print("the catalog matches genai-prices")
    for d in diffs:
        changes = ", ".join(f"tiers {describe_tiers(old)} -> {describe_tiers(new)}" if f == "tiers" else
                            f"{f.removesuffix('_price')} {_num(old)} -> {_num(new)}"
                            for f, (old, new) in d.changes.items())
        print(f"{d.name:<28} {changes}")
    return 0


def run_accept(args) -> int:
    if args.all == bool(args.models):
        raise CLIError("name the models to update, or give --all (not both)")
    if args.all:
        names = catalog_prices.accept_all()
    else:
        for name in args.models:  # validate every name before writing any
            _lookup(catalog.resolve, name, active_only=False)
        from ..storage.engine import session

        with session() as s, s.begin():
            names = [_lookup(catalog_prices.accept, n, session=s).name for n in args.models]
    print(f"updated from genai-prices: {', '.join(names) or 'nothing to change'}")
    return 0
