"""The single-child assessment the chat uses: scores, categories, flags, BGM and the domain's limits."""
from datetime import date

import pytest

from shared.domain.growth import (
    GrowthAssessment,
    InvalidMeasurement,
    LengthForAge,
    OutsideGrowthStandard,
    ScoreStatus,
    WeightForAge,
    WeightForLength,
    assess_growth,
    assess_growth_on,
)
from shared.domain.growth.zscore import sd_value
from shared.domain.growth import tables


def _wfa_row(sex: int, age_days: int):
    t = tables.table("wfa")
    i = age_days - t.first_key
    return t.l[sex - 1][i], t.m[sex - 1][i], t.s[sex - 1][i]


def test_typical_child_gets_every_score_and_category():
    """A 13-month-old boy measured lying gets all six scores and four Permenkes categories."""
    result = assess_growth(1, 400, weight_kg=9.5, lenhei_cm=76.0, measure="l", headc_cm=45.5, armc_cm=14.5)

    assert isinstance(result, GrowthAssessment)
    assert result.age_months == 13
    assert result.length_for_age.category is LengthForAge.NORMAL
    assert result.weight_for_age.category is WeightForAge.NORMAL
    assert result.weight_for_length.category is WeightForLength.NORMAL
    assert result.bmi_for_age.category is WeightForLength.NORMAL
    assert result.arm_circumference_for_age.z is not None
    assert not (result.needs_remeasure or result.below_red_line or result.stunted or result.wasted)


def test_weight_exactly_at_minus_two_sd_line_is_normal():
    """A weight on WHO's -2 SD line has z = -2.00, which Permenkes calls normal (not underweight)."""
    weight = sd_value(-2, *_wfa_row(2, 500))

    result = assess_growth(2, 500, weight_kg=weight)

    assert result.weight_for_age.z == -2.0
    assert result.weight_for_age.category is WeightForAge.NORMAL
    assert not result.underweight


def test_below_red_line_is_weight_for_age_below_minus_three():
    """BGM is a rounded WFA z below -3: -3.00 is not BGM, -3.01 is."""
    at_line = assess_growth(1, 700, weight_kg=sd_value(-3, *_wfa_row(1, 700)))
    below = assess_growth(1, 700, weight_kg=sd_value(-3, *_wfa_row(1, 700)) - 0.01)

    assert at_line.weight_for_age.z == -3.0 and not at_line.below_red_line
    assert below.weight_for_age.z < -3.0 and below.below_red_line


def test_stunted_child_is_flagged_as_stunting():
    """A 25-month-old boy of 80 cm standing is stunted (TB/U between -3 and -2)."""
    result = assess_growth(1, 760, weight_kg=10.0, lenhei_cm=80.0, measure="h")

    assert result.length_for_age.category is LengthForAge.STUNTED
    assert result.stunted


def test_implausible_length_asks_to_remeasure():
    """|length-for-age z| > 6 is WHO's flag: the category is kept but the child must be re-measured."""
    result = assess_growth(1, 400, weight_kg=9.9, lenhei_cm=91.73, measure="l")

    assert result.length_for_age.z == 6.02
    assert result.length_for_age.flagged
    assert result.needs_remeasure


def test_standing_before_nine_months_asks_to_measure_lying():
    """A standing height at 5 months is dropped for the 0.7 cm rule and asks for a lying re-measure."""
    result = assess_growth(2, 150, weight_kg=7.5, lenhei_cm=67.0, measure="h")

    assert result.standing_before_9_months
    assert result.measure is None
    assert result.lenhei_cm == 67.0
    assert result.needs_remeasure


def test_oedema_counts_as_severe_without_weight_scores():
    """With oedema WHO computes no weight-based z and counts the child below -3 SD."""
    result = assess_growth(1, 400, weight_kg=6.0, lenhei_cm=74.0, measure="l", oedema=True)

    assert result.weight_for_length.status is ScoreStatus.OEDEMA
    assert result.weight_for_length.z is None
    assert result.weight_for_length.category is WeightForLength.SEVERELY_WASTED
    assert result.weight_for_age.category is WeightForAge.SEVERELY_UNDERWEIGHT
    assert result.wasted and result.underweight
    assert result.length_for_age.z is not None


def test_missing_measurements_leave_only_those_scores_out():
    """Weight only: weight-for-age is computed, the length-based ones say missing input."""
    result = assess_growth(1, 300, weight_kg=8.0)

    assert result.weight_for_age.z is not None
    assert result.length_for_age.status is ScoreStatus.MISSING_INPUT
    assert result.length_for_age.category is None


@pytest.mark.parametrize("age_days", [1827, 1900, 6000])
def test_sixty_months_or_older_is_outside_the_standard(age_days):
    """From 60 months Tumbuh says plainly it covers under-fives, and computes nothing."""
    with pytest.raises(OutsideGrowthStandard) as err:
        assess_growth(1, age_days, weight_kg=18.0)

    assert err.value.key == "age_60_months_or_more"


def test_last_day_under_five_is_assessed():
    """Day 1826 (59.99 months) is still covered by WHO 2006."""
    result = assess_growth(2, 1826, weight_kg=17.0, lenhei_cm=105.0, measure="h")

    assert result.weight_for_age.z is not None


@pytest.mark.parametrize(
    "kwargs,key",
    [
        ({"sex": 3, "age_days": 100}, "invalid_sex"),
        ({"sex": 1, "age_days": -1}, "negative_age"),
        ({"sex": 1, "age_days": 100, "weight_kg": 0.0}, "non_positive_weight_kg"),
        ({"sex": 1, "age_days": 100, "lenhei_cm": -50.0}, "non_positive_lenhei_cm"),
        ({"sex": 1, "age_days": 100, "measure": "x"}, "invalid_measure"),
    ],
)
def test_impossible_values_raise_typed_errors(kwargs, key):
    """Values no child can have raise InvalidMeasurement with a stable key, never a silent None."""
    with pytest.raises(InvalidMeasurement) as err:
        assess_growth(**kwargs)

    assert err.value.key == key


def test_dates_give_exact_days_and_completed_calendar_months():
    """From dates the age is exact days for WHO and completed months (bulan penuh) for display."""
    result = assess_growth_on(1, date(2023, 1, 15), date(2023, 4, 14), weight_kg=6.0)

    assert result.age_days == 89
    assert result.age_months == 2  # 2 months 30 days counts as 2 (Permenkes 2/2020)


def test_measurement_before_birth_is_invalid():
    """A visit date before the birth date is a data error."""
    with pytest.raises(InvalidMeasurement):
        assess_growth_on(1, date(2024, 5, 1), date(2024, 4, 30), weight_kg=3.0)
