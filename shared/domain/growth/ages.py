"""Ages and the lying/standing rule as WHO anthro applies them; dates are passed in, never read from a clock."""
import math
from datetime import date

DAYS_PER_MONTH = 30.4375  # WHO anthro ANTHRO_DAYS_OF_MONTH = 365.25 / 12 (anthro-package.R)
LYING_STANDING_CM = 0.7  # WHO 2006 / Permenkes 2/2020: lying length = standing height + 0.7 cm
HEIGHT_FROM_DAY = 731  # anthro adjust_lenhei: standing height expected from day 731 (age >= 24 months)
STANDING_MIN_MONTHS = 9  # anthro: a standing measure before 9 months is implausible (c9mo_flag)
UNDER_FIVE_MONTHS = 60  # WHO 2006 covers ages in months below 60; from 60 months a child is outside the standard
UNDER_FIVE_LAST_DAY = 1826  # last day with age in months < 60 (1827 / 30.4375 >= 60); WHO tables end here
MEASURE_LYING, MEASURE_STANDING = "l", "h"  # WHO anthro measure codes: recumbent length, standing height


def usual_measure(age_days: int | None) -> str:
    """How a child of this age is usually measured when nobody said: lying ("l", length) before 731 days, standing
    ("h", height) from then on; "h" when the age is unknown."""
    return "l" if age_days is not None and age_days < HEIGHT_FROM_DAY else "h"


def round_up(age_days: float) -> int:
    """Whole days as anthro's round_up: a fraction of 0.5 or more rounds up, otherwise down (utils.R)."""
    whole = math.floor(age_days)
    return whole + 1 if age_days - whole >= 0.5 else whole


def age_months(age_days: float) -> float:
    """Age in months as anthro uses it for validity: days / 30.4375, not rounded."""
    return age_days / DAYS_PER_MONTH


def age_days_from_months(age_months_given: float) -> float:
    """Age in days when only an age in months is known, as WHO Anthro takes it: months x 30.4375 (not rounded)."""
    return age_months_given * DAYS_PER_MONTH


def age_days_between(birth_date: date, on_date: date) -> int:
    """Exact age in days on a date (visit date minus birth date), as WHO's method expects."""
    return (on_date - birth_date).days


def completed_months(birth_date: date, on_date: date) -> int:
    """Age in completed calendar months (Permenkes 2/2020 'bulan penuh': 2 months 29 days counts as 2)."""
    months = (on_date.year - birth_date.year) * 12 + (on_date.month - birth_date.month)
    if on_date.day < birth_date.day:
        months -= 1  # the monthly birthday has not come yet (a 31st birthday falls on the month's last day)
        last_day = _days_in_month(on_date.year, on_date.month)
        if on_date.day == last_day and birth_date.day > last_day:
            months += 1
    return months


def completed_months_from_days(age_days: float) -> int:
    """Completed months when only the age in days is known: floor(days / 30.4375)."""
    return math.floor(age_days / DAYS_PER_MONTH)


def standing_too_young(measure: str | None, age_days: float | None) -> bool:
    """True when a standing height was taken before 9 months (anthro c9mo_flag; the measure is then dropped)."""
    return measure == MEASURE_STANDING and age_days is not None and age_months(age_days) < STANDING_MIN_MONTHS


def adjust_lenhei(lenhei_cm: float, measure: str | None, age_days_whole: int | None) -> float:
    """Length/height standardised to what the table expects at this age (anthro adjust_lenhei, +/-0.7 cm).

    Args:
        lenhei_cm: as measured.
        measure: "l" lying, "h" standing, None unknown (then nothing is added or taken away).
        age_days_whole: age rounded with round_up, or None when unknown (then no change).
    """
    if age_days_whole is None or measure is None:
        return lenhei_cm
    if age_days_whole < HEIGHT_FROM_DAY and measure == MEASURE_STANDING:
        return lenhei_cm + LYING_STANDING_CM
    if age_days_whole >= HEIGHT_FROM_DAY and measure == MEASURE_LYING:
        return lenhei_cm - LYING_STANDING_CM
    return lenhei_cm


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - date(year, month, 1)).days
