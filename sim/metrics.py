"""Summary statistics for the report: exact percentiles over compact arrays."""

from __future__ import annotations

import math
from typing import Sequence

DIGITS = 6
"""Report floats are rounded to this many decimals (keeps JSON short and stable)."""


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none): the ceil(q*n)-th smallest."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(q * len(ordered) - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict:
    """mean, p50, p95, p99 and max of `values`, rounded for the report."""
    if not values:
        return {"mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)
    return {
        "mean": rounded(math.fsum(ordered) / len(ordered)),
        "p50": rounded(percentile(ordered, 0.50)),
        "p95": rounded(percentile(ordered, 0.95)),
        "p99": rounded(percentile(ordered, 0.99)),
        "max": rounded(ordered[-1]),
    }


def rounded(value: float) -> float:
    """`value` rounded to DIGITS decimals, with -0.0 shown as 0.0."""
    return round(value, DIGITS) + 0.0
