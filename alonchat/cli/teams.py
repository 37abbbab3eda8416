"""`teams` and `audit`: who belongs to which team, and who changed what, from the terminal (a local admin)."""

from __future__ import annotations

import json

from ..access import audit, teams
from . import add_command, whole


def register(sub) -> None:
    p = add_command(sub, "teams")
    tsub = p.add_subparsers(dest="teams_command", required=True)
    s = tsub.add_parser("set", help="put a user (name or email) or every address of an @domain in a team")
    s.add_argument("pattern", metavar="MEMBER", help="alice (a user name, as without sign-in), ana@example.com "
                                                      "or @example.com")
    s.add_argument("team")
    s.set_defaults(func=run_set)
    ls = tsub.add_parser("list", help="the map, user, email or domain -> team")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    rm = tsub.add_parser("remove", help="take a user, email or domain out of its team")
    rm.add_argument("pattern", metavar="MEMBER")
    rm.set_defaults(func=run_remove)
    a = add_command(sub, "audit")
    a.add_argument("--entity", choices=audit.ENTITIES)
    a.add_argument("--limit", type=whole(1, 100_000), default=50, help="the newest N entries (default 50)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_audit)


def run_set(args) -> int:
    teams.assign(args.pattern, args.team)
    print(f"{args.pattern.strip().lower()} is in team {args.team.strip()}.")
    return 0


def run_list(args) -> int:
    rows = teams.mapping()
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
    elif not rows:
        print("No teams. Add one with `python -m alonchat teams set @example.com research`.")
    else:
        for pattern, team in sorted(rows.items()):
            print(f"{pattern:<40} {team}")
    return 0


def run_remove(args) -> int:
    teams.unassign(args.pattern)
    print(f"{args.pattern.strip().lower()} is in no team now.")
    return 0


def run_audit(args) -> int:
    rows = audit.entries(args.entity, limit=args.limit)
    if args.json:  # the stored entries as they are, for scripts
        print(json.dumps([{"at": e.at.isoformat(), "actor": e.actor, "entity": e.entity, "subject": e.subject,
                           "action": e.action, "changes": e.changes} for e in rows], indent=2))
        return 0
    for e in audit.merged(rows):  # one line per change
        print(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor:<24} {e.entity} {e.action} {e.subject}: {e.describe()}")
    if not rows:
        print("No changes recorded.")
    return 0
