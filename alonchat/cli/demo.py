"""`demo-data`: fill the ledger with synthetic usage so the cost dashboard can be tried at once."""

from __future__ import annotations

import sys
import time

from ..usage import demo
from . import CLIError, add_command


def register(sub) -> None:
    p = add_command(sub, "demo-data")
    p.add_argument("--rows", type=int, required=True, metavar="N", help="how many calls to write")
    p.add_argument("--days", type=int, default=30, metavar="D", help="spread over the last D days (default 30)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed, for repeatable data")
    p.set_defaults(func=run)


def _bar(started: float):
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        rate = done / max(time.perf_counter() - started, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done * 100 // total:3d}% "
                         f"{done:,}/{total:,} rows  {rate:,.0f} rows/s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def run(args) -> int:
    if not 1 <= args.rows <= 50_000_000:
        raise CLIError(f"--rows {args.rows}: give a number of calls from 1 to 50,000,000.")
    if not 1 <= args.days <= 3650:
        raise CLIError(f"--days {args.days}: give a number of days from 1 to 3650.")
    try:
        written = demo.generate(args.rows, args.days, seed=args.seed, progress=_bar(time.perf_counter()))
    except KeyboardInterrupt:  # the one transaction is rolled back: say so before the usual "interrupted"
        sys.stderr.write("\nNo demo calls were written: they are committed together, once all are ready.\n")
        raise
    print(f"Wrote {written:,} demo calls over the last {args.days} days. "
          "See them with `python -m alonchat usage --by model` or on the Costs page.")
    return 0
