"""LMS maths checked by hand on WHO table rows (copied in the test), and R's rounding rule."""
import math

import pytest

from shared.domain.growth.zscore import lms_z, restricted_z, round2, sd_value

# Hand-copied rows of WHO's published tables (WHO Child Growth Standards 2006, boys):
WFA_BOYS_DAY_0 = (0.3487, 3.3464, 0.14602)  # weight-for-age, day 0: L, M, S
LHFA_BOYS_DAY_0 = (1.0, 49.8842, 0.03795)  # length-for-age, day 0


def test_median_gives_zero():
    """A measurement equal to M is z = 0."""
    l, m, s = WFA_BOYS_DAY_0

    assert lms_z(m, l, m, s) == 0.0
    assert restricted_z(m, l, m, s) == 0.0


def test_length_with_l_equal_one_is_a_plain_coefficient_of_variation():
    """With L = 1 the LMS z is (y/M - 1)/S: 2 SD above the median is M(1 + 2S)."""
    l, m, s = LHFA_BOYS_DAY_0

    z = lms_z(m * (1 + 2 * s), l, m, s)

    assert z == pytest.approx(2.0, abs=1e-12)


def test_sd_lines_give_whole_z_scores():
    """The weight at WHO's SD line k has z = k, inside and at the restricted limits."""
    l, m, s = WFA_BOYS_DAY_0

    for k in (-3, -2, -1, 1, 2, 3):
        assert restricted_z(sd_value(k, l, m, s), l, m, s) == pytest.approx(k, abs=1e-12)


def test_beyond_three_sd_distance_is_measured_in_the_two_to_three_sd_gap():
    """Above +3 SD, z = 3 + (y - SD3)/(SD3 - SD2) (WHO restricted application of LMS)."""
    l, m, s = WFA_BOYS_DAY_0
    sd2, sd3 = sd_value(2, l, m, s), sd_value(3, l, m, s)
    y = sd3 + 1.5 * (sd3 - sd2)

    assert restricted_z(y, l, m, s) == pytest.approx(4.5, abs=1e-12)
    assert lms_z(y, l, m, s) != pytest.approx(4.5, abs=0.01)


def test_below_minus_three_sd_uses_the_lower_gap():
    """Below -3 SD, z = -3 + (y - SD-3)/(SD-2 - SD-3)."""
    l, m, s = WFA_BOYS_DAY_0
    sdm2, sdm3 = sd_value(-2, l, m, s), sd_value(-3, l, m, s)
    y = sdm3 - 0.5 * (sdm2 - sdm3)

    assert restricted_z(y, l, m, s) == pytest.approx(-3.5, abs=1e-12)


def test_zero_and_negative_weights_follow_r_arithmetic():
    """y = 0 gives R's finite restricted value (0^negative L is Inf); y < 0 gives NaN, as in R."""
    l, m, s = (-0.3521, 2.441, 0.09182)  # weight-for-length, boys, 45.0 cm
    sdm2, sdm3 = sd_value(-2, l, m, s), sd_value(-3, l, m, s)

    assert restricted_z(0.0, l, m, s) == pytest.approx(-3 + (0 - sdm3) / (sdm2 - sdm3))
    assert math.isnan(restricted_z(-1.0, l, m, s))


@pytest.mark.parametrize(
    "x,expected",
    [
        (0.125, 0.12),  # exact binary half: ties to even
        (0.375, 0.38),
        (-0.125, -0.12),
        (2.675, 2.67),  # the double is below the half
        (1.005, 1.0),  # 1.00499999999999989...
        (-3.0049999, -3.0),
        (5.005, 5.0),  # flag threshold: 5.00499999... rounds to 5.00, not flagged
        (0.0, 0.0),
        # Equidistant in double arithmetic: R's fround.c (>= 4.0.0) takes the even last digit, where
        # Python's round(0.155, 2) gives 0.15 from the exact binary value.
        (0.155, 0.16),
        (-0.165, -0.16),
    ],
)
def test_round2_follows_r(x, expected):
    """round2 picks R's candidate: nearer in double precision, ties to the even last digit."""
    assert round2(x) == expected


def test_round2_keeps_missing_and_infinite_values():
    """NaN stays NaN and infinities stay infinite, as R's round does."""
    assert math.isnan(round2(math.nan))
    assert round2(math.inf) == math.inf
    assert round2(-math.inf) == -math.inf
