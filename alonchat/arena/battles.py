"""A blind battle from draw to vote: who, when, team, the two panes, their usage rows, the side shown left, the vote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update

from ..access import identity, teams
from ..core.errors import AlonChatError, PermissionDeniedError, ValidationError
from ..core.text import no_control_chars
from ..storage.engine import get_engine
from ..storage.tables import ArenaBattle, UsageRecord, utcnow
from .draw import Pane
from .self_naming import names_itself

VOTES = ("model_a", "model_b", "tie", "both_bad")  # LMArena's `winner` values
VOTE_LABELS = {"model_a": "A is better", "model_b": "B is better", "tie": "Tie", "both_bad": "Both are bad"}
SIDES = ("a", "b")
_B = ArenaBattle.__table__
_U = UsageRecord.__table__


@dataclass(frozen=True)
class Answer:
    """One side of a battle as revealed after the vote: the pane, and what its call cost and took."""

    model: str
    settings: dict
    usage_id: int | None = None
    names_self: bool = False
    status: str | None = None
    cost_usd: Decimal | None = None  # None: unpriced, or no usage row (imported battles)
    latency_ms: float | None = None
    ttft_ms: float | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class Battle:
    id: int
    created_at: datetime
    voted_at: datetime | None
    user: str
    team: str
    origin: str
    category: str | None
    a: Answer
    b: Answer
    shown_left: str | None
    winner: str | None
    conversation_id: int | None = None

    @property
    def flagged(self) -> bool:
        """An answer named its own model or vendor: the vote counts, marked (the leaderboard can leave it out)."""
        return self.a.names_self or self.b.names_self

    def side(self, which: str) -> Answer:
        return self.a if which == "a" else self.b


def clean_category(category: str | None) -> str | None:
    """An optional tag: blank is none; up to 100 characters; no control or invisible characters."""
    text = (category or "").strip()
    if not text:
        return None
    if len(text) > 100:
        raise ValidationError({"category": "A category is a short tag (up to 100 characters)."})
    try:
        return no_control_chars(text)
    except ValueError as e:
        raise ValidationError({"category": f"The category {e}"}) from None


def settings_json(settings: dict | None) -> str | None:
    return json.dumps(settings, sort_keys=True, default=str) if settings else None


def start(a: Pane, b: Pane, *, category: str | None = None, conversation_id: int | None = None) -> int:
    """Record a drawn pair (A shown left) for the acting user and their team; the id goes on both calls' rows."""
    user = identity.current_user()
    row = {"created_at": utcnow(), "user": user, "team": teams.team_of(user), "origin": "arena",
           "category": clean_category(category), "model_a": a.model, "model_b": b.model,
           "settings_a": settings_json(a.settings), "settings_b": settings_json(b.settings),
           "shown_left": "model_a", "conversation_id": conversation_id}
    with get_engine().begin() as conn:
        return int(conn.execute(_B.insert().returning(_B.c.id), row).scalar_one())


def answered(battle_id: int, side: str, result) -> None:
    """Keep one side's usage row and whether its answer named its model or vendor (from a pane's worker thread).

    `result` is the call's CallResult. Writes nothing once the battle has a vote.
    """
    if side not in SIDES:
        raise ValueError(f"side must be 'a' or 'b', not {side!r}")
    names = (result.model, result.model_id)
    try:
        from ..catalog.models import resolve

        names += (resolve(result.model, active_only=False).display_name,)
    except AlonChatError:  # a model deleted meanwhile: its own names are enough
        pass
    flag = names_itself(result.content or "", names, result.provider or "")
    with get_engine().begin() as conn:
        conn.execute(update(_B).where(_B.c.id == battle_id, _B.c.winner.is_(None))
                     .values({f"usage_{side}": result.usage_id, f"names_self_{side}": flag}))


def vote(battle_id: int, winner: str) -> Battle:
    """Cast the acting user's vote on their battle, once; returns the battle revealed.

    Both answers must have finished well: a failed or stopped answer says nothing about quality.
    """
    if winner not in VOTES:
        raise ValidationError({"winner": f"A vote is one of {', '.join(VOTES)}, not {winner!r}."})
    who = identity.actor()
    with get_engine().begin() as conn:
        row = conn.execute(select(_B).where(_B.c.id == battle_id)).one_or_none()
        if row is None or row.user != who.email:
            raise PermissionDeniedError(f"Battle {battle_id} is not yours to vote on.")
        if row.winner is not None:
            raise ValidationError({"vote": f"Battle {battle_id} already has a vote ({VOTE_LABELS[row.winner]})."})
        for side in SIDES:
            usage_id = getattr(row, f"usage_{side}")
            status = None if usage_id is None else conn.execute(
                select(_U.c.status).where(_U.c.id == usage_id)).scalar()
            if status != "ok":
                what = "has not finished" if status is None else f"ended {status}"
                raise ValidationError({"vote": f"Answer {side.upper()} {what}; a vote needs two complete "
                                               "answers. Send the prompt again for a new pair."})
        done = conn.execute(update(_B).where(_B.c.id == battle_id, _B.c.winner.is_(None))
                            .values(winner=winner, voted_at=utcnow()))
        if done.rowcount != 1:  # another tab voted between the read and this write
            raise ValidationError({"vote": f"Battle {battle_id} already has a vote."})
    return reveal(battle_id)


def _answer(row, side: str, usage: dict) -> Answer:
    usage_id = getattr(row, f"usage_{side}")
    u = usage.get(usage_id)
    settings = getattr(row, f"settings_{side}")
    return Answer(getattr(row, f"model_{side}"), json.loads(settings) if settings else {}, usage_id,
                  bool(getattr(row, f"names_self_{side}")),
                  *((u.status, u.cost_usd, u.latency_ms, u.ttft_ms, u.output_tokens) if u is not None else ()))


def _battles(conn, rows) -> list[Battle]:
    ids = [i for r in rows for i in (r.usage_a, r.usage_b) if i is not None]
    usage = {}
    for chunk in range(0, len(ids), 500):
        usage.update({u.id: u for u in conn.execute(
            select(_U.c.id, _U.c.status, _U.c.cost_usd, _U.c.latency_ms, _U.c.ttft_ms, _U.c.output_tokens)
            .where(_U.c.id.in_(ids[chunk:chunk + 500])))})
    return [Battle(r.id, r.created_at, r.voted_at, r.user, r.team, r.origin, r.category,
                   _answer(r, "a", usage), _answer(r, "b", usage), r.shown_left, r.winner, r.conversation_id)
            for r in rows]


def reveal(battle_id: int) -> Battle:
    """The battle with both panes named, their settings, cost and latency: only after its vote, to its voter or
    an admin."""
    who = identity.actor()
    with get_engine().connect() as conn:
        row = conn.execute(select(_B).where(_B.c.id == battle_id)).one_or_none()
        if row is None or (row.user != who.email and not who.is_admin):
            raise PermissionDeniedError(f"Battle {battle_id} is not yours to see.")
        if row.winner is None:
            raise PermissionDeniedError("The panes are revealed after the vote.")
        return _battles(conn, [row])[0]


def mine(limit: int = 200) -> list[Battle]:
    """The acting user's own votes, newest first."""
    who = identity.actor()
    with get_engine().connect() as conn:
        rows = conn.execute(select(_B).where(_B.c.user == who.email, _B.c.winner.is_not(None))
                            .order_by(_B.c.voted_at.desc(), _B.c.id.desc()).limit(limit)).all()
        return _battles(conn, rows)
