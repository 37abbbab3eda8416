"""The arena leaderboard: ratings with intervals, ranks, battles, win rates, cost per answer and position bias.

The votes are counted in SQL (one row per pair of models × vote × side shown left × flag), so the fit
works on pair counts however many battles there are; the costs are the arena's own ledger rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import numpy as np
from sqlalchemy import func, literal, or_, select, type_coerce, union_all
from sqlalchemy.types import NullType

from ..access import identity, teams
from ..core.errors import PermissionDeniedError, ValidationError
from ..storage.engine import get_engine
from ..storage.tables import ArenaBattle, UsageRecord
from . import rating
from .battles import VOTES

_B = ArenaBattle.__table__
_U = UsageRecord.__table__
DECISIVE = ("model_a", "model_b")


@dataclass(frozen=True)
class Filters:
    """Which votes count. Both-bad votes count as ties unless left out of `votes`."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    teams: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    votes: tuple[str, ...] = VOTES
    flagged: bool = True  # count votes where an answer named its own model or vendor

    def __post_init__(self):
        unknown = [v for v in self.votes if v not in VOTES]
        if unknown:
            raise ValidationError({"votes": f"Unknown vote type {unknown[0]!r}; use {', '.join(VOTES)}."})
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValidationError({"since": "The start of the range must come before its end."})


@dataclass(frozen=True)
class Row:
    """One model on the board; bounds are None where the data leave that side open (it never lost, or never won)."""

    model: str
    rating: float
    rating_lower: float | None
    rating_upper: float | None
    rank: int
    battles: int
    wins: int
    ties: int
    losses: int
    win_rate: float
    median_cost_usd: Decimal | None = None  # per answer, from the arena's ledger rows; None: unknown or unpriced
    priced_answers: int = 0
    frontier: bool = False  # no other model is both better rated and cheaper per answer


@dataclass(frozen=True)
class PositionBias:
    """How often the answer shown on the left won a decisive vote, with a Wilson 95% interval."""

    left_wins: int
    decisive: int

    @property
    def share(self) -> float:
        return self.left_wins / self.decisive

    @property
    def interval(self) -> tuple[float, float]:
        n, p, z = self.decisive, self.share, rating.Z95
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Board:
    rows: list[Row]
    win_rate: list[list[float | None]]  # [i][j]: row model's share of its battles against column model (ties ½)
    games: list[list[int]]  # [i][j]: battles between them
    votes: int  # votes counted (self-battles and left-out kinds excluded)
    flagged: int  # of those, votes where an answer named its own model or vendor
    flagged_left_out: int  # such votes not counted (Filters.flagged False)
    self_battles: int  # a model against itself (other settings): kept, but they say nothing about its rating
    groups: int  # models that never met, even through others, are not comparable: more than 1 means split
    position: PositionBias | None = None
    filters: Filters = field(default_factory=Filters)

    @property
    def models(self) -> list[str]:
        return [r.model for r in self.rows]


# --- who may see what ------------------------------------------------------------------------------

def scope() -> Filters:
    """What the acting user sees by default: admins everything; members their team's votes (or, with no team,
    their own)."""
    who = identity.actor()
    if who.is_admin:
        return Filters()
    team = teams.team_of(who.email)
    return Filters(teams=(team,)) if team else Filters(users=(who.email,))


def authorize(f: Filters, *, rows: bool = False) -> None:
    """Refuse a member's look beyond their team's board and their own votes (`rows`: single votes, theirs only)."""
    who = identity.actor()
    if who.is_admin or f.users == (who.email,):
        return
    team = teams.team_of(who.email)
    if team and f.teams == (team,) and not f.users and not rows:
        return
    raise PermissionDeniedError(f"Members see their team's arena and their own votes only; {who.email} asked for "
                                "more. An admin can see every team's.")


def conditions(f: Filters, t=_B) -> list:
    conds = [t.c.winner.is_not(None)]
    if f.since is not None:
        conds.append(t.c.voted_at >= f.since)
    if f.until is not None:
        conds.append(t.c.voted_at < f.until)
    for chosen, col in ((f.teams, "team"), (f.users, "user"), (f.categories, "category")):
        if chosen:
            conds.append(t.c[col].in_(chosen))
    if set(f.votes) != set(VOTES):
        conds.append(t.c.winner.in_(f.votes))
    if not f.flagged:
        conds.append(~or_(t.c.names_self_a, t.c.names_self_b))
    return conds


def choices(f: Filters | None = None) -> dict[str, list[str]]:
    """The teams and category tags in the votes this user may see, for the filters' options."""
    f = replace(f or scope(), categories=(), votes=VOTES, flagged=True)
    authorize(f)
    with get_engine().connect() as conn:
        def distinct(col) -> list[str]:
            return sorted(v for v in conn.execute(select(col).where(*conditions(f), col.is_not(None)).distinct())
                          .scalars())
        return {"teams": distinct(_B.c.team), "categories": distinct(_B.c.category)}


# --- the board ---------------------------------------------------------------------------------------

