"""The statistics of a verdict, in plain Python: Wilson's interval, percentiles, the cost/pass-rate front."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(passes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for passes out of n (None when n is 0)."""
    if n <= 0:
        return None
    p = passes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n passes the bound is exactly 0 or 1 (rounding would leave 0.9999999999999999).
    return (0.0 if passes == 0 else max(0.0, centre - half)), (1.0 if passes == n else min(1.0, centre + half))


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..1) of already sorted values."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def pareto(points: list[tuple[float | None, float | None]]) -> set[int]:
    """The indexes of points (cost, pass rate) no other point beats on both (cheaper or equal, and better or equal,
    better on one); points missing either value are left out."""
    known = [(i, cost, rate) for i, (cost, rate) in enumerate(points) if cost is not None and rate is not None]
    front = set()
    for i, cost, rate in known:
        if not any(cj <= cost and rj >= rate and (cj < cost or rj > rate) for j, cj, rj in known if j != i):
            front.add(i)
    return front
