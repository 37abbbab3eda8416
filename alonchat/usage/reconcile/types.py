"""What a reconciliation is made of: the tolerance, one side of a row, the rows, the month totals, the whole."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ...core.errors import ValidationError
from ..bills import KINDS

STATUSES = ("match", "over", "under", "provider_only", "ours_only")
OTHER = "(other charges)"  # the row of charges the provider does not attribute to a model


@dataclass(frozen=True)
class Tolerance:
    """A gap within `percent` of the larger side, or under `usd` dollars, is a match (tokens: `percent` only).

    1% absorbs the providers' own rounding (OpenAI rounds amounts, Anthropic reports fractional cents)
    and a stray estimated count; a real difference (a cache write the ledger missed, another key's
    usage, a price change) is larger than that on any day with real spend.
    """

    percent: Decimal = Decimal(1)
    usd: Decimal = Decimal("0.01")

    def __post_init__(self):
        if not Decimal(0) <= Decimal(self.percent) <= Decimal(100):
            raise ValidationError({"tolerance": f"The tolerance {self.percent} is not a percentage between 0 and 100."})
        if Decimal(self.usd) < 0:
            raise ValidationError({"tolerance": "The dollar tolerance cannot be negative."})

    def close(self, a, b, floor: Decimal | int = 0) -> bool:
        a, b = Decimal(a), Decimal(b)
        return abs(b - a) <= max(Decimal(floor), Decimal(self.percent) / 100 * max(abs(a), abs(b)))


@dataclass
class Side:
    """One side of a row: calls, tokens by kind (None = not reported apart) and dollars (None = unknown)."""

    calls: int | None = None
    tokens: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    usd: Decimal | None = None

    def add_tokens(self, tokens: dict[str, int | None]) -> None:
        for k in KINDS:
            if tokens.get(k) is not None:
                self.tokens[k] = (self.tokens[k] or 0) + tokens[k]

    @property
    def total_tokens(self) -> int:
        return sum(n or 0 for n in self.tokens.values())

    def to_json(self) -> dict:
        return {"calls": self.calls, "usd": _num(self.usd), "tokens": dict(self.tokens)}


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class Row:
    """One UTC day × provider × model."""

    day: date
    provider: str
    model: str  # the catalog name(s), or the provider's name when nothing in the catalog matches
    model_id: str
    mapped: bool
    provider_models: tuple[str, ...]  # names the provider billed it under (dated snapshots)
    ours: Side | None
    theirs: Side | None
    status: str = "match"
    gap_usd: Decimal | None = None
    gap_tokens: dict[str, int | None] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    over_tolerance: bool = False

    def to_json(self) -> dict:
        o, t = self.ours or Side(0), self.theirs
        return {
            "day": self.day.isoformat(), "provider": self.provider, "model": self.model, "model_id": self.model_id,
            "mapped": self.mapped, "provider_models": list(self.provider_models), "status": self.status,
            "ours_usd": _num(o.usd), "provider_usd": _num(t.usd) if t else None, "gap_usd": _num(self.gap_usd),
            "ours_calls": o.calls, "provider_calls": t.calls if t else None,
            "ours_tokens": dict(o.tokens), "provider_tokens": dict(t.tokens) if t else dict.fromkeys(KINDS),
            "gap_tokens": dict(self.gap_tokens), "explanation": " ".join(self.explanation),
            "over_tolerance": self.over_tolerance,
        }


CSV_COLUMNS = ("day", "provider", "model", "model_id", "mapped", "provider_models", "status", "ours_usd",
               "provider_usd", "gap_usd", "ours_calls", "provider_calls",
               *(f"ours_{k}_tokens" for k in KINDS), *(f"provider_{k}_tokens" for k in KINDS),
               *(f"gap_{k}_tokens" for k in KINDS), "explanation", "over_tolerance")


@dataclass(frozen=True)
class Total:
    """A month's totals (of one provider, or all when provider is None), the gap also as a percentage of the bill."""

    month: str
    provider: str | None
    ours_usd: Decimal
    provider_usd: Decimal
    gap_usd: Decimal
    gap_percent: Decimal | None

    def to_json(self) -> dict:
        return {"month": self.month, "provider": self.provider, "ours_usd": float(self.ours_usd),
                "provider_usd": float(self.provider_usd), "gap_usd": float(self.gap_usd),
                "gap_percent": _num(self.gap_percent)}


@dataclass
class Reconciliation:
    first: date
    last: date
    tolerance: Tolerance
    rows: list[Row]
    unchecked: dict[str, str]  # provider -> why it could not be reconciled
    fetched: dict[str, datetime | None]  # provider -> the latest fetch of its stored bill in the range

    @property
    def over_tolerance(self) -> bool:
        return any(r.over_tolerance for r in self.rows)

    @property
    def unmapped(self) -> list[tuple[str, str]]:
        """(provider, name) the bill used that no catalog model matches."""
        return sorted({(r.provider, n) for r in self.rows if not r.mapped and r.model != OTHER
                       for n in r.provider_models or (r.model,)})

    def months(self) -> list[Total]:
        """Per month: every provider together first, then each provider."""
        sums: dict[tuple[str, str | None], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for r in self.rows:
            month = r.day.strftime("%Y-%m")
            for key in ((month, None), (month, r.provider)):
                sums[key][0] += (r.ours.usd or 0) if r.ours else 0
                sums[key][1] += (r.theirs.usd or 0) if r.theirs else 0
        out = []
        for (month, provider), (ours, theirs) in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            gap = theirs - ours
            out.append(Total(month, provider, ours, theirs, gap, gap / theirs * 100 if theirs else None))
        return out

    def daily(self) -> list[tuple[date, Decimal, Decimal]]:
        """(day, ledger dollars, provider dollars) over every reconciled provider, for the chart."""
        sums: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for r in self.rows:
            sums[r.day][0] += (r.ours.usd or 0) if r.ours else 0
            sums[r.day][1] += (r.theirs.usd or 0) if r.theirs else 0
        return [(d, a, b) for d, (a, b) in sorted(sums.items())]

    def to_json(self) -> dict:
        return {"first_day": self.first.isoformat(), "last_day": self.last.isoformat(), "days": "UTC",
                "tolerance": {"percent": float(self.tolerance.percent), "usd": float(self.tolerance.usd)},
                "over_tolerance": self.over_tolerance, "rows": [r.to_json() for r in self.rows],
                "months": [t.to_json() for t in self.months()], "unchecked": self.unchecked,
                "unmapped": [{"provider": p, "model": m} for p, m in self.unmapped],
                "fetched_at": {p: t.isoformat() if t else None for p, t in self.fetched.items()}}

    def to_csv(self) -> str:
        from ...core.text import safe_cell

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in self.rows:
            j = r.to_json()
            flat = {**j, "provider_models": " ".join(j["provider_models"]),
                    **{f"ours_{k}_tokens": j["ours_tokens"][k] for k in KINDS},
                    **{f"provider_{k}_tokens": j["provider_tokens"][k] for k in KINDS},
                    **{f"gap_{k}_tokens": j["gap_tokens"].get(k) for k in KINDS}}
            writer.writerow([safe_cell(flat[c]) for c in CSV_COLUMNS])
        return out.getvalue()
