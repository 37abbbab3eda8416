"""Where a budget stands this month: spend so far (priced calls only), what calls in flight hold, the projection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import bindparam, select

from ...core.text import quoted
from ...storage.tables import UsageMonthly
from ..budget_scopes import TEAM, TEAM_PREFIX, covers
from ..rollups import month_of
from .amounts import stored_amount

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
