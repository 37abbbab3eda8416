"""Teams: which team a user belongs to, from an admin-kept map of user names, emails and @domains (exact wins)."""

from __future__ import annotations

import re
import threading
import time

from ..core.errors import ValidationError
from ..core.text import no_control_chars, quoted
from ..storage import sqlite
from .identity import require_admin

NO_TEAM = ""
# The map is read before every call and changes rarely: kept for a few seconds per database
# (changes made in this process apply at once, another process's within CACHE_SECONDS).
CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()


def forget_cached() -> None:
    with _lock:
        _cache.clear()


def mapping() -> dict[str, str]:
    """{pattern: team} (patterns are lower-case user names, emails or @domains).

    Read before every call: on SQLite straight on the driver, so a call loads no SQLAlchemy for it.
    """
    key = sqlite.resolve_url(sqlite.database_url())
    with _lock:
        at, rows = _cache.get(key, (float("-inf"), {}))
        if time.monotonic() - at <= CACHE_SECONDS:
            return rows
    with sqlite.fast_path() as dbapi:
        if dbapi is not None:
            rows = dict(dbapi.execute("SELECT pattern, team FROM team_members").fetchall())
        else:
            from sqlalchemy import select

            from ..storage.engine import get_engine

            table = _table()
            with get_engine().connect() as conn:
                rows = {r.pattern: r.team for r in conn.execute(select(table.c.pattern, table.c.team))}
    with _lock:
        _cache[key] = (time.monotonic(), rows)
    return rows


def _table():
    from ..storage.tables import TeamMember

    return TeamMember.__table__


def team_of(user: str) -> str:
    """The user's team ("" for none): their exact name or email first, else their email's @domain."""
    email = (user or "").strip().lower()
    rows = mapping()
    if not rows:
        return NO_TEAM
    if email in rows:
        return rows[email]
    at = email.rfind("@")
    return rows.get(email[at:], NO_TEAM) if at >= 0 else NO_TEAM


USER_NAME = re.compile(r"[a-z0-9_][a-z0-9._-]*")  # an OS or ALONCHAT_USER name, as single-user mode records it


def _pattern(pattern: str) -> str:
    """A member as stored: an email, an @domain, or a plain user name (single-user mode and the CLI act as one)."""
    p = (pattern or "").strip().lower()
    local, sep, domain = p.rpartition("@")
    email_or_domain = sep and domain and "." in domain and " " not in p
    if len(p) > 200 or not (email_or_domain or USER_NAME.fullmatch(p)):
        raise ValidationError({"pattern": f"{quoted((pattern or '').strip())} is not a user name, an email or an "
                                          "@domain: give e.g. alice, ana@example.com or @example.com."})
    return p


def assign(pattern: str, team: str) -> None:
    """Put a user (by name or email) or every address of an @domain in `team` (admins only; audited)."""
    who = require_admin("change teams")
    p = _pattern(pattern)
    name = (team or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"team": "Give a team name of 1 to 100 characters."})
    for field, value in (("pattern", p), ("team", name)):  # stored names look like what they are
        try:
            no_control_chars(value)
        except ValueError as e:
            raise ValidationError({field: f"The {field} {quoted(value)} {e}"}) from None

    from sqlalchemy import select

    from ..storage.engine import get_engine
    from . import audit

    table = _table()
    with get_engine().begin() as conn:
        old = conn.execute(select(table.c.team).where(table.c.pattern == p)).scalar()
        if old == name:
            return
        if old is None:
            conn.execute(table.insert(), {"pattern": p, "team": name, "created_by": who.email})
        else:
            conn.execute(table.update().where(table.c.pattern == p).values(team=name))
        audit.record("team", p, "create" if old is None else "update", {"team": [old, name]}, who.email, conn)
    forget_cached()


def unassign(pattern: str) -> None:
    """Take a user, an email or a domain out of its team (admins only; audited)."""
    who = require_admin("change teams")
    p = _pattern(pattern)
    from sqlalchemy import delete, select

    from ..storage.engine import get_engine
    from . import audit

    table = _table()
    with get_engine().begin() as conn:
        old = conn.execute(select(table.c.team).where(table.c.pattern == p)).scalar()
        if old is None:
            raise ValidationError({"pattern": f"{p} is in no team."})
        conn.execute(delete(table).where(table.c.pattern == p))
        audit.record("team", p, "delete", {"team": [old, None]}, who.email, conn)
    forget_cached()
