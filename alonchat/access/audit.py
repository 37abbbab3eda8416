"""The audit log: who changed which model, price, endpoint, budget, role or team, when, and from what to what.

Written only by the engine, in the transaction of the change where it can; there is no edit or delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select

from ..storage.engine import get_engine
from ..storage.tables import AuditEntry, utcnow
from .identity import require_admin

ENTITIES = ("model", "price", "endpoint", "budget", "role", "team", "bill", "arena")  # arena: battle imports
_TABLE = AuditEntry.__table__


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def diff(old: dict | None, new: dict | None) -> dict[str, list]:
    """{field: [old, new]} for every field that differs (a create has old None, a delete new None)."""
    old, new = old or {}, new or {}
    out = {}
    for k in sorted(set(old) | set(new)):
        a, b = _plain(old.get(k)), _plain(new.get(k))
        if a != b:
            out[k] = [a, b]
    return out


def record(entity: str, subject: str, action: str, changes: dict[str, list], actor: str, conn=None,
           at: datetime | None = None) -> None:
    """Append one entry (inside the caller's connection/transaction when given); nothing is written for no change.

    `at` is given when one change writes several entries (a model's prices and its other fields): the same
    instant lets `merged` show them as the one change they are.
    """
    if entity not in ENTITIES:
        raise ValueError(f"unknown audit entity {entity!r}")
    if not changes and action == "update":
        return
    row = {"at": at or utcnow(), "actor": actor, "entity": entity, "subject": subject[:200], "action": action,
           "changes": json.dumps(changes, default=str, sort_keys=True)}
    if conn is not None:
        conn.execute(insert(_TABLE), row)
        return
    with get_engine().begin() as own:
        own.execute(insert(_TABLE), row)


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    entity: str
    subject: str
    action: str
    changes: dict[str, list]

    def describe(self) -> str:
        """'field: old → new; …' in one line of plain words, for the pages and the CLI (never a Python repr)."""
        return "; ".join(f"{_FIELD.get(k, k.replace('_', ' '))}: {_shown(k, a)} → {_shown(k, b)}"
                         for k, (a, b) in self.changes.items())


_FIELD = {"base_url": "base URL", "api_key_env": "key variable", "model_id": "model id",
          "cache_write_1h_price": "cache write 1h price", "monthly_usd": "monthly USD", "soft_percent": "warn at %"}


def _shown(field: str, value) -> str:
    """A stored old or new value as people read it: unset as —, yes/no, tiers in words, lists joined."""
    if value is None or value == "":
        return "—"
    if field == "tiers":
        from ..core.pricing import describe_tiers

        return describe_tiers(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(field, v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown(k, v)}" for k, v in value.items())
    return str(value)


def merged(rows: list[Entry]) -> list[Entry]:
    """One entry per change: entries of the same instant, actor, subject and action become one ("model + price"),
    so a catalog edit that touched prices and other fields does not show as two rows alike."""
    out: list[Entry] = []
    for e in rows:
        last = out[-1] if out else None
        if last is not None and (last.at, last.actor, last.subject, last.action) == (e.at, e.actor, e.subject,
                                                                                      e.action):
            out[-1] = Entry(e.at, e.actor, " + ".join(sorted({*last.entity.split(" + "), e.entity})), e.subject,
                            e.action, {**last.changes, **e.changes})
        else:
            out.append(e)
    return out


def entries(entity: str | None = None, limit: int = 200) -> list[Entry]:
    """The newest entries first (admins only: the pages and CLI check the role before calling)."""
    require_admin("read the audit log")
    stmt = select(_TABLE).order_by(_TABLE.c.at.desc(), _TABLE.c.id.desc()).limit(limit)
    if entity is not None:
        stmt = stmt.where(_TABLE.c.entity == entity)
    with get_engine().connect() as conn:
        return [Entry(r.at, r.actor, r.entity, r.subject, r.action, json.loads(r.changes)) for r in conn.execute(stmt)]
