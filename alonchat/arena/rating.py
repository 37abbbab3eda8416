"""Bradley–Terry ratings on LMArena's scale with sandwich 95% intervals, from pairwise win and tie counts.

The fit is scipy's trust-region Newton (`scipy.optimize.minimize(method="trust-exact")`) on the BT
log-likelihood written over pairs of models, so 100,000 battles cost no more than the number of pairs
that met. A tie is a soft outcome of one half (half a win for each side, as LMArena counts it).

Intervals: the sandwich (robust) estimator H⁻¹ M H⁻¹, as LMArena's own leaderboard uses. It needs one
fit instead of a bootstrap's hundreds (100 models × 100,000 battles stays far under a second), it is
exact from the pair counts (each battle's score is (y - p)·(e_i - e_j), so M sums per pair), and it
stays valid where the BT model is only approximately right: ties as half wins, and votes that
depend on more than the two strengths.

A weak prior on each log-strength (normal, sd about 780 rating points: RIDGE) keeps a model that won (or
lost) every battle finite and near the others while it has few votes (one vote: about 1230 against 770,
not ±infinity); with a few hundred votes per model it moves ratings by well under a point. Such a model's
open side is still reported as unbounded (None): the votes say nothing about how far it goes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SCALE = 400.0  # rating points per factor of 10 in strength (LMArena)
BASE = 10.0
INIT = 1000.0  # the mean rating: strengths are centred at 1 (log-strength 0)
RIDGE = 0.05  # the prior's precision on log-strengths (sd 1/√0.05 ≈ 4.5, i.e. ≈ 780 rating points)
Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval
_POINTS = SCALE / math.log(BASE)  # rating points per unit of natural log-strength


@dataclass(frozen=True)
class Fit:
    """Ratings (LMArena's scale, mean 1000) with 95% bounds (None: unbounded), ranks and the covariance."""

    rating: np.ndarray
    lower: list[float | None]
    upper: list[float | None]
    rank: list[int]
    stderr: np.ndarray  # in rating points
    groups: int  # connected groups of the battle graph: ratings compare only within one


def to_rating(log_strength: np.ndarray) -> np.ndarray:
    """rating = 1000 + 400·log10(strength), strength = e^θ."""
    return INIT + _POINTS * np.asarray(log_strength, dtype=float)


def _nll(theta: np.ndarray, wins: np.ndarray, games: np.ndarray):
    """Negative log-likelihood, its gradient and Hessian; `wins[i, j]` counts i over j (ties give 0.5 each)."""
    d = theta[:, None] - theta[None, :]
    p = 0.5 * (1.0 + np.tanh(0.5 * d))  # σ(θi - θj), stable for large |d|
    log_p = -np.logaddexp(0.0, -d)
    value = -float(np.sum(wins * log_p))
    resid = wins - games * p  # observed minus expected wins of i over j
    grad = -resid.sum(axis=1)
    w = games * p * (1.0 - p)
    hess = -w
    np.fill_diagonal(hess, w.sum(axis=1))  # games has a zero diagonal
    return value, grad, hess


def fit(wins: np.ndarray, ties: np.ndarray | None = None) -> Fit:
    """Fit BT to `wins[i, j]` (decisive wins of i over j) and symmetric `ties[i, j]`; intervals by the sandwich.

    Raises ValueError when the optimiser does not converge (it does on any data: the prior makes the
    problem strictly convex).
    """
    from scipy.optimize import minimize
    from scipy.sparse.csgraph import connected_components

    wins = np.array(wins, dtype=float)
    n = wins.shape[0]
    ties = np.zeros_like(wins) if ties is None else np.array(ties, dtype=float)
    np.fill_diagonal(wins, 0.0)  # a model against itself (two settings of one model) says nothing about it
    np.fill_diagonal(ties, 0.0)
    soft = wins + 0.5 * ties  # the soft outcome: a tie is half a win for each side
    games = wins + wins.T + ties

    def objective(theta):
        value, grad, hess = _nll(theta, soft, games)
        return value + 0.5 * RIDGE * float(theta @ theta), grad + RIDGE * theta

    def hessian(theta):
        return _nll(theta, soft, games)[2] + RIDGE * np.eye(n)

    # The gradient sums one term per battle: its rounding grows with their number, and so does the tolerance.
    # A gradient of 1e-7 per battle moves a rating by far less than 0.001 point.
    scale = max(1.0, float(games.sum()) / 2)
    result = minimize(objective, np.zeros(n), jac=True, hess=hessian, method="trust-exact",
                      options={"gtol": 1e-10 * scale, "maxiter": 500})
    if not result.success and np.max(np.abs(result.jac)) > 1e-7 * scale:
        raise ValueError(f"the Bradley–Terry fit did not converge ({result.message})")
    theta = result.x - result.x.mean()
    cov, model_cov = sandwich(theta, wins, ties)
    played = games.sum(axis=1)
    won, lost = soft.sum(axis=1), soft.T.sum(axis=1)
    # A model that won (or lost) every battle has residuals near zero, and so a sandwich near zero: after one
    # vote it would call 1230 against 770 a sure thing. Its variance is the model's own (the inverse
    # information) where that is larger.
    boundary = (played > 0) & ((won == 0) | (lost == 0))
    var = np.where(boundary, np.maximum(np.diag(cov), np.diag(model_cov)), np.diag(cov))
    se = np.sqrt(np.clip(var, 0.0, None)) * _POINTS
    rating = to_rating(theta)
    # With every battle won (or lost) the likelihood keeps rising as the rating moves away: that side is open.
    lower = [None if played[i] and won[i] == 0 else float(rating[i] - Z95 * se[i]) for i in range(n)]
    upper = [None if played[i] and lost[i] == 0 else float(rating[i] + Z95 * se[i]) for i in range(n)]
    groups = connected_components(games > 0, directed=False)[0]
    return Fit(rating, lower, upper, ranks(lower, upper), se, int(groups))


def sandwich(theta: np.ndarray, wins: np.ndarray, ties: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Cov(θ̂) ≈ H⁺ M H⁺, and the model-based H⁺), with the bread H (the Fisher information; H⁺ its
    pseudo-inverse) and the meat M, summed per pair.

    For a battle of i against j with outcome y (1, ½ or 0 for i), the score is (y - p_ij)(e_i - e_j); over
    the pair's battles Σ(y - p)² = W_ij (1 - p)² + T_ij (½ - p)² + W_ji p². Both H and M are graph
    Laplacians with the all-ones vector in their null space, so the ratings' common level (fixed by
    centring at 1000) has no variance. Expects zero diagonals (fit() clears them).
    """
    d = theta[:, None] - theta[None, :]
    p = 0.5 * (1.0 + np.tanh(0.5 * d))
    games = wins + wins.T + ties
    bread_w = games * p * (1.0 - p)
    meat_w = wins * (1.0 - p) ** 2 + wins.T * p ** 2 + ties * (0.5 - p) ** 2
    bread = np.diag(bread_w.sum(axis=1)) - bread_w
    meat = np.diag(meat_w.sum(axis=1)) - meat_w
    # The data's own information, without the prior's (the interval says what the votes say), inverted on the
    # ratings' centred space: the pseudo-inverse. Inverting H plus a tiny ridge put 1/ridge along the null space
    # instead, and rounding there (M·1 is zero only up to 1e-16 of its size) came back as real-sized variance.
    inv = np.linalg.pinv(bread, hermitian=True)
    return inv @ meat @ inv, inv


def ranks(lower: list[float | None], upper: list[float | None]) -> list[int]:
    """LMArena's rank: 1 + the number of models whose lower bound is above this one's upper bound.

    Two models get different ranks only where their intervals separate; an open bound is ±infinity.
    """
    lo = np.array([-math.inf if v is None else v for v in lower])
    hi = np.array([math.inf if v is None else v for v in upper])
    return [int(1 + np.sum(lo > hi[i])) for i in range(len(lo))]
