"""Setting and removing a budget: admins only, every change checked first and written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select

from ...core.errors import ValidationError
from ...core.text import no_control_chars, quoted
from ...storage.engine import get_engine
from ...storage.tables import Budget
from ..budget_scopes import TEAM, TEAM_PREFIX, forget_cached
from .amounts import money, parse_amount, shown, stored_amount
from .status import scope_label

_BUDGETS = Budget.__table__


def _scope(user: str | None, team: str | None = None, *, new: bool = True) -> str:
    """The scope a user or team names; `new` (a budget being set) also refuses control and invisible characters,
    while removing finds a row stored before that check by its name as it is."""
    if user is not None and team is not None:
        raise ValidationError({"user": "Give a user or a team, not both."})
    if team is not None:
        name = _name(team, "team", f"Give a team name of 1 to {100 - len(TEAM_PREFIX)} characters.",
                     100 - len(TEAM_PREFIX), new)
        return TEAM_PREFIX + name
    if user is None:
        return TEAM
    name = _name(user, "user", "Give a user name of 1 to 100 characters (leave it out for everyone's budget).", 100,
                 new)
    if name == TEAM or name.startswith(TEAM_PREFIX):
        raise ValidationError({"user": f"{quoted(name)} is not a user name; use --team for a team's budget."})
    return name


def _name(value: str, field: str, fix: str, most: int, new: bool) -> str:
    """A user or team name as stored: trimmed, 1 to `most` characters, no control or invisible characters."""
    name = str(value).strip()
    if not name or len(name) > most:
        raise ValidationError({field: fix})
    if not new:
        return name
    try:
        return no_control_chars(name)
    except ValueError as e:
        raise ValidationError({field: f"The {field} name {quoted(name)} {e}"}) from None


def _audit(conn, scope: str, old: dict | None, new: dict | None, who) -> None:
    from ...access import audit

    action = "create" if old is None else "delete" if new is None else "update"
    audit.record("budget", scope, action, audit.diff(old, new), who.email, conn)


@dataclass(frozen=True)
class BudgetSaved:
    """What set_budget did: the budget as it now stands, and what it was (None: it is new)."""

    scope: str
    monthly_usd: Decimal
    soft_percent: int
    previous: tuple[Decimal | None, int] | None = None  # (amount, None when unusable; warn-at percent)

    @property
    def changed(self) -> bool:
        return self.previous != (self.monthly_usd, self.soft_percent)

    @property
    def message(self) -> str:
        """One line saying what the save did, for the page and the CLI alike."""
        now = f"{money(self.monthly_usd)} a month, warning from {self.soft_percent}%"
        who = scope_label(self.scope)
        if self.previous is None:
            return f"Created the monthly budget of {who}: {now}."
        if not self.changed:
            return f"The monthly budget of {who} was already {now}; nothing changed."
        amount, soft = self.previous
        was = f"{'an invalid amount' if amount is None else money(amount)}, warning from {soft}%"
        return f"Changed the monthly budget of {who} to {now} (was {was})."


def set_budget(monthly_usd, user: str | None = None, soft_percent: int = 80, *,
               team: str | None = None) -> BudgetSaved:
    """Create or replace the monthly budget of `user`, of `team`, or (neither) of everyone; admins only, audited.

    The amount is checked by parse_amount (a cent to a billion dollars); the result says what was done.
    """
    from ...access.identity import require_admin

    who = require_admin("change budgets")
    errors = {}
    try:
        amount = parse_amount(monthly_usd)
    except ValueError as e:
        errors["monthly_usd"] = str(e)
    try:
        soft = int(soft_percent)
        if str(soft_percent).strip() != str(soft) or not 1 <= soft <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors["soft_percent"] = (f"{quoted(soft_percent)} is not a percentage: give the warning level as a whole "
                                  "number from 1 to 100, e.g. 80.")
    try:
        scope = _scope(user, team)
    except ValidationError as e:
        errors.update(e.errors)
    if errors:
        raise ValidationError(errors)
    from ...storage.engine import session

    with session() as s, s.begin():
        budget = s.scalars(select(Budget).where(Budget.scope == scope)).first()
        saved = BudgetSaved(scope, amount, soft, None if budget is None else (
            stored_amount(budget.monthly_usd), budget.soft_percent))
        if not saved.changed:
            return saved
        old = None if budget is None else {"monthly_usd": shown(budget.monthly_usd),
                                           "soft_percent": budget.soft_percent}
        if budget is None:
            s.add(Budget(scope=scope, monthly_usd=amount, soft_percent=soft))
        else:
            budget.monthly_usd, budget.soft_percent = amount, soft
        _audit(s.connection(), scope, old, {"monthly_usd": str(amount), "soft_percent": soft}, who)
    forget_cached()
    return saved


def remove_budget(user: str | None = None, *, team: str | None = None) -> None:
    """Delete the budget of `user`, `team` or everyone; says so when there is none (admins only, audited)."""
    from ...access.identity import require_admin

    who = require_admin("change budgets")
    scope = _scope(user, team, new=False)
    with get_engine().begin() as conn:
        old = conn.execute(select(_BUDGETS.c.monthly_usd, _BUDGETS.c.soft_percent)
                           .where(_BUDGETS.c.scope == scope)).first()
        if old is None:
            raise ValidationError({"": f"There is no budget for {scope_label(scope)}; "
                                           "`python -m alonchat budget list` shows the budgets."})
        conn.execute(delete(_BUDGETS).where(_BUDGETS.c.scope == scope))
        _audit(conn, scope, {"monthly_usd": shown(old.monthly_usd), "soft_percent": old.soft_percent}, None, who)
    forget_cached()
