"""The Bradley–Terry fit: recovers known strengths, its 95% intervals cover them at the stated rate, and it
agrees with independent maximum-likelihood fits of the same battles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from alonchat.arena import rating


def simulate(theta: np.ndarray, battles: int, rng: np.random.Generator, tie_share: float = 0.0):
    """Random pairs; A wins with σ(θa - θb). Ties (likelier between close models) keep A's expected score at
    that probability when a tie counts half, so the BT fit's target is still θ."""
    n = len(theta)
    a = rng.integers(0, n, battles)
    b = (a + rng.integers(1, n, battles)) % n
    p = 1 / (1 + np.exp(-(theta[a] - theta[b])))
    close = tie_share * np.minimum(p, 1 - p)
    u = rng.random(battles)
    outcome = np.where(u < p - close, 1.0, np.where(u < p + close, 0.5, 0.0))
    return a, b, outcome


def counts(n: int, a, b, outcome):
    wins, ties = np.zeros((n, n)), np.zeros((n, n))
    np.add.at(wins, (a[outcome == 1], b[outcome == 1]), 1)
    np.add.at(wins, (b[outcome == 0], a[outcome == 0]), 1)
    np.add.at(ties, (a[outcome == 0.5], b[outcome == 0.5]), 1)
    return wins, ties + ties.T


def true_ratings(theta: np.ndarray) -> np.ndarray:
    return rating.to_rating(theta - theta.mean())


def test_the_fit_recovers_the_order_of_known_strengths():
    rng = np.random.default_rng(7)
    theta = np.linspace(-1.5, 1.5, 10) * math.log(10) * 60 / 400 / 0.3333  # about 60 rating points apart
    rng.shuffle(theta)
    fit = rating.fit(*counts(10, *simulate(theta, 20_000, rng, tie_share=0.3)))
    assert list(np.argsort(fit.rating)) == list(np.argsort(theta))
    assert np.max(np.abs(fit.rating - true_ratings(theta))) < 25  # several standard errors would be a bug
    assert fit.rating.mean() == pytest.approx(1000.0)


@pytest.mark.parametrize("tie_share", [0.0, 0.4])
def test_95_percent_intervals_cover_the_true_ratings_at_the_stated_rate(tie_share):
    rng = np.random.default_rng(2026 + int(tie_share * 10))
    theta = np.array([-1.2, -0.5, 0.0, 0.3, 0.9, 1.4])
    truth = true_ratings(theta)
    reps, covered = 300, 0
    for _ in range(reps):
        fit = rating.fit(*counts(len(theta), *simulate(theta, 3000, rng, tie_share)))
        covered += sum(lo <= t <= hi for lo, t, hi in zip(fit.lower, truth, fit.upper, strict=True))
    trials = reps * len(theta)
    # The stated rate, within four binomial standard errors of it.
    tolerance = 4 * math.sqrt(0.95 * 0.05 / trials)
    assert abs(covered / trials - 0.95) <= tolerance, covered / trials


def per_battle_ml(n: int, a, b, outcome) -> np.ndarray:
    """An independent ML fit: the logistic likelihood battle by battle, each battle twice at half weight and a tie
    as one row won by A and one by B (as LMArena's notebooks count it), the first model's log-strength fixed at
    0, scipy's BFGS."""
    rows_a = np.concatenate([a, a])
    rows_b = np.concatenate([b, b])
    y = np.concatenate([np.where(outcome == 0.5, 1.0, outcome), np.where(outcome == 0.5, 0.0, outcome)])
    weight = 0.5

    def nll(free):
        theta = np.concatenate([[0.0], free])
        d = theta[rows_a] - theta[rows_b]
        p = 1 / (1 + np.exp(-d))
        loss = -np.sum(weight * (y * np.log(p) + (1 - y) * np.log(1 - p)))
        resid = weight * (y - p)
        grad = np.zeros(n)
        np.add.at(grad, rows_a, -resid)
        np.add.at(grad, rows_b, resid)
        return loss, grad[1:]

    result = minimize(nll, np.zeros(n - 1), jac=True, method="BFGS", options={"gtol": 1e-8})
    theta = np.concatenate([[0.0], result.x])
    return rating.to_rating(theta - theta.mean())


def test_the_fit_agrees_with_independent_maximum_likelihood_fits_within_one_point():
    import choix

    rng = np.random.default_rng(11)
    theta = rng.normal(0, 0.8, 12)
    a, b, outcome = simulate(theta, 6000, rng, tie_share=0.3)
    wins, ties = counts(12, a, b, outcome)
    ours = rating.fit(wins, ties).rating
    by_battle = per_battle_ml(12, a, b, outcome)
    spectral = rating.to_rating(choix.ilsr_pairwise_dense(wins + ties / 2))  # Luce spectral ranking, choix
    assert np.max(np.abs(ours - by_battle)) < 1.0
    assert np.max(np.abs(ours - spectral)) < 1.0


def test_a_tie_is_half_a_win_for_each_side():
    only_ties = np.array([[0, 0], [0, 0]]), np.array([[0, 7], [7, 0]])
    fit = rating.fit(*only_ties)
    assert fit.rating[0] == pytest.approx(fit.rating[1])
    # The same as LMArena's duplication: every battle twice, a tie as one win for each side.
    rng = np.random.default_rng(3)
    theta = np.array([0.0, 0.4, -0.3, 0.8])
    a, b, outcome = simulate(theta, 2000, rng, tie_share=0.5)
    wins, ties = counts(4, a, b, outcome)
    doubled = rating.fit(2 * wins + ties, np.zeros((4, 4)))
    # The same up to the weak prior, which weighs half as much against twice the battles.
    assert np.max(np.abs(rating.fit(wins, ties).rating - doubled.rating)) < 0.05


def test_the_scale_is_lmarenas_and_the_prior_only_tames_a_few_votes():
    wins = np.array([[0, 1000], [100, 0]])  # strength ratio 10: 400 points apart, centred on 1000
    fit = rating.fit(wins)
    assert fit.rating[0] - fit.rating[1] == pytest.approx(400, abs=0.5)
    assert fit.rating.mean() == pytest.approx(1000)
    one = rating.fit(np.array([[0, 1], [0, 0]]))  # maximum likelihood: ±infinity after one vote
    assert 1000 < one.rating[0] < 1300 and one.rating[1] == pytest.approx(2000 - one.rating[0])
    assert one.upper[0] is None and one.lower[1] is None
    assert one.lower[0] < one.upper[1] and one.rank == [1, 1]  # one vote separates nothing


def test_ranks_differ_only_where_the_intervals_separate():
    lower, upper = [1000, 1050, 1200, None], [1100, 1150, 1300, 990]
    assert rating.ranks(lower, upper) == [2, 2, 1, 4]  # the last is below all three, with an open lower bound


def test_a_model_that_never_lost_has_an_open_upper_bound_and_separate_groups_are_counted():
    wins = np.zeros((4, 4))
    wins[0, 1] = 5  # model 0 won all of its five battles
    wins[2, 3], wins[3, 2] = 3, 4  # models 2 and 3 never met 0 or 1
    fit = rating.fit(wins)
    assert fit.upper[0] is None and fit.lower[0] is not None
    assert fit.lower[1] is None and fit.upper[1] is not None
    assert None not in (fit.lower[2], fit.upper[2])
    assert fit.groups == 2
    assert all(math.isfinite(r) for r in fit.rating)
