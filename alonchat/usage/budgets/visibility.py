"""Who sees what of a budget: admins every figure; a member the spend of their own and their team's budgets only,
and of everyone's budget its amount and level, never the organisation's spend."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ...core.errors import PermissionDeniedError
from ...storage.engine import get_engine
from ...storage.tables import utcnow
from ..budget_scopes import TEAM_PREFIX, definitions, for_user, forget_cached
from .status import BudgetStatus, statuses


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
