"""`usage`: the ledger aggregated in SQL, for people (a table) and for tools (--json, --csv)."""

from __future__ import annotations

import json

from ..core.types import SOURCES
from ..usage import periods, reports
from ..usage.exports import to_csv
from . import add_command, whole

# The --json contract: the group key, then exactly these fields (other tools rely on them).
FIELDS = ("requests", "errors", "input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens",
          "cost_usd", "unpriced_requests")


def register(sub) -> None:
    p = add_command(sub, "usage", description="Dates are YYYY-MM-DD (whole days; --until includes its day) or ISO "
                                              "datetimes (--until exclusive), in --tz (default UTC).")
    p.add_argument("--since", help="first day (or instant) to include")
    p.add_argument("--until", help="last day to include (or the instant to stop before)")
    p.add_argument("--by", choices=("day", "model", "provider", "user", "team", "source"), help="one row per group")
    p.add_argument("--team", action="append", help="only this team's calls (repeatable)")
    p.add_argument("--source", action="append", choices=SOURCES,
                   help="only calls from this source (repeatable): " + ", ".join(SOURCES))
    p.add_argument("--tz", default="UTC", help="time zone for dates and days (IANA name; default UTC)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a JSON list of objects")
    out.add_argument("--csv", action="store_true", help="CSV with a header")
    p.set_defaults(func=run)
    cmds = p.add_subparsers(dest="usage_command", required=False, metavar="{show}")
    show_p = cmds.add_parser("show", help="one call's receipt: tokens × rates, the tier, the price version",
                             description="How one ledger row was priced: each token kind times its rate, "
                                         "which long-context tier applied and why, the price version, and "
                                         "whether the counts were reported or estimated.")
    show_p.add_argument("id", type=whole(), help="the usage row's id (the costs page's Raw rows show it)")
    show_p.add_argument("--json", action="store_true", help="the receipt as one JSON object")
    show_p.set_defaults(func=show)


def show(args) -> int:
    from ..usage.receipts import for_usage

    r = for_usage(args.id)
    if args.json:
        print(json.dumps(r.to_json(), indent=2))
        return 0
    e = r.extra
    charged = "unpriced" if e["charged_usd"] is None else f"${e['charged_usd_exact']}"
    print(f"usage #{e['usage_id']} · {e['created_at']} · {e['model']} ({e['provider']} · {e['model_id']}) · "
          f"{e['status']} · charged {charged}")
    print(r.to_text())
    if e["cost_mismatch"]:
        print("  flagged: the endpoint's reported cost disagrees with ours")
    return 0


def _filters(args) -> reports.Filters:
    periods.zone(args.tz)
    # An empty --since "" is a mistake (a shell variable that was not set), never "no filter".
    since = periods.parse_when(args.since, end=False, tz=args.tz) if args.since is not None else None
    until = periods.parse_when(args.until, end=True, tz=args.tz) if args.until is not None else None
    return reports.Filters(since=since, until=until, tz=args.tz, teams=tuple(args.team or ()),
                           sources=tuple(args.source or ()))


def rows_for(args) -> list[dict]:
    """The contract's objects: the group key (named like --by) plus FIELDS; cost null = unpriced."""
    f = _filters(args)
    rows = reports.breakdown(args.by, f) if args.by else reports.aggregate(f)
    keys = (args.by,) if args.by else ()
    return [reports.as_json({k: r[k] for k in (*keys, *FIELDS)}) for r in rows]


def _cost(value) -> str:
    return "unpriced" if value is None else f"${value:,.4f}"


def run(args) -> int:
    rows = rows_for(args)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif args.csv:
        print(to_csv(rows, ((args.by,) if args.by else ()) + FIELDS), end="")
    else:
        head = f"{(args.by or 'range'):<24} {'requests':>9} {'errors':>7} {'input':>12} {'cached':>10} " \
               f"{'output':>10} {'reasoning':>10} {'cost':>14} {'unpriced':>9}"
        print(head)
        for r in rows:
            label = str(r[args.by]) if args.by else "all"
            print(f"{label[:24]:<24} {r['requests']:>9,} {r['errors']:>7,} {r['input_tokens']:>12,} "
                  f"{r['cached_input_tokens']:>10,} {r['output_tokens']:>10,} {r['reasoning_tokens']:>10,} "
                  f"{_cost(r['cost_usd']):>14} {r['unpriced_requests']:>9,}")
    return 0
