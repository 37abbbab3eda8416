"""Dated snapshot names as providers bill them (gpt-4.1-2025-04-14) matched onto the catalog's models."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# OpenAI dates its snapshots -YYYY-MM-DD, Anthropic -YYYYMMDD; both name the same model without the date.
_DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|20\d{6})$")


def undated(model_id: str) -> str:
    """The model id without a snapshot date: gpt-4.1-2025-04-14 -> gpt-4.1, claude-x-4-5-20251001 -> claude-x-4-5."""
    return _DATED.sub("", model_id.strip())


@dataclass(frozen=True)
class Match:
    """Where a provider's model name lands: the catalog model id it bills as, and the catalog names using it."""

    model_id: str  # the catalog's model id when mapped, else the name without its date
    names: tuple[str, ...]  # catalog entries with that model id (empty when unmapped)

    @property
    def mapped(self) -> bool:
        return bool(self.names)

    @property
    def label(self) -> str:
        """How a row is named: its catalog name(s), or the provider's id when nothing in the catalog matches."""
        return " + ".join(self.names) if self.names else self.model_id


class SnapshotMap:
    """Matches reported names to catalog models of one provider: exact id first, then the id without its date."""

    def __init__(self, models: Iterable[tuple[str, str, str]]):
        """`models`: (provider, catalog name, model id) of every catalog entry."""
        self._exact: dict[tuple[str, str], list[str]] = {}
        self._undated: dict[tuple[str, str], str] = {}
        for provider, name, model_id in models:
            self._exact.setdefault((provider, model_id.lower()), []).append(name)
            self._undated.setdefault((provider, undated(model_id).lower()), model_id.lower())
        self._ids = {key: key[1] for key in self._exact}
        self._seen: dict[tuple[str, str], Match] = {}  # a bill repeats a few names thousands of times

    def match(self, provider: str, reported: str) -> Match:
        found = self._seen.get((provider, reported))
        if found is None:
            found = self._seen[(provider, reported)] = self._match(provider, reported)
        return found

    def _match(self, provider: str, reported: str) -> Match:
        key = (provider, reported.strip().lower())
        if key not in self._exact:
            base = undated(key[1])
            target = self._undated.get((provider, base))
            key = (provider, target) if target is not None else (provider, base)
        names = self._exact.get(key)
        return Match(self._ids[key], tuple(sorted(names))) if names else Match(key[1], ())


def catalog_map() -> SnapshotMap:
    """The map over every catalog model (active or not: old calls and bills name retired models too)."""
    from sqlalchemy import select

    from ..storage.engine import get_engine
    from ..storage.tables import AIModel

    t = AIModel.__table__
    with get_engine().connect() as conn:
        rows = conn.execute(select(t.c.provider, t.c.name, t.c.model_id)).all()
    return SnapshotMap((r.provider, r.name, r.model_id) for r in rows)
