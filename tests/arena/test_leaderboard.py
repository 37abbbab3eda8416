"""The leaderboard over stored votes: counts, ties, filters, exact median cost and its frontier, position bias,
and who may see which board."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pytest

from alonchat.access import identity, teams
from alonchat.arena import leaderboard, rating
from alonchat.arena.leaderboard import Filters
from alonchat.core.errors import PermissionDeniedError, ValidationError
from tests.support.arena_votes import battle, many, when


@pytest.fixture
def votes():
    """A beats B 3-1 with a tie and a both-bad vote; B and C split 2-2; A once against itself."""
    many("alpha", "beta", "model_a", 3)
    battle("beta", "alpha", "model_a", day=2)
    battle("alpha", "beta", "tie", day=2, category="code")
    battle("beta", "alpha", "both_bad", day=3, category="code")
    many("beta", "gamma", "model_a", 2, day=3)
    many("gamma", "beta", "model_a", 2, day=4, shown_left="model_b")
    battle("alpha", "alpha", "model_b", day=4)


def test_the_board_counts_battles_ties_and_win_rates(votes):
    b = leaderboard.board(Filters())
    rows = {r.model: r for r in b.rows}
    assert (b.votes, b.self_battles, b.groups) == (10, 1, 1)
    assert [(rows[m].battles, rows[m].wins, rows[m].ties, rows[m].losses) for m in ("alpha", "beta", "gamma")] == [
        (6, 3, 2, 1), (10, 3, 2, 5), (4, 2, 0, 2)]
    assert rows["alpha"].win_rate == pytest.approx(4 / 6)  # ties (both-bad included) are half a win
    order = b.models
    a, be = order.index("alpha"), order.index("beta")
    assert b.win_rate[a][be] == pytest.approx(4 / 6) and b.win_rate[be][a] == pytest.approx(2 / 6)
    assert b.games[a][be] == 6 and b.win_rate[a][a] is None
    # The same numbers the fit gives for these counts, on LMArena's scale.
    wins = np.zeros((3, 3))
    ties = np.zeros((3, 3))
    idx = {m: i for i, m in enumerate(("alpha", "beta", "gamma"))}
    wins[idx["alpha"], idx["beta"]], wins[idx["beta"], idx["alpha"]] = 3, 1
    ties[idx["alpha"], idx["beta"]] = ties[idx["beta"], idx["alpha"]] = 2
    wins[idx["beta"], idx["gamma"]] = wins[idx["gamma"], idx["beta"]] = 2
    fit = rating.fit(wins, ties)
    for m, i in idx.items():
        assert rows[m].rating == pytest.approx(fit.rating[i])
        assert rows[m].rank == fit.rank[i]
    assert order[0] == "alpha" and np.mean([r.rating for r in b.rows]) == pytest.approx(1000)


def test_both_bad_counts_as_a_tie_unless_left_out_and_other_filters(votes):
    no_both_bad = leaderboard.board(Filters(votes=("model_a", "model_b", "tie")))
    assert no_both_bad.votes == 9 and {r.model: r.ties for r in no_both_bad.rows}["alpha"] == 1
    decisive = leaderboard.board(Filters(votes=("model_a", "model_b")))
    assert decisive.votes == 8
    assert leaderboard.board(Filters(categories=("code",))).votes == 2
    ranged = leaderboard.board(Filters(since=when(2), until=when(4)))  # days 2 and 3; until is exclusive
    assert ranged.votes == 5  # day 2: two votes; day 3: three
    with pytest.raises(ValidationError, match="vote type"):
        Filters(votes=("draw",))


def test_the_position_check_counts_decisive_votes_for_the_left_answer():
    many("alpha", "beta", "model_a", 8)  # A was on the left and won
    many("alpha", "beta", "model_b", 2)
    battle("alpha", "beta", "tie")  # not decisive
    battle("alpha", "beta", "model_a", shown_left=None)  # an imported battle: side unknown
    p = leaderboard.board(Filters()).position
    assert (p.left_wins, p.decisive, p.share) == (8, 10, 0.8)
    assert p.interval == pytest.approx((0.4902, 0.9433), abs=1e-4)  # Wilson's interval for 8 of 10
    many("gamma", "delta", "model_a", 5, shown_left="model_b")  # B sat on the left: these are right-side wins
    p = leaderboard.board(Filters()).position
    assert (p.left_wins, p.decisive) == (8, 15)


def test_flagged_votes_count_unless_left_out(votes):
    battle("alpha", "gamma", "model_a", flag_a=True)
    b = leaderboard.board(Filters())
    assert (b.votes, b.flagged, b.flagged_left_out) == (11, 1, 0)
    b = leaderboard.board(Filters(flagged=False))
    assert (b.votes, b.flagged, b.flagged_left_out) == (10, 0, 1)


def test_median_cost_per_answer_is_exact_from_the_arenas_ledger_rows_with_the_frontier():
    # alpha: best and dearest; beta: cheaper and worse; gamma: worse than beta and dearer: off the frontier.
    costs = {"alpha": ["0.004", "0.002", "0.003", "0.010"], "beta": ["0.001", "0.0005", "0.0007"],
             "gamma": ["0.002", "0.002"]}
    battle("alpha", "beta", "model_a", cost_a=costs["alpha"][0], cost_b=costs["beta"][0])
    battle("alpha", "beta", "model_a", cost_a=costs["alpha"][1], cost_b=costs["beta"][1])
    battle("alpha", "gamma", "model_a", cost_a=costs["alpha"][2], cost_b=costs["gamma"][0])
    battle("alpha", "gamma", "model_b", cost_a=costs["alpha"][3], cost_b=costs["gamma"][1])
    battle("beta", "gamma", "model_a", cost_a=costs["beta"][2])
    battle("beta", "gamma", "tie", cost_a="unpriced", cost_b="0.5", source="playground")  # not the arena's rows
    battle("beta", "delta", "model_a", cost_b="unpriced")
    battle("delta", "gamma", "model_b")
    battle("beta", "gamma", "model_a")
    rows = {r.model: r for r in leaderboard.board(Filters()).rows}
    assert rows["alpha"].median_cost_usd == D("0.0035")  # (0.003 + 0.004) / 2, exactly
    assert rows["beta"].median_cost_usd == D("0.0007") and rows["beta"].priced_answers == 3
    assert rows["gamma"].median_cost_usd == D("0.002")
    assert rows["delta"].median_cost_usd is None and rows["delta"].priced_answers == 0  # unpriced: unknown
    assert rows["alpha"].rating > rows["beta"].rating > rows["gamma"].rating
    assert {m for m, r in rows.items() if r.frontier} == {"alpha", "beta"}
    [entry] = [e for e in leaderboard.as_json(leaderboard.board(Filters())) if e["model"] == "alpha"]
    assert entry["median_cost_usd"] == 0.0035


def test_members_see_their_teams_board_and_their_own_votes_admins_see_all():
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
    many("alpha", "beta", "model_a", 3, user="ana@corp.example", team="corp")
    many("alpha", "beta", "model_b", 2, user="bo@corp.example", team="corp")
    many("alpha", "beta", "model_b", 4, user="cy@else.example", team="else")
    battle("alpha", "beta", "model_a", user="dee@nowhere.example")
    ana = identity.Actor("ana@corp.example", is_admin=False)
    with identity.acting_as(ana):
        assert leaderboard.scope() == Filters(teams=("corp",))
        assert leaderboard.board().votes == 5  # ana's and bo's, not cy's
        assert leaderboard.board(Filters(users=("ana@corp.example",))).votes == 3
        for wider in (Filters(), Filters(teams=("else",)), Filters(teams=("corp", "else")),
                      Filters(users=("bo@corp.example",))):
            with pytest.raises(PermissionDeniedError, match="their team's arena"):
                leaderboard.board(wider)
    with identity.acting_as(identity.Actor("dee@nowhere.example", is_admin=False)):
        assert leaderboard.scope() == Filters(users=("dee@nowhere.example",))  # no team: their own votes
        assert leaderboard.board().votes == 1
    with identity.acting_as(identity.Actor("root@corp.example", is_admin=True)):
        assert leaderboard.board().votes == 10
        assert leaderboard.board(Filters(teams=("else",))).votes == 4


def test_an_empty_board_and_models_that_never_met():
    b = leaderboard.board(Filters())
    assert b.rows == [] and b.position is None and b.votes == 0
    battle("alpha", "beta", "model_a")
    battle("alpha", "beta", "model_b")
    battle("gamma", "delta", "tie")
    assert leaderboard.board(Filters()).groups == 2
