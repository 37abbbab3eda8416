"""Monthly budgets for the team and per user: spend so far, a month-end projection, warnings and refusals.

The budget month is the calendar month in UTC (the ledger's zone). Spend counts priced calls only;
unpriced calls are counted beside it, never added as $0. The projection is linear:
spend so far / elapsed fraction of the month (so early in a month it swings widely).
A refused call is still written to the ledger (status "refused", no tokens, no cost), so it
shows in the request and error counts but never in spend.

Who sees what: admins every budget with its spend; a member the budgets that cover them, with the
figures of their own and their team's only. Everyone's budget shows them its amount and level, never
the organisation's spend (`as_seen_by`), in lists, warnings and refusals alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, delete, select

from ...core.errors import BudgetExceededError, PermissionDeniedError, ValidationError
from ...core.pricing import plain_decimal as plain
from ...core.text import no_control_chars, quoted
from ...storage.engine import get_engine
from ...storage.tables import Budget, UsageMonthly, utcnow

# Which budgets cover a call is budget_scopes.py's (read before every call, without SQLAlchemy); its names are
# also this module's, where the pages, the CLI and the tests use them.
from ..budget_scopes import TEAM, TEAM_PREFIX, applies, covers, definitions, for_user, forget_cached  # noqa: F401
from ..rollups import month_of

LEVELS = ("ok", "soft", "hard")
# What an admin may set: a nano-dollar (the catalog's price precision: tests and trials bound cheap calls with
# tiny budgets) to a billion dollars a month, to 9 decimals. The column (Numeric(24, 12)) holds 12 digits before
# the point and 12 after: 1e30 broke every read, and 1e-13 was stored as $0.00.
MIN_USD, MAX_USD, PLACES = Decimal("0.000000001"), Decimal(1_000_000_000), 9
COLUMN_MAX = Decimal(10) ** 12
AMOUNT_RANGE = f"from ${MIN_USD:f} to ${MAX_USD:,}"
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


def parse_amount(value) -> Decimal:
    """A monthly amount as given (text, a number, '$50'), checked against MIN_USD..MAX_USD and PLACES (ValueError)."""
    try:
        amount = Decimal(str(value).strip().lstrip("$"))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{quoted(value)} is not an amount: give a monthly budget in US dollars {AMOUNT_RANGE}, "
                         "e.g. 50.") from None
    if not amount.is_finite() or not MIN_USD <= amount <= MAX_USD:
        raise ValueError(f"{quoted(value)} is not an amount {AMOUNT_RANGE}: give a monthly budget in US dollars, "
                         "e.g. 50.")
    amount = amount.normalize()
    if amount.as_tuple().exponent < -PLACES:
        raise ValueError(f"{quoted(value)} has more than {PLACES} decimals: round the monthly budget to the "
                         "nano-dollar.")
    return plain(amount)


def stored_amount(value) -> Decimal | None:
    """A budget's amount as the database holds it, or None when it cannot be used (a row from before
    parse_amount: 1e30 overflowed every read, 1e-13 was stored as $0.00); such a budget is listed as
    'invalid' and enforces nothing until an admin sets or removes it."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return plain(amount) if amount.is_finite() and 0 < amount < COLUMN_MAX else None


def _shown(value) -> str:
    """A stored amount for the audit log, even an unusable one."""
    amount = stored_amount(value)
    return str(value) if amount is None else str(amount)


def scope_label(scope: str) -> str:
    if scope == TEAM:
        return "everyone"
    if scope.startswith(TEAM_PREFIX):
        return f"team '{scope[len(TEAM_PREFIX):]}'"
    return f"user {quoted(scope, 100)}"


def _level(spent: Decimal, monthly: Decimal | None, soft_percent: int) -> str:
    if monthly is None:
        return "invalid"
    if spent >= monthly:
        return "hard"
    return "soft" if spent * 100 >= monthly * soft_percent else "ok"


