"""Length/height between two visits: a change no child can make (a fall, or a jump) is a typo to re-measure.

Pure: both lengths come in already on one basis (lying or standing, see ages.adjust_lenhei); nothing is read here.
"""
from shared.domain.growth import ages
from shared.domain.growth.errors import InvalidMeasurement

# Children do not shrink, so any fall is measurement error, and an error larger than two measurers can make is a
# typo (87 -> 77 cm). WHO MGRS measurement protocol (de Onis et al., Food Nutr Bull 2004;25(1 Suppl):S27-36) lets
# two trained observers' lengths differ by at most 0.7 cm before both re-measure. Between visits the two values come
# from different people with different tools (a tape at home, a length board at the posyandu), so the two errors
# add: 2 x 0.7 = 1.4 cm, rounded up to 1.5 cm. Tumbuh's choice, built on the MGRS figure.
MEASUREMENT_TOLERANCE_CM = 1.5

# Fastest believable growth in cm per month, by completed months at the earlier visit: (below this age, limit).
# Deliberately generous, Tumbuh's choice: from 1.7 times (first month) to 3 times (from 24 months) the median
# monthly growth along the WHO 2006 length/height-for-age medians (boys: 4.8 cm in the first month, 3.0 at 2-3
# months, 2.0 at 4-5, 1.5-1.3 at 6-11, 1.3-0.9 at 12-23, 0.8-0.55 from 24 months; girls a little less), meant to
# sit above the 99th centile of the WHO length velocity standards (WHO Child Growth Standards: Growth velocity based
# on weight, length and head circumference, 2009; birth to 24 months, in increments over 2 months or more, as one
# month's growth is close to measurement error). A healthy child never trips them; a slipped digit does.
MAX_GROWTH_CM_PER_MONTH = ((3, 8.0), (6, 5.0), (12, 3.5), (24, 3.0))
MAX_GROWTH_FROM_24_MONTHS_CM_PER_MONTH = 2.5


def length_change_limits(previous_age_days: int, current_age_days: int) -> tuple[float, float]:
    """Smallest and largest believable change in cm (fall as a negative number) between two visits.

    The growth limit is the per-month limit for the age at the earlier visit (the faster one), applied over
    max(1 month, interval), plus the measurement tolerance either way. The month's minimum keeps a re-measure a few
    days later from being held to a few days' growth.

    Raises:
        InvalidMeasurement: a negative age, or the current visit before the previous one.
    """
    if previous_age_days < 0 or current_age_days < 0:
        raise InvalidMeasurement("negative_age", f"ages must be >= 0, got {previous_age_days}, {current_age_days}")
    if current_age_days < previous_age_days:
        raise InvalidMeasurement(
            "measurements_out_of_order", f"day {previous_age_days} is after day {current_age_days}"
        )
    age_months = ages.completed_months_from_days(previous_age_days)
    per_month = next(
        (cm for below, cm in MAX_GROWTH_CM_PER_MONTH if age_months < below), MAX_GROWTH_FROM_24_MONTHS_CM_PER_MONTH
    )
    months = max(1.0, (current_age_days - previous_age_days) / ages.DAYS_PER_MONTH)
    return -MEASUREMENT_TOLERANCE_CM, per_month * months + MEASUREMENT_TOLERANCE_CM


def is_plausible_length_change(
    previous_cm: float, current_cm: float, previous_age_days: int, current_age_days: int
) -> bool:
    """False when the length falls by more than measurement error or grows faster than any child can.

    Args:
        previous_cm, current_cm: on the same basis (both lying length or both standing height); convert with
            ages.adjust_lenhei at one age first, so the 0.7 cm lying/standing step is not read as growth or a fall.
        previous_age_days, current_age_days: exact ages in days at the two visits.

    Raises:
        InvalidMeasurement: a length <= 0, a negative age, or the current visit before the previous one.
    """
    if not previous_cm > 0 or not current_cm > 0:
        raise InvalidMeasurement("non_positive_lenhei_cm", f"lengths must be > 0, got {previous_cm}, {current_cm}")
    lowest, highest = length_change_limits(previous_age_days, current_age_days)
    return lowest <= round(current_cm - previous_cm, 1) <= highest  # tenths of a cm, as measured: no float edge
