"""`arena`: import and export blind battles in LMArena's columns, and print the Bradley–Terry leaderboard."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import CLIError, add_command

VOTE_CHOICES = ("model_a", "model_b", "tie", "both_bad")


def register(sub) -> None:
    p = add_command(sub, "arena", description="Battles use LMArena's columns: model_a, model_b, winner (model_a, "
                                              "model_b, tie, both_bad); other columns are kept.")
    cmd = p.add_subparsers(dest="arena_command", required=True)
    i = cmd.add_parser("import", help="add battles from a CSV, JSON Lines or JSON file, all or nothing")
    i.add_argument("file", help="the file, or - for standard input (then give --format)")
    i.add_argument("--format", choices=("csv", "jsonl", "json"), help="default: from the file's extension")
    i.add_argument("--team", help="put every battle in this team (default: the file's team column, else none)")
    i.set_defaults(func=run_import)
    e = cmd.add_parser("export", help="the voted battles in LMArena's columns (CSV or JSON Lines)")
    e.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    e.add_argument("--output", "-o", help="write to this file instead of standard output")
    _filters(e)
    b = cmd.add_parser("leaderboard", help="Bradley–Terry ratings with 95%% intervals, ranks, win rates and cost",
                       description="Ratings on LMArena's scale (1000 + 400·log10 strength) with sandwich 95%% "
                                   "intervals; a rank differs only where the intervals separate.")
    b.add_argument("--json", action="store_true", help="a JSON list: model, rating, rating_lower, rating_upper, "
                                                       "rank, battles, win_rate, median_cost_usd")
    _filters(b)
    b.set_defaults(func=run_leaderboard)
    e.set_defaults(func=run_export)


def _filters(p) -> None:
    p.add_argument("--since", help="first day (YYYY-MM-DD) or instant (ISO) of the votes to count")
    p.add_argument("--until", help="last day to count (or the instant to stop before)")
    p.add_argument("--tz", default="UTC", help="time zone of the dates (IANA name; default UTC)")
    p.add_argument("--team", action="append", help="only this team's votes (repeatable)")
    p.add_argument("--category", action="append", help="only votes with this category tag (repeatable)")
    p.add_argument("--vote", action="append", choices=VOTE_CHOICES,
                   help="count only these votes (repeatable; default all, both_bad as a tie)")
    p.add_argument("--exclude-flagged", action="store_true",
                   help="leave out votes where an answer named its own model or vendor")


def _to_filters(args):
    from ..arena.leaderboard import Filters
    from ..usage import periods

    periods.zone(args.tz)
    since = periods.parse_when(args.since, end=False, tz=args.tz) if args.since is not None else None
    until = periods.parse_when(args.until, end=True, tz=args.tz) if args.until is not None else None
    return Filters(since=since, until=until, teams=tuple(args.team or ()), categories=tuple(args.category or ()),
                   votes=tuple(dict.fromkeys(args.vote)) if args.vote else VOTE_CHOICES,
                   flagged=not args.exclude_flagged)


def run_import(args) -> int:
    from ..arena import io as arena_io
    from ..catalog.io import decode

    if args.file == "-":
        if not args.format:
            raise CLIError("reading standard input: give --format csv, jsonl or json")
        text = decode(sys.stdin.buffer.read()) if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CLIError(f"no such file: {args.file}")
        text = decode(path.read_bytes())
    fmt = args.format or arena_io.format_of(args.file)
    count = arena_io.import_battles(text, fmt, team=args.team, source=Path(args.file).name)
    print(f"imported {count:,} battles")
    return 0


def run_export(args) -> int:
    from ..arena import io as arena_io

    text = arena_io.export(_to_filters(args), args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {text.count(chr(10)) - (args.format == 'csv'):,} battles to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _bound(value) -> str:
    return "open" if value is None else f"{value:.0f}"


def run_leaderboard(args) -> int:
    from ..arena import leaderboard

    board = leaderboard.board(_to_filters(args))
    if args.json:
        print(json.dumps(leaderboard.as_json(board), indent=2))
        return 0
    if not board.rows:
        print("no votes match (import battles with `alonchat arena import FILE`, or vote in the playground's "
              "blind mode)")
        return 0
    print(f"{'rank':>4}  {'model':<32} {'rating':>7}  {'95% interval':>13} {'battles':>8} {'win rate':>9} "
          f"{'cost/answer':>12}")
    for r in board.rows:
        cost = "unknown" if r.median_cost_usd is None else f"${r.median_cost_usd:.6f}"
        interval = f"{_bound(r.rating_lower):>6}–{_bound(r.rating_upper):<6}"
        print(f"{r.rank:>4}  {r.model[:32]:<32} {r.rating:>7.0f}  {interval} {r.battles:>8,} {r.win_rate:>9.1%} "
              f"{cost:>12}")
    notes = [f"{board.votes:,} vote{'s' if board.votes != 1 else ''}"]
    if board.flagged:
        notes.append(f"{board.flagged:,} where an answer named its own model")
    if board.groups > 1:
        notes.append(f"the models form {board.groups} groups that never met: ratings compare only within one")
    if board.position is not None:
        lo, hi = board.position.interval
        notes.append(f"left answer won {board.position.share:.1%} of decisive votes (95%: {lo:.1%}–{hi:.1%})")
    print("; ".join(notes))
    return 0