def _number(value) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class BudgetStatus:
    """One budget with its month-to-date spend (priced calls) and where that puts it.

    `monthly_usd` is None when the stored amount is unusable (level "invalid": enforces nothing).
    The spend figures are None when `hidden`: wider than the viewer may see (everyone's budget, to a member).
    """

    scope: str
    monthly_usd: Decimal | None
    soft_percent: int
    spent_usd: Decimal | None
    unpriced_requests: int | None
    projection_usd: Decimal | None
    reserved_usd: Decimal | None = Decimal(0)  # held by calls in flight (reservations.py)
    level: str = ""  # ok, soft, hard or invalid; computed from the figures when not given
    hidden: bool = False

    def __post_init__(self):
        if not self.level:
            object.__setattr__(self, "level", _level(self.spent_usd, self.monthly_usd, self.soft_percent))

    @property
    def percent(self) -> float | None:
        if self.spent_usd is None or self.monthly_usd is None:
            return None
        return float(self.spent_usd / self.monthly_usd * 100)

    @property
    def enforced(self) -> bool:
        return self.monthly_usd is not None

    def as_json(self) -> dict:
        team = self.scope == TEAM
        named = self.scope.startswith(TEAM_PREFIX)
        percent = self.percent
        return {"scope": "team" if team else self.scope, "user": None if team or named else self.scope,
                "team": self.scope[len(TEAM_PREFIX):] if named else None,
                "monthly_usd": _number(self.monthly_usd), "soft_percent": self.soft_percent,
                "spent_usd": _number(self.spent_usd), "percent": None if percent is None else round(percent, 2),
                "projection_usd": _number(self.projection_usd), "unpriced_requests": self.unpriced_requests,
                "reserved_usd": _number(self.reserved_usd), "level": self.level, "hidden": self.hidden}


def _viewer_is_admin() -> bool:
    """Whether whoever is acting may see every budget's figures (unknown, e.g. a worker thread: no)."""
    from ...access.identity import actor

    try:
        return actor().is_admin
    except PermissionDeniedError:
        return False


def may_see(scope: str, user: str, team: str) -> bool:
    """Whether `user` (of `team`) may see the spend behind budget `scope`: their own, their team's (admins: all)."""
    return scope == user or (bool(team) and scope == TEAM_PREFIX + team) or _viewer_is_admin()


def as_seen_by(b: BudgetStatus, user: str, team: str) -> BudgetStatus:
    """`b` as `user` may see it: its amount and level always, the spend only when may_see() says so."""
    if may_see(b.scope, user, team):
        return b
    return replace(b, spent_usd=None, unpriced_requests=None, projection_usd=None, reserved_usd=None,
                   level=b.level, hidden=True)


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
        out.append(BudgetStatus(scope, stored_amount(monthly), int(soft), spent, unpriced,
                                projection(spent, now), reserved))
    return out


def list_budgets(now: datetime | None = None) -> list[BudgetStatus]:
    """Every budget, everyone's first, with spend so far and projection for the current UTC month.

    A member gets the budgets that cover them, with the spend of their own and their team's only.
    """
    from ...access.identity import actor
    from ...access.teams import team_of

    now = now or utcnow()
    forget_cached()
    rows = definitions()
    who = actor()
    team = "" if who.is_admin else team_of(who.email)
    if not who.is_admin:  # a member sees the budgets that cover them, not other people's
        rows = for_user(who.email, team)
    if not rows:
        return []
    from ..reservations import held_rows

    with get_engine().connect() as conn:
        return [as_seen_by(b, who.email, team)  # what calls in flight hold shows too
                for b in statuses(conn, rows, now, held_rows(conn, now))]


def _money(amount) -> str:
    """Dollars and cents, or every decimal of a sub-cent amount (a $0.005 budget is not "$0.01")."""
    amount = Decimal(amount)
    return f"${amount:,.2f}" if amount == round(amount, 2) else f"${amount.normalize():,f}"


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
            return (f"The monthly budget of {who} ({_money(b.monthly_usd)}) is spent for {month} (UTC). New calls are "
                    "refused until next month; ask an admin to raise it.")
        return (f"The spend of {who} has passed {b.soft_percent}% of its {_money(b.monthly_usd)} monthly budget "
                f"in {month} (UTC).")
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
        now = f"{_money(self.monthly_usd)} a month, warning from {self.soft_percent}%"
        who = scope_label(self.scope)
        if self.previous is None:
            return f"Created the monthly budget of {who}: {now}."
        if not self.changed:
            return f"The monthly budget of {who} was already {now}; nothing changed."
        amount, soft = self.previous
        was = f"{'an invalid amount' if amount is None else _money(amount)}, warning from {soft}%"
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
        old = None if budget is None else {"monthly_usd": _shown(budget.monthly_usd),
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
        _audit(conn, scope, {"monthly_usd": _shown(old.monthly_usd), "soft_percent": old.soft_percent}, None, who)
    forget_cached()
