"""Monthly budgets for the team and per user: spend so far, a month-end projection, warnings and refusals.

The budget month is the calendar month in UTC (the ledger's zone). Spend counts priced calls only;
unpriced calls are counted beside it, never added as $0. The projection is linear:
spend so far / elapsed fraction of the month (so early in a month it swings widely).
A refused call is still written to the ledger (status "refused", no tokens, no cost), so it
shows in the request and error counts but never in spend.

Who sees what: admins every budget with its spend; a member the budgets that cover them, with the
figures of their own and their team's only. Everyone's budget shows them its amount and level, never
the organisation's spend (`as_seen_by`), in lists, warnings and refusals alike.

amounts.py: what an admin may set and how an amount reads; status.py: where a budget stands this month;
visibility.py: who sees which figures; limits.py: a call checked against its budgets (warn, refuse); changes.py:
setting and removing a budget. Which budgets cover a call is ../budget_scopes.py (read before every call, without
SQLAlchemy). Callers import from here.
"""

from ..budget_scopes import TEAM, TEAM_PREFIX, applies, covers, definitions, for_user, forget_cached
from .amounts import AMOUNT_RANGE, COLUMN_MAX, MAX_USD, MIN_USD, PLACES, money, parse_amount, stored_amount
from .changes import BudgetSaved, remove_budget, set_budget
from .limits import LEVELS, BudgetCheck, check, enforce, fix_command, message
from .status import BudgetStatus, month_bounds, projection, scope_label, statuses
from .visibility import as_seen_by, list_budgets, may_see

__all__ = [
    "AMOUNT_RANGE", "COLUMN_MAX", "LEVELS", "MAX_USD", "MIN_USD", "PLACES", "TEAM", "TEAM_PREFIX", "BudgetCheck",
    "BudgetSaved", "BudgetStatus", "applies", "as_seen_by", "check", "covers", "definitions", "enforce", "fix_command",
    "for_user", "forget_cached", "list_budgets", "may_see", "message", "money", "month_bounds", "parse_amount",
    "projection", "remove_budget", "scope_label", "set_budget", "statuses", "stored_amount",
]
