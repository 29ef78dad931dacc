"""The chi-square test behind lb-distributes, against published table values."""

from __future__ import annotations

import math

import pytest

from tutor.live.stats import chi2_sf, split_p_value


@pytest.mark.parametrize("x, dof, p", [
    # critical values from the standard chi-square table (NIST/SEMATECH e-Handbook, 1.3.6.7.4)
    (3.841, 1, 0.05), (6.635, 1, 0.01), (5.991, 2, 0.05), (9.210, 2, 0.01), (7.815, 3, 0.05),
    (11.345, 3, 0.01), (9.488, 4, 0.05), (11.070, 5, 0.05), (15.086, 5, 0.01), (2.706, 1, 0.10),
])
def test_chi2_survival_matches_the_table(x, dof, p):
    assert chi2_sf(x, dof) == pytest.approx(p, abs=2e-4)


def test_chi2_survival_closed_forms():
    assert chi2_sf(0, 3) == 1.0
    assert chi2_sf(4.0, 2) == pytest.approx(math.exp(-2))          # dof 2 is an exponential
    assert chi2_sf(1.0, 1) == pytest.approx(math.erfc(math.sqrt(0.5)))


def test_split_p_value():
    assert split_p_value([30, 30], [1, 1]) == 1.0
    assert split_p_value([45, 15], [3, 1]) == 1.0
    assert split_p_value([40, 20], [1, 1]) == pytest.approx(chi2_sf(20 / 3, 1))
    assert split_p_value([5, 0], [1, 0]) == 1.0
    assert split_p_value([4, 1], [1, 0]) == 0.0  # a server with weight 0 answered
    with pytest.raises(ValueError):
        split_p_value([3], [1])
