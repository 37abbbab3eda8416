"""Which budgets cover a call: their definitions, read before every call, and whom each one covers.

Every call asks, so this module loads no SQLAlchemy: on SQLite the definitions are read straight on the
driver, and kept a few seconds. A call that no budget covers holds nothing and reads no spend
(usage/reservations.py, usage/budgets/ do the rest when one does).
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from ..storage import sqlite

TEAM = "*"  # everyone: the whole organisation's budget
TEAM_PREFIX = "team:"  # "team:<name>" is the budget of one team (teams.py maps users to teams)
# Budget definitions change rarely and are read before every call: keep them for a few seconds.
# Changes made in this process apply at once; a change made by another process within CACHE_SECONDS.
CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, tuple]] = {}  # database URL -> (monotonic time read, rows)
_cache_lock = threading.Lock()
_DEFINITIONS = "SELECT scope, monthly_usd, soft_percent FROM budgets ORDER BY scope != ?, scope"


def definitions() -> tuple:
    """(scope, monthly_usd, soft_percent) of every budget, the team's first; cached per database."""
    key = sqlite.resolve_url(sqlite.database_url())
    with _cache_lock:
        at, rows = _cache.get(key, (float("-inf"), ()))
        if time.monotonic() - at <= CACHE_SECONDS:
            return rows
    with sqlite.fast_path() as dbapi:
        if dbapi is not None:
            # monthly_usd as SQLAlchemy's Numeric(24, 12) reads it back, so both paths give the same Decimal
            rows = tuple((scope, Decimal(f"{monthly:.12f}"), soft)
                         for scope, monthly, soft in dbapi.execute(_DEFINITIONS, (TEAM,)).fetchall())
        else:
            rows = _definitions_core()
    with _cache_lock:
        _cache[key] = (time.monotonic(), rows)
    return rows


def _definitions_core() -> tuple:
    from sqlalchemy import select

    from ..storage.engine import get_engine
    from ..storage.tables import Budget

    b = Budget.__table__
    with get_engine().connect() as conn:
        return tuple(tuple(r) for r in conn.execute(
            select(b.c.scope, b.c.monthly_usd, b.c.soft_percent).order_by(b.c.scope != TEAM, b.c.scope)))


def forget_cached() -> None:
    """Read budget definitions afresh on the next check (after a change here or elsewhere)."""
    with _cache_lock:
        _cache.clear()


def applies(scope: str, user: str, team: str) -> bool:
    """Whether the budget `scope` covers a call by `user` of `team`."""
    return scope in (TEAM, user) or (bool(team) and scope == TEAM_PREFIX + team)


def covers(scope: str, row_user: str, row_team: str) -> bool:
    """Whether spend by `row_user` (in `row_team` then) counts against the budget `scope`."""
    if scope == TEAM:
        return True
    if scope.startswith(TEAM_PREFIX):
        return row_team == scope[len(TEAM_PREFIX):]
    return row_user == scope


def for_user(user: str, team: str | None = None) -> list[tuple]:
    """The budget definitions that cover `user` (theirs, their team's, everyone's); team looked up when None."""
    rows = definitions()
    if not rows:
        return []
    if team is None:
        from ..access.teams import team_of

        team = team_of(user)
    return [r for r in rows if applies(r[0], user, team)]
