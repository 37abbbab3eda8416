"""A call against the budgets that cover its user: ok, a warning (soft) or a refusal (hard), in one line that says
how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ...core.errors import BudgetExceededError
from ...storage.engine import get_engine
from ...storage.tables import utcnow
from ..budget_scopes import TEAM, TEAM_PREFIX, for_user
from .amounts import money
from .status import BudgetStatus, scope_label, statuses
from .visibility import as_seen_by

LEVELS = ("ok", "soft", "hard")


@dataclass(frozen=True)
class BudgetCheck:
    """The most severe of the user's and the team's budgets; `message` is empty when all is ok."""

    level: str
    message: str
    budgets: tuple[BudgetStatus, ...] = ()


def fix_command(scope: str) -> str:
    """The CLI command that changes the budget of `scope`."""
    if scope == TEAM:
        return "python -m alonchat budget set --monthly <USD>"
    if scope.startswith(TEAM_PREFIX):
        return f"python -m alonchat budget set --monthly <USD> --team {scope[len(TEAM_PREFIX):]}"
    return f"python -m alonchat budget set --monthly <USD> --user {scope}"


def message(b: BudgetStatus, now: datetime) -> str:
    """The one-line warning or refusal for a budget at soft or hard level (without figures the viewer may not see)."""
    month = now.astimezone(UTC).strftime("%B %Y")
    who = scope_label(b.scope)
    fix = fix_command(b.scope)
    if b.hidden:
        if b.level == "hard":
            return (f"The monthly budget of {who} ({money(b.monthly_usd)}) is spent for {month} (UTC). New calls are "
                    "refused until next month; ask an admin to raise it.")
        return (f"The spend of {who} has passed {b.soft_percent}% of its {money(b.monthly_usd)} monthly budget "
                f"in {month} (UTC).")
    unpriced = f" ({b.unpriced_requests} unpriced calls are not counted)" if b.unpriced_requests else ""
    if b.level == "hard":
        return (f"The monthly budget of {who} is spent: {money(b.spent_usd)} of {money(b.monthly_usd)} "
                f"in {month} (UTC){unpriced}. New calls are refused until next month; raise the budget "
                f"on the Costs page or with `{fix}`.")
    return (f"{who[0].upper()}{who[1:]} has spent {money(b.spent_usd)} of the {money(b.monthly_usd)} monthly "
            f"budget ({b.percent:.0f}%, warning from {b.soft_percent}%) in {month} (UTC){unpriced}; "
            f"projected month-end {money(b.projection_usd)}.")


def check(user: str, now: datetime | None = None) -> BudgetCheck:
    """Where `user` stands against their own, their team's and everyone's budget: ok, soft (warn) or hard (refuse)."""
    from ...access.teams import team_of

    now = now or utcnow()
    rows = for_user(user)
    if not rows:  # the common case: no budget applies, and no database read while the cache is fresh
        return BudgetCheck("ok", "")
    with get_engine().connect() as conn:
        team = team_of(user)
        found = [as_seen_by(b, user, team) for b in statuses(conn, rows, now) if b.enforced]
    if not found:
        return BudgetCheck("ok", "")
    worst = max(found, key=lambda b: (LEVELS.index(b.level), b.scope != TEAM))
    if worst.level == "ok":
        return BudgetCheck("ok", "", tuple(found))
    return BudgetCheck(worst.level, message(worst, now), tuple(found))


def enforce(user: str, now: datetime | None = None) -> BudgetCheck:
    """Raise BudgetExceededError when the user's or the team's hard limit is reached; else return the check."""
    result = check(user, now)
    if result.level == "hard":
        raise BudgetExceededError(result.message)
    return result