def _counts(conn, f: Filters):
    flag = or_(_B.c.names_self_a, _B.c.names_self_b)
    kept = replace(f, flagged=True)  # flagged votes are counted here, then left out below if asked
    stmt = (select(_B.c.model_a, _B.c.model_b, _B.c.winner, _B.c.shown_left, flag.label("flagged"),
                   func.count().label("n"))
            .where(*conditions(kept)).group_by(_B.c.model_a, _B.c.model_b, _B.c.winner, _B.c.shown_left, flag))
    return conn.execute(stmt).all()


def _costs(conn, f: Filters) -> dict[str, tuple[Decimal | None, int]]:
    """Each model's median cost per answer and its number of priced answers, from the arena's own usage rows.

    The costs come back as the driver stores them (SQLite: a float, PostgreSQL: a Decimal) and only the
    middle ones go through the column's own conversion to Decimal: converting 200,000 to pick a few was
    most of the leaderboard's time.
    """
    raw = type_coerce(_U.c.cost_usd, NullType())
    parts = []
    for side in ("a", "b"):
        parts.append(select(_B.c[f"model_{side}"].label("model"), raw)
                     .select_from(_B.join(_U, _U.c.id == _B.c[f"usage_{side}"]))
                     .where(*conditions(f), _U.c.source == literal("arena"), _U.c.cost_usd.is_not(None)))
    by_model: dict[str, list] = defaultdict(list)
    for model, cost in conn.execute(union_all(*parts)):
        by_model[model].append(cost)
    convert = _U.c.cost_usd.type.result_processor(conn.dialect, None) or (lambda v: v)
    out = {}
    for model, costs in by_model.items():
        costs.sort()
        half = len(costs) // 2
        middle = [convert(c) for c in costs[half - 1:half + 1]] if len(costs) % 2 == 0 else [convert(costs[half])]
        out[model] = (sum(middle) / len(middle), len(costs))  # exact: Decimal arithmetic
    return out


def _frontier(rows: list[Row]) -> set[str]:
    """Models with a known cost that no other model beats on both rating and cost (ties on both are not beaten)."""
    priced = [r for r in rows if r.median_cost_usd is not None]
    out = set()
    for r in priced:
        if not any(o is not r and o.rating >= r.rating and o.median_cost_usd <= r.median_cost_usd
                   and (o.rating > r.rating or o.median_cost_usd < r.median_cost_usd) for o in priced):
            out.add(r.model)
    return out


def board(f: Filters | None = None) -> Board:
    """The leaderboard for these filters (default: what the acting user may see)."""
    f = f or scope()
    authorize(f)
    with get_engine().connect() as conn:
        counted = _counts(conn, f)
        costs = _costs(conn, f)
    left_wins = decisive = votes = flagged = left_out = self_battles = 0
    pairs: dict[tuple[str, str, str], int] = defaultdict(int)
    for a, b, winner, shown_left, is_flagged, n in counted:
        if is_flagged and not f.flagged:
            left_out += n
            continue
        if shown_left is not None and winner in DECISIVE:  # a model against itself tests position too
            decisive += n
            left_wins += n if winner == shown_left else 0
        if a == b:
            self_battles += n
            continue
        votes += n
        flagged += n if is_flagged else 0
        pairs[a, b, winner] += n
    models = sorted({m for a, b, _ in pairs for m in (a, b)})
    index = {m: i for i, m in enumerate(models)}
    n = len(models)
    wins, ties = np.zeros((n, n)), np.zeros((n, n))
    for (a, b, winner), k in pairs.items():
        i, j = index[a], index[b]
        if winner == "model_a":
            wins[i, j] += k
        elif winner == "model_b":
            wins[j, i] += k
        else:  # a tie, or both bad counted as one
            ties[i, j] += k
            ties[j, i] += k
    position = PositionBias(left_wins, decisive) if decisive else None
    if n == 0:
        return Board([], [], [], 0, 0, left_out, self_battles, 0, position, f)
    fit = rating.fit(wins, ties)
    games = wins + wins.T + ties
    rows = []
    for m, i in index.items():
        battles = int(games[i].sum())
        median, priced = costs.get(m, (None, 0))
        rows.append(Row(m, float(fit.rating[i]), fit.lower[i], fit.upper[i], fit.rank[i], battles,
                        int(wins[i].sum()), int(ties[i].sum()), int(wins[:, i].sum()),
                        float((wins[i].sum() + ties[i].sum() / 2) / battles), median, priced))
    on_frontier = _frontier(rows)
    rows = sorted((replace(r, frontier=r.model in on_frontier) for r in rows), key=lambda r: (-r.rating, r.model))
    order = [index[r.model] for r in rows]
    soft = wins + ties / 2
    rate = [[None if games[i, j] == 0 else float(soft[i, j] / games[i, j]) for j in order] for i in order]
    count = [[int(games[i, j]) for j in order] for i in order]
    return Board(rows, rate, count, votes, flagged, left_out, self_battles, fit.groups, position, f)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def as_json(b: Board) -> list[dict]:
    """The CLI's `--json` contract: one object per model, best first; median_cost_usd null when unknown."""
    return [{"model": r.model, "rating": _round(r.rating), "rating_lower": _round(r.rating_lower),
             "rating_upper": _round(r.rating_upper), "rank": r.rank, "battles": r.battles,
             "win_rate": round(r.win_rate, 4),
             "median_cost_usd": None if r.median_cost_usd is None else float(r.median_cost_usd)} for r in b.rows]
