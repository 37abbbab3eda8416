"""Teams: which team a user belongs to, from an admin-kept map of exact emails and @domains (an email wins)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import delete, select

from ..core.errors import ValidationError
from ..storage.engine import get_engine
from ..storage.tables import TeamMember
from . import audit
from .identity import require_admin

NO_TEAM = ""
_TABLE = TeamMember.__table__
# The map is read before every call and changes rarely: kept for a few seconds per database
# (changes made in this process apply at once, another process's within CACHE_SECONDS).
CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()


def forget_cached() -> None:
    with _lock:
        _cache.clear()


def mapping() -> dict[str, str]:
    """{pattern: team} (patterns are lower-case emails or @domains)."""
    engine = get_engine()
    key = str(engine.url)
    with _lock:
        at, rows = _cache.get(key, (float("-inf"), {}))
        if time.monotonic() - at <= CACHE_SECONDS:
            return rows
    with engine.connect() as conn:
        rows = {r.pattern: r.team for r in conn.execute(select(_TABLE.c.pattern, _TABLE.c.team))}
    with _lock:
        _cache[key] = (time.monotonic(), rows)
    return rows


def team_of(user: str) -> str:
    """The user's team ("" for none): their exact email first, else their email's @domain."""
    email = (user or "").strip().lower()
    rows = mapping()
    if not rows:
        return NO_TEAM
    if email in rows:
        return rows[email]
    at = email.rfind("@")
    return rows.get(email[at:], NO_TEAM) if at >= 0 else NO_TEAM


def _pattern(pattern: str) -> str:
    p = (pattern or "").strip().lower()
    local, sep, domain = p.rpartition("@")
    if not sep or not domain or "." not in domain or " " in p or len(p) > 200:
        raise ValidationError({"pattern": f"{pattern!r} is neither an email nor an @domain: "
                                          "give e.g. ana@example.com or @example.com."})
    return p


def assign(pattern: str, team: str) -> None:
    """Put an email or every address of an @domain in `team` (admins only; audited)."""
    who = require_admin("change teams")
    p = _pattern(pattern)
    name = (team or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"team": "Give a team name of 1 to 100 characters."})
    with get_engine().begin() as conn:
        old = conn.execute(select(_TABLE.c.team).where(_TABLE.c.pattern == p)).scalar()
        if old == name:
            return
        if old is None:
            conn.execute(_TABLE.insert(), {"pattern": p, "team": name, "created_by": who.email})
        else:
            conn.execute(_TABLE.update().where(_TABLE.c.pattern == p).values(team=name))
        audit.record("team", p, "create" if old is None else "update", {"team": [old, name]}, who.email, conn)
    forget_cached()


def unassign(pattern: str) -> None:
    """Remove an email's or domain's team (admins only; audited)."""
    who = require_admin("change teams")
    p = _pattern(pattern)
    with get_engine().begin() as conn:
        old = conn.execute(select(_TABLE.c.team).where(_TABLE.c.pattern == p)).scalar()
        if old is None:
            raise ValidationError({"pattern": f"{p} is in no team."})
        conn.execute(delete(_TABLE).where(_TABLE.c.pattern == p))
        audit.record("team", p, "delete", {"team": [old, None]}, who.email, conn)
    forget_cached()
