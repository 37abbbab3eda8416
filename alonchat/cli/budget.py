"""`budget`: monthly spend limits for everyone, a team or one user, from the terminal."""

from __future__ import annotations

import json

from ..core.errors import ValidationError
from ..usage import budgets
from . import CLIError, add_command


def register(sub) -> None:
    p = add_command(sub, "budget")
    bsub = p.add_subparsers(dest="budget_command", required=True)
    s = bsub.add_parser("set", help="create or change a monthly budget")
    s.add_argument("--monthly", required=True, metavar="USD",
                   help=f"monthly limit in US dollars ({budgets.AMOUNT_RANGE})")
    s.add_argument("--user", help="whose budget (default: everyone's)")
    s.add_argument("--team", help="a team's budget (see `alonchat teams`)")
    s.add_argument("--soft-percent", default="80", metavar="N",
                   help="warn from this percentage of the budget (1-100, default 80)")
    s.set_defaults(func=run_set)
    ls = bsub.add_parser("list", help="budgets with spend so far, money held by calls in flight, month-end projection")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    rm = bsub.add_parser("remove", help="delete a budget")
    rm.add_argument("--user", help="whose budget (default: everyone's)")
    rm.add_argument("--team", help="a team's budget")
    rm.set_defaults(func=run_remove)


def run_set(args) -> int:
    try:
        saved = budgets.set_budget(args.monthly, user=args.user, soft_percent=args.soft_percent, team=args.team)
    except ValidationError as e:  # each message says what to give, without the engine's field names
        raise CLIError(" ".join(e.errors.values()) + " Nothing was saved.") from None
    print(saved.message)
    return 0


def _usd(value, places: int) -> str:
    """Dollars to `places` decimals ("hidden" when the viewer may not see the figure, "-" when unknown)."""
    return "hidden" if value is None else f"${value:,.{places}f}"


def run_list(args) -> int:
    rows = budgets.list_budgets()
    if args.json:
        print(json.dumps([b.as_json() for b in rows], indent=2))
        return 0
    if not rows:
        print("No budgets. Set one with `python -m alonchat budget set --monthly USD [--user NAME]`.")
        return 0
    print(f"{'scope':<20} {'monthly':>12} {'spent':>12} {'used':>7} {'held':>12} {'projected':>12} {'warn at':>8} "
          "level")
    for b in rows:
        scope = "everyone" if b.scope == budgets.TEAM else b.scope
        extra = f" ({b.unpriced_requests} unpriced calls not counted)" if b.unpriced_requests else ""
        # Held: reserved by calls in flight (or by a process that died, until the hold goes stale), so refused
        # calls are explained even while spend looks low.
        if not b.enforced:
            extra = f" (not enforced: set it again with `{budgets.fix_command(b.scope)}`, or remove it)"
        elif b.hidden:
            extra = " (everyone's spend is shown to admins only)"
        monthly = "invalid" if b.monthly_usd is None else _usd(b.monthly_usd, 2)
        used = "-" if b.percent is None else f"{b.percent:.1f}%"
        print(f"{scope:<20} {monthly:>12} {_usd(b.spent_usd, 4):>12} {used:>7} "
              f"{_usd(b.reserved_usd, 4):>12} {_usd(b.projection_usd, 2):>12} {b.soft_percent:>7}% {b.level}{extra}")
    return 0


def run_remove(args) -> int:
    budgets.remove_budget(args.user, team=args.team)
    scope = budgets.TEAM_PREFIX + args.team.strip() if args.team else (args.user or "").strip() or budgets.TEAM
    print(f"Removed the monthly budget of {budgets.scope_label(scope)}.")
    return 0
