"""Hard budgets as a real bound: hold a call's worst-case cost before sending, settle it when the call ends.

A call reserves its ceiling (estimated input plus its maximum output, at the model's prices) in
`budget_reservations`, inside a transaction that serialises every reserver across threads,
processes and app replicas (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory
lock). It is refused when spent + held by calls in flight + its ceiling passes any budget that covers
it. When the call ends (ok, failed or cancelled) the ledger row is written first and the reservation
deleted after, so a reader always counts the call once or twice, never zero times. Together, calls
can pass a limit only by how much their real cost exceeds their ceiling: the input estimate's error.

A free model (ceiling 0) never reserves and is never blocked; an unpriced model cannot be bounded,
so it is refused only once the budget is spent (as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, text

from ..core.errors import BudgetExceededError
from ..storage.engine import get_engine
from ..storage.tables import BudgetReservation, utcnow
from . import budgets
from .rollups import month_of

_TABLE = BudgetReservation.__table__
# A reservation left by a process that died mid-call stops holding money after this long.
STALE_AFTER = timedelta(hours=1)
_HELD = select(_TABLE.c.user, _TABLE.c.team, _TABLE.c.amount_usd).where(
    _TABLE.c.month == bindparam("month"), _TABLE.c.created_at > bindparam("fresh"))
_LOCK_KEY = 0x416C6F6E  # "Alon": the advisory lock every reserver takes on PostgreSQL


@dataclass(frozen=True)
class Reservation:
    """Money held for one call in flight; `release` it when the call has been recorded."""

    id: int
    amount_usd: Decimal


def _money(amount: Decimal) -> str:
    return f"${amount:,.4f}" if amount < 1 else f"${amount:,.2f}"


def _refusal(b: budgets.BudgetStatus, ceiling: Decimal, now: datetime, user: str, team: str) -> str:
    """Why the call is refused, with the figures `user` may see (everyone's spend only for admins)."""
    b = budgets.as_seen_by(b, user, team)
    if b.level == "hard":
        return budgets.message(b, now)
    if b.hidden:
        return (f"This call could cost up to {_money(ceiling)} (its estimated input plus its maximum output), more "
                f"than is left of the {_money(b.monthly_usd)} monthly budget of {budgets.scope_label(b.scope)}. "
                "Lower Max tokens, pick a cheaper model, or ask an admin to raise the budget.")
    left = max(b.monthly_usd - b.spent_usd - b.reserved_usd, Decimal(0))
    held = f", {_money(b.reserved_usd)} of it held by calls in flight" if b.reserved_usd else ""
    return (f"This call could cost up to {_money(ceiling)} (its estimated input plus its maximum output), and "
            f"only {_money(left)} of the {_money(b.monthly_usd)} monthly budget of {budgets.scope_label(b.scope)} "
            f"is left ({_money(b.spent_usd)} spent{held}). Lower Max tokens, pick a cheaper model, or raise the "
            f"budget on the Costs page or with `{budgets.fix_command(b.scope)}`.")


def reserve(user: str, team: str, ceiling: Decimal | None, now: datetime | None = None) -> Reservation | None:
    """Hold `ceiling` against every budget covering the call, or raise BudgetExceededError (None: nothing held)."""
    now = now or utcnow()
    rows = budgets.for_user(user, team)
    if not rows or ceiling == 0:
        return None  # no budget applies, or a free model: nothing to hold, nothing to refuse
    if ceiling is None:  # unpriced: no bound is possible; refuse only a spent budget
        budgets.enforce(user, now)
        return None
    engine = get_engine()
    params = {"month": month_of(now), "fresh": now - STALE_AFTER}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not at the insert
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        try:
            # Held money first, spend second: a call settling in between is then counted twice, never missed.
            held = held_rows(conn, now)
            for b in budgets.statuses(conn, rows, now, held):
                if b.enforced and b.spent_usd + b.reserved_usd + ceiling > b.monthly_usd:
                    raise BudgetExceededError(_refusal(b, ceiling, now, user, team))
            rid = conn.execute(insert(_TABLE).values(user=user, team=team or "", month=params["month"],
                                                     amount_usd=ceiling, created_at=now)).inserted_primary_key[0]
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return Reservation(rid, ceiling)


def release(reservation: Reservation | None) -> None:
    """Drop the hold once the call's real cost is in the ledger (ok, failed or cancelled alike)."""
    if reservation is None:
        return
    with get_engine().begin() as conn:
        conn.execute(delete(_TABLE).where(_TABLE.c.id == reservation.id))


def held_rows(conn, now: datetime) -> list:
    """(user, team, amount_usd) of every hold this month that is not stale: what calls in flight reserve."""
    return conn.execute(_HELD, {"month": month_of(now), "fresh": now - STALE_AFTER}).all()


def held(now: datetime | None = None) -> Decimal:
    """Money held by calls in flight this month (for pages and tests)."""
    now = now or utcnow()
    with get_engine().connect() as conn:
        rows = held_rows(conn, now)
    return sum((Decimal(str(r.amount_usd)) for r in rows), Decimal(0))
