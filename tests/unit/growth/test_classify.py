"""Permenkes 2/2020 categories at every cut-off, with the regulation's boundary semantics.

Cut-offs checked against the regulation's table (reference/domain-id.md D1): BB/U "< -3 SD" sangat kurang,
"-3 SD s.d. < -2 SD" kurang, "-2 SD s.d. +1 SD" normal, "> +1 SD" risiko lebih; PB/U or TB/U "-2 SD s.d.
+3 SD" normal, "> +3 SD" tinggi; BB/PB, BB/TB and IMT/U "> +1 SD s.d. +2 SD" berisiko gizi lebih,
"> +2 SD s.d. +3 SD" gizi lebih, "> +3 SD" obesitas.
"""
import pytest

from shared.domain.growth.classify import (
    STUNTING,
    UNDERWEIGHT,
    WASTING,
    LengthForAge,
    WeightForAge,
    WeightForLength,
    classify_bmi_for_age,
    classify_length_for_age,
    classify_weight_for_age,
    classify_weight_for_length,
)

WFA = [
    (-3.01, WeightForAge.SEVERELY_UNDERWEIGHT),
    (-3.00, WeightForAge.UNDERWEIGHT),
    (-2.01, WeightForAge.UNDERWEIGHT),
    (-2.00, WeightForAge.NORMAL),
    (1.00, WeightForAge.NORMAL),
    (1.01, WeightForAge.RISK_OF_OVERWEIGHT),
    (2.00, WeightForAge.RISK_OF_OVERWEIGHT),
    (3.00, WeightForAge.RISK_OF_OVERWEIGHT),
    (3.01, WeightForAge.RISK_OF_OVERWEIGHT),
]
LFA = [
    (-3.01, LengthForAge.SEVERELY_STUNTED),
    (-3.00, LengthForAge.STUNTED),
    (-2.01, LengthForAge.STUNTED),
    (-2.00, LengthForAge.NORMAL),
    (1.00, LengthForAge.NORMAL),
    (2.00, LengthForAge.NORMAL),
    (3.00, LengthForAge.NORMAL),
    (3.01, LengthForAge.TALL),
]
WFL = [
    (-3.01, WeightForLength.SEVERELY_WASTED),
    (-3.00, WeightForLength.WASTED),
    (-2.01, WeightForLength.WASTED),
    (-2.00, WeightForLength.NORMAL),
    (1.00, WeightForLength.NORMAL),
    (1.01, WeightForLength.POSSIBLE_RISK_OF_OVERWEIGHT),
    (2.00, WeightForLength.POSSIBLE_RISK_OF_OVERWEIGHT),
    (2.01, WeightForLength.OVERWEIGHT),
    (3.00, WeightForLength.OVERWEIGHT),
    (3.01, WeightForLength.OBESE),
]


@pytest.mark.parametrize("z,expected", WFA)
def test_weight_for_age_boundaries(z, expected):
    """BB/U: -3.00 is underweight, -2.00 and +1.00 are normal."""
    assert classify_weight_for_age(z) is expected


@pytest.mark.parametrize("z,expected", LFA)
def test_length_for_age_boundaries(z, expected):
    """PB/U or TB/U: -3.00 is stunted, -2.00 and +3.00 are normal."""
    assert classify_length_for_age(z) is expected


@pytest.mark.parametrize("z,expected", WFL)
def test_weight_for_length_boundaries(z, expected):
    """BB/PB or BB/TB: -2.00 and +1.00 are normal, +2.00 is possible risk, +3.00 is overweight."""
    assert classify_weight_for_length(z) is expected


@pytest.mark.parametrize("z,expected", WFL)
def test_bmi_for_age_uses_the_weight_for_length_classes(z, expected):
    """IMT/U under five has the same six classes and cut-offs as BB/PB."""
    assert classify_bmi_for_age(z) is expected


@pytest.mark.parametrize(
    "z,expected",
    [
        (-2.004, LengthForAge.NORMAL),  # rounds to -2.00
        (-2.005, LengthForAge.NORMAL),  # the double below -2.005 rounds to -2.00 in R
        (-2.0051, LengthForAge.STUNTED),  # rounds to -2.01
        (-3.004, LengthForAge.STUNTED),  # rounds to -3.00
        (3.004, LengthForAge.NORMAL),
        (3.0051, LengthForAge.TALL),
    ],
)
def test_classification_uses_z_rounded_to_two_decimals(z, expected):
    """A z is classified after R's round(z, 2), as WHO reports it."""
    assert classify_length_for_age(z) is expected


def test_classifying_a_missing_score_is_an_error():
    """NaN or None never silently lands in the top class."""
    for z in (float("nan"), None):
        with pytest.raises(ValueError):
            classify_weight_for_length(z)


def test_problem_sets_cover_the_two_lowest_classes():
    """Stunting, wasting and underweight are the two classes below -2 SD of their index."""
    assert STUNTING == {LengthForAge.SEVERELY_STUNTED, LengthForAge.STUNTED}
    assert WASTING == {WeightForLength.SEVERELY_WASTED, WeightForLength.WASTED}
    assert UNDERWEIGHT == {WeightForAge.SEVERELY_UNDERWEIGHT, WeightForAge.UNDERWEIGHT}
