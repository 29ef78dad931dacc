"""Goodness of fit for the load-balancing split: Pearson's chi-square test, no scipy."""

from __future__ import annotations

import math


def chi2_sf(x: float, dof: int) -> float:
    """P(X >= x) for a chi-square variable with `dof` degrees of freedom (closed forms)."""
    if dof < 1:
        raise ValueError("dof must be >= 1")
    if x <= 0:
        return 1.0
    half = x / 2
    if dof % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, dof // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    total = math.erfc(math.sqrt(half))
    term = math.sqrt(half) / math.gamma(1.5)  # (x/2)^(1/2) / Gamma(3/2)
    for i in range(1, (dof + 1) // 2):
        total += math.exp(-half) * term
        term *= half / (i + 0.5)
    return min(1.0, total)


def split_p_value(observed: list[int], weights: list[float]) -> float:
    """How likely a split at least this far from `weights` is by chance (chi-square p-value)."""
    if len(observed) != len(weights) or len(observed) < 2:
        raise ValueError("need two or more categories, as many weights as counts")
    n = sum(observed)
    total_weight = sum(weights)
    if n == 0 or total_weight <= 0:
        return 1.0
    statistic = 0.0
    for count, weight in zip(observed, weights):
        expected = n * weight / total_weight
        if expected == 0:
            if count:
                return 0.0
            continue
        statistic += (count - expected) ** 2 / expected
    return chi2_sf(statistic, len(observed) - 1)
