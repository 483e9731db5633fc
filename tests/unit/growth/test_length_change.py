"""Length between visits: a fall beyond measurement error or a jump no child can grow is a typo to re-measure."""
import pytest

from shared.domain.growth import InvalidMeasurement, is_plausible_length_change, length_change_limits
from shared.domain.growth.ages import MEASURE_LYING, MEASURE_STANDING, adjust_lenhei

MONTH_DAYS = 30  # close enough to a month for these cases; the limits use 30.4375


def _at_months(months: float) -> int:
    """Age in whole days at a number of months."""
    return round(months * 30.4375)


def test_typo_of_ten_centimetres_down_is_implausible():
    """87 -> 77 cm at 23 months would turn a normal child into 'sangat pendek': a typo, not a measurement."""
    assert is_plausible_length_change(87.0, 77.0, _at_months(22), _at_months(23)) is False


@pytest.mark.parametrize(
    "previous_cm,current_cm,previous_months,current_months",
    [
        (49.9, 54.7, 0, 1),  # WHO boys' medians: the first month, the fastest of all
        (58.4, 61.4, 2, 3),
        (67.6, 69.1, 6, 7),
        (82.3, 83.2, 18, 19),
        (96.1, 96.8, 36, 37),
        (75.7, 82.3, 12, 18),  # six months between visits
        (80.0, 84.0, 12, 13),  # 4 cm in a month at 12 months: far above the median, still allowed
    ],
)
def test_normal_growth_is_plausible(previous_cm, current_cm, previous_months, current_months):
    """Growth along the WHO medians, and well above them, passes."""
    assert is_plausible_length_change(previous_cm, current_cm, _at_months(previous_months), _at_months(current_months))


@pytest.mark.parametrize("current_cm,plausible", [(84.1, True), (83.5, True), (83.4, False)])
def test_a_small_drop_is_measurement_error(current_cm, plausible):
    """Two measurers may disagree by 0.7 cm each: a drop up to 1.5 cm passes, 1.6 cm does not."""
    assert is_plausible_length_change(85.0, current_cm, _at_months(20), _at_months(21)) is plausible


def test_ten_centimetres_in_a_month_at_eighteen_months_is_implausible():
    """No 18-month-old grows 10 cm in a month (the median is about 1 cm)."""
    assert is_plausible_length_change(80.0, 90.0, _at_months(18), _at_months(19)) is False


def test_the_growth_limit_scales_with_the_interval():
    """At 18 months 9 cm over three months is possible, 12 cm is not (3 cm a month plus 1.5 cm error)."""
    previous_day, current_day = _at_months(18), _at_months(21)

    assert is_plausible_length_change(80.0, 89.0, previous_day, current_day)
    assert not is_plausible_length_change(80.0, 92.0, previous_day, current_day)


def test_a_remeasure_days_later_is_allowed_a_month():
    """Two visits three days apart are held to a month's limit, not to three days' growth."""
    lowest, highest = length_change_limits(_at_months(18), _at_months(18) + 3)

    assert (lowest, highest) == (-1.5, 4.5)


def test_lying_then_standing_is_compared_on_one_basis():
    """Lying 88.0 cm before 24 months and standing 86.3 cm after differ by 1.0 cm once both are heights."""
    previous_day, current_day = 715, 715 + MONTH_DAYS
    raw_previous, raw_current = 88.0, 86.3

    previous_cm = adjust_lenhei(raw_previous, MEASURE_LYING, current_day)  # as a height: 87.3 cm
    current_cm = adjust_lenhei(raw_current, MEASURE_STANDING, current_day)

    assert is_plausible_length_change(raw_previous, raw_current, previous_day, current_day) is False
    assert is_plausible_length_change(previous_cm, current_cm, previous_day, current_day) is True


@pytest.mark.parametrize(
    "previous_cm,current_cm,previous_day,current_day",
    [
        (80.0, 81.0, 600, 590),  # current visit before the previous one
        (80.0, 0.0, 590, 600),
        (80.0, 81.0, -1, 600),
    ],
)
def test_impossible_inputs_raise(previous_cm, current_cm, previous_day, current_day):
    """Reversed visits, zero lengths and negative ages are caller bugs, raised as InvalidMeasurement."""
    with pytest.raises(InvalidMeasurement):
        is_plausible_length_change(previous_cm, current_cm, previous_day, current_day)
