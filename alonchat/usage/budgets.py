"""Monthly budgets for the team and per user: spend so far, a month-end projection, warnings and refusals.

The budget month is the calendar month in UTC (the ledger's zone). Spend counts priced calls only;
unpriced calls are counted beside it, never added as $0. The projection is linear:
spend so far / elapsed fraction of the month (so early in a month it swings widely).
A refused call is still written to the ledger (status "refused", no tokens, no cost), so it
shows in the request and error counts but never in spend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, delete, select

from ..core.errors import BudgetExceededError, ValidationError
from ..core.pricing import plain_decimal as plain
from ..storage.engine import get_engine
from ..storage.tables import Budget, UsageMonthly, utcnow

# Which budgets cover a call is budget_scopes.py's (read before every call, without SQLAlchemy); its names are
# also this module's, where the pages, the CLI and the tests use them.
from .budget_scopes import TEAM, TEAM_PREFIX, applies, covers, definitions, for_user, forget_cached  # noqa: F401
from .rollups import month_of

LEVELS = ("ok", "soft", "hard")
_BUDGETS = Budget.__table__
_MONTHLY = UsageMonthly.__table__
_SPEND = select(_MONTHLY.c.user, _MONTHLY.c.team, _MONTHLY.c.cost_usd, _MONTHLY.c.unpriced_requests).where(
    _MONTHLY.c.month == bindparam("month"))


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the UTC calendar month containing `now`."""
    now = now.astimezone(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def projection(spent: Decimal, now: datetime) -> Decimal:
    """Month-end spend if the month goes on as it went so far: spent / elapsed fraction of the month."""
    start, end = month_bounds(now)
    elapsed = Decimal((now.astimezone(UTC) - start).total_seconds()) / Decimal((end - start).total_seconds())
    return spent / elapsed if elapsed > 0 else spent


def scope_label(scope: str) -> str:
    if scope == TEAM:
        return "the team"
    if scope.startswith(TEAM_PREFIX):
        return f"team '{scope[len(TEAM_PREFIX):]}'"
    return f"user '{scope}'"


@dataclass(frozen=True)
class BudgetStatus:
    """One budget with its month-to-date spend (priced calls) and where that puts it."""

    scope: str
    monthly_usd: Decimal
    soft_percent: int
    spent_usd: Decimal
    unpriced_requests: int
    projection_usd: Decimal
    reserved_usd: Decimal = Decimal(0)  # held by calls in flight (reservations.py)

    @property
    def percent(self) -> float:
        return float(self.spent_usd / self.monthly_usd * 100)

    @property
    def level(self) -> str:
        if self.spent_usd >= self.monthly_usd:
            return "hard"
        return "soft" if self.spent_usd * 100 >= self.monthly_usd * self.soft_percent else "ok"

    def as_json(self) -> dict:
        team = self.scope == TEAM
        named = self.scope.startswith(TEAM_PREFIX)
        return {"scope": "team" if team else self.scope, "user": None if team or named else self.scope,
                "team": self.scope[len(TEAM_PREFIX):] if named else None,
                "monthly_usd": float(self.monthly_usd), "soft_percent": self.soft_percent,
                "spent_usd": float(self.spent_usd), "percent": round(self.percent, 2),
                "projection_usd": float(self.projection_usd), "unpriced_requests": self.unpriced_requests,
                "reserved_usd": float(self.reserved_usd), "level": self.level}


@dataclass(frozen=True)
class BudgetCheck:
    """The most severe of the user's and the team's budgets; `message` is empty when all is ok."""

    level: str
    message: str
    budgets: tuple[BudgetStatus, ...] = ()


def statuses(conn, rows, now: datetime, held: list | None = None) -> list[BudgetStatus]:
    """Each budget in `rows` with its month's spend, plus what `held` (user, team, amount rows) reserves."""
    spend = conn.execute(_SPEND, {"month": month_of(now)}).all()
    out = []
    for scope, monthly, soft in rows:
        mine = [r for r in spend if covers(scope, r.user, r.team)]
        spent = sum((Decimal(str(r.cost_usd)) for r in mine), Decimal(0))
        unpriced = sum(int(r.unpriced_requests) for r in mine)
        reserved = sum((Decimal(str(h.amount_usd)) for h in held or () if covers(scope, h.user, h.team)),
                       Decimal(0))
        out.append(BudgetStatus(scope, plain(monthly), int(soft), spent, unpriced,
                                projection(spent, now), reserved))
    return out


def list_budgets(now: datetime | None = None) -> list[BudgetStatus]:
    """Every budget, the team's first, with spend so far and projection for the current UTC month."""
    from ..access.identity import actor

    now = now or utcnow()
    forget_cached()
    rows = definitions()
    who = actor()
    if not who.is_admin:  # a member sees the budgets that cover them, not other people's
        rows = for_user(who.email)
    if not rows:
        return []
    from .reservations import held_rows

    with get_engine().connect() as conn:
        return statuses(conn, rows, now, held_rows(conn, now))  # what calls in flight hold shows too


def _money(amount: str) -> str:
    return f"${Decimal(amount):,.2f}"


def fix_command(scope: str) -> str:
    """The CLI command that changes the budget of `scope`."""
    if scope == TEAM:
        return "python -m alonchat budget set --monthly <USD>"
    if scope.startswith(TEAM_PREFIX):
        return f"python -m alonchat budget set --monthly <USD> --team {scope[len(TEAM_PREFIX):]}"
    return f"python -m alonchat budget set --monthly <USD> --user {scope}"


def message(b: BudgetStatus, now: datetime) -> str:
    """The one-line warning or refusal for a budget at soft or hard level."""
    month = now.astimezone(UTC).strftime("%B %Y")
    who = scope_label(b.scope)
    fix = fix_command(b.scope)
    unpriced = f" ({b.unpriced_requests} unpriced calls are not counted)" if b.unpriced_requests else ""
    if b.level == "hard":
        return (f"The monthly budget of {who} is spent: {_money(b.spent_usd)} of {_money(b.monthly_usd)} "
                f"in {month} (UTC){unpriced}. New calls are refused until next month; raise the budget "
                f"on the Costs page or with `{fix}`.")
    return (f"{who[0].upper()}{who[1:]} has spent {_money(b.spent_usd)} of the {_money(b.monthly_usd)} monthly "
            f"budget ({b.percent:.0f}%, warning from {b.soft_percent}%) in {month} (UTC){unpriced}; "
            f"projected month-end {_money(b.projection_usd)}.")


def check(user: str, now: datetime | None = None) -> BudgetCheck:
    """Where `user` stands against their own, their team's and everyone's budget: ok, soft (warn) or hard (refuse)."""
    now = now or utcnow()
    rows = for_user(user)
    if not rows:  # the common case: no budget applies, and no database read while the cache is fresh
        return BudgetCheck("ok", "")
    with get_engine().connect() as conn:
        found = statuses(conn, rows, now)
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


def _scope(user: str | None, team: str | None = None) -> str:
    if user is not None and team is not None:
        raise ValidationError({"user": "Give a user or a team, not both."})
    if team is not None:
        name = team.strip()
        if not name or len(name) > 100 - len(TEAM_PREFIX):
            raise ValidationError({"team": "Give a team name of 1 to 94 characters."})
        return TEAM_PREFIX + name
    if user is None:
        return TEAM
    name = user.strip()
    if not name or name == TEAM or name.startswith(TEAM_PREFIX) or len(name) > 100:
        raise ValidationError({"user": "Give a user name of 1 to 100 characters (leave it out for the team budget)."})
    return name


def _audit(conn, scope: str, old: dict | None, new: dict | None, who) -> None:
    from ..access import audit

    action = "create" if old is None else "delete" if new is None else "update"
    audit.record("budget", scope, action, audit.diff(old, new), who.email, conn)


def set_budget(monthly_usd, user: str | None = None, soft_percent: int = 80, *, team: str | None = None) -> Budget:
    """Create or replace the monthly budget of `user`, of `team`, or (neither) of everyone; admins only, audited."""
    from ..access.identity import require_admin

    who = require_admin("change budgets")
    errors = {}
    try:
        amount = Decimal(str(monthly_usd).strip().lstrip("$"))
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["monthly_usd"] = f"{monthly_usd!r} is not an amount: give a positive number of US dollars, e.g. 50."
    try:
        soft = int(soft_percent)
        if str(soft_percent).strip() != str(soft) or not 1 <= soft <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors["soft_percent"] = f"{soft_percent!r} is not a percentage: give a whole number from 1 to 100."
    try:
        scope = _scope(user, team)
    except ValidationError as e:
        errors.update(e.errors)
    if errors:
        raise ValidationError(errors)
    from ..storage.engine import session

    with session() as s, s.begin():
        budget = s.scalars(select(Budget).where(Budget.scope == scope)).first()
        old = None if budget is None else {"monthly_usd": plain(budget.monthly_usd),
                                           "soft_percent": budget.soft_percent}
        if budget is None:
            budget = Budget(scope=scope, monthly_usd=amount, soft_percent=soft)
            s.add(budget)
        else:
            budget.monthly_usd, budget.soft_percent = amount, soft
        _audit(s.connection(), scope, old, {"monthly_usd": amount, "soft_percent": soft}, who)
    forget_cached()
    return budget


def remove_budget(user: str | None = None, *, team: str | None = None) -> None:
    """Delete the budget of `user`, `team` or everyone; says so when there is none (admins only, audited)."""
    from ..access.identity import require_admin

    who = require_admin("change budgets")
    scope = _scope(user, team)
    with get_engine().begin() as conn:
        old = conn.execute(select(_BUDGETS.c.monthly_usd, _BUDGETS.c.soft_percent)
                           .where(_BUDGETS.c.scope == scope)).first()
        if old is None:
            raise ValidationError({"": f"There is no budget for {scope_label(scope)}; "
                                           "`python -m alonchat budget list` shows the budgets."})
        conn.execute(delete(_BUDGETS).where(_BUDGETS.c.scope == scope))
        _audit(conn, scope, {"monthly_usd": plain(old.monthly_usd), "soft_percent": old.soft_percent}, None, who)
    forget_cached()
