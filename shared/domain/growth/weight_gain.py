"""Monthly weight gain as kader read it on the KMS: N (naik), T (tidak naik), 2T, O, B, plus a typo check.

Rules (Buku KIA / Juknis KMS; reference/domain-id.md D3), with the choices the books leave open:
- The minimum gain (KBM) is looked up by age in completed months at the current weighing.
- Only weighings roughly one month apart are compared: 21-45 days (posyandu days drift by a week or two).
  From 28 to 35 days the KBM applies as printed, as kader use it on the KMS for "last month". From 21 to 27
  and 36 to 45 days the KBM is scaled by interval / 30.4375 days, so a short gap asks less and a long one
  more. Further apart than 45 days is O (not weighed last month); closer than 21 days is TOO_SOON (compare
  with the weighing before instead).
- Gains are compared in whole grams, so 12.4 - 12.2 kg counts as 200 g, not 199.99... g.
- No KBM exists before 1 completed month (newborns first lose, then regain, birth weight): NEWBORN.
- A change no child can make in the interval is IMPLAUSIBLE: re-weigh before classifying (see limits).
"""
from dataclasses import dataclass
from datetime import date
from enum import Enum

from shared.domain.growth import ages
from shared.domain.growth.errors import InvalidMeasurement, OutsideGrowthStandard

# KBM (Kenaikan Berat badan Minimal) in grams by completed months: Buku KIA 2023 p.54; 7-11 mo 300 g, >= 12 mo 200 g.
KBM_G = {1: 800, 2: 900, 3: 800, 4: 600, 5: 500, 6: 400, 7: 300, 8: 300, 9: 300, 10: 300, 11: 300}
KBM_FROM_12_MONTHS_G = 200
COMPARABLE_DAYS = (21, 45)  # "about one month" between weighings (Tumbuh's choice, see module docstring)
ONE_MONTH_DAYS = (28, 35)  # shortest calendar month to one month plus a posyandu week: the KBM as printed
DAYS_PER_MONTH = ages.DAYS_PER_MONTH

# Plausibility limits for the change between two weighings, per month of interval (at least one month).
# WHO Child Growth Standards: growth velocity (2009) puts the 99th centile of one-month weight increments
# near 1.6-1.8 kg in the first two months, under 1.3 kg at 3-5 months and under 1 kg from 6 months, falling
# to about 0.5 kg in the second year. The limits below sit well above those, so a healthy child never trips
# them, while the typos seen in posyandu registers (a swapped digit 12.4 -> 14.2, "19,9" between 11.7 and
# 12.1, a slipped decimal) do. Catch-up growth in treated severe malnutrition can exceed them; the flag only
# asks to re-weigh, and a confirmed value is then classified (confirmed=True).
MAX_GAIN_KG_PER_MONTH = ((3, 2.5), (6, 2.0), (60, 1.5))  # (below this age in months, limit)
# Losing a fifth of body weight is beyond even severe dehydration (> 10 % loss is already an emergency,
# WHO IMCI); a drop that large between weighings is treated as an entry error until re-weighed.
MAX_LOSS_FRACTION = 0.20


class GainStatus(Enum):
    """Result of comparing a weighing with the previous one; `code` is the KMS/SKDN letter where one exists."""

    GAINED = "gained"  # N, naik
    NOT_GAINED = "not_gained"  # T, tidak naik
    NOT_WEIGHED_LAST_MONTH = "not_weighed_last_month"  # O
    NEW = "new"  # B, first weighing
    TOO_SOON = "too_soon"  # previous weighing under 21 days ago: not a monthly comparison
    NEWBORN = "newborn"  # under 1 completed month: no KBM
    IMPLAUSIBLE = "implausible"  # re-weigh before classifying

    @property
    def code(self) -> str | None:
        """KMS/SKDN letter (N, T, O, B), or None."""
        return _CODES.get(self)


_CODES = {
    GainStatus.GAINED: "N",
    GainStatus.NOT_GAINED: "T",
    GainStatus.NOT_WEIGHED_LAST_MONTH: "O",
    GainStatus.NEW: "B",
}


@dataclass(frozen=True, slots=True)
class Weighing:
    """A weight on a date."""

    measured_on: date
    weight_kg: float


@dataclass(frozen=True, slots=True)
class WeightGain:
    """Outcome of one weighing against the previous one."""

    status: GainStatus
    age_months: int  # completed months at the current weighing
    interval_days: int | None
    gain_g: int | None  # whole grams, negative for a loss
    required_g: int | None  # KBM for this interval; None when not compared
    two_t: bool = False  # T now and at the previous weighing: refer (rujuk)


def kbm_g(age_months: int) -> int:
    """Minimum monthly gain in grams for a child of this many completed months (1 month or more)."""
    if age_months < 1:
        raise ValueError("no KBM before 1 completed month")
    return KBM_G.get(age_months, KBM_FROM_12_MONTHS_G)


def required_gain_g(age_months: int, interval_days: int) -> int:
    """KBM for the interval: as printed for 28-35 days, scaled by interval / 30.4375 days otherwise."""
    kbm = kbm_g(age_months)
    if ONE_MONTH_DAYS[0] <= interval_days <= ONE_MONTH_DAYS[1]:
        return kbm
    return round(kbm * interval_days / DAYS_PER_MONTH)


def is_plausible_change(previous_kg: float, current_kg: float, age_months: int, interval_days: int) -> bool:
    """False when the change is beyond what a child can gain or lose in the interval (see module limits)."""
    if current_kg < previous_kg * (1 - MAX_LOSS_FRACTION):
        return False
    months = max(1.0, interval_days / DAYS_PER_MONTH)
    limit = next(kg for below, kg in MAX_GAIN_KG_PER_MONTH if age_months < below)
    return current_kg - previous_kg <= limit * months


def assess_weight_gain(
    birth_date: date, current: Weighing, previous: Weighing | None, *, confirmed: bool = False
) -> WeightGain:
    """N/T/O/B for the current weighing against the previous one (2T needs the history: weight_gain_history).

    Args:
        confirmed: the current weight was re-weighed after an IMPLAUSIBLE result; classify it anyway.

    Raises:
        InvalidMeasurement: a weight <= 0, or a weighing not after the previous one or before birth.
        OutsideGrowthStandard: 60 months or older (the KMS covers under-fives).
    """
    if current.measured_on < birth_date:
        raise InvalidMeasurement("measured_before_birth", f"{current.measured_on} is before {birth_date}")
    age_months = ages.completed_months(birth_date, current.measured_on)
    if age_months >= 60:
        raise OutsideGrowthStandard("age_60_months_or_more", "the KMS covers children under five")
    if not current.weight_kg > 0 or (previous is not None and not previous.weight_kg > 0):
        raise InvalidMeasurement("non_positive_weight_kg", "weights must be > 0")
    if previous is None:
        return WeightGain(GainStatus.NEW, age_months, None, None, None)
    interval = (current.measured_on - previous.measured_on).days
    if interval <= 0:
        raise InvalidMeasurement(
            "weighings_out_of_order", f"{previous.measured_on} is not before {current.measured_on}"
        )
    gain_g = round((current.weight_kg - previous.weight_kg) * 1000)
    if not confirmed and not is_plausible_change(previous.weight_kg, current.weight_kg, age_months, interval):
        return WeightGain(GainStatus.IMPLAUSIBLE, age_months, interval, gain_g, None)
    if interval < COMPARABLE_DAYS[0]:
        return WeightGain(GainStatus.TOO_SOON, age_months, interval, gain_g, None)
    if interval > COMPARABLE_DAYS[1]:
        return WeightGain(GainStatus.NOT_WEIGHED_LAST_MONTH, age_months, interval, gain_g, None)
    if age_months < 1:
        return WeightGain(GainStatus.NEWBORN, age_months, interval, gain_g, None)
    required = required_gain_g(age_months, interval)
    status = GainStatus.GAINED if gain_g >= required else GainStatus.NOT_GAINED
    return WeightGain(status, age_months, interval, gain_g, required)


def weight_gain_history(birth_date: date, weighings: list[Weighing]) -> list[WeightGain]:
    """N/T/O/B for each weighing in date order, each against the one before, with 2T marked.

    2T means T at this weighing and T at the one before (two months in a row without enough gain).
    An IMPLAUSIBLE weighing is never used as the "previous" weight of the next one.
    """
    results: list[WeightGain] = []
    previous = None
    for weighing in sorted(weighings, key=lambda w: w.measured_on):
        result = assess_weight_gain(birth_date, weighing, previous)
        if result.status is GainStatus.NOT_GAINED and results and results[-1].status is GainStatus.NOT_GAINED:
            result = WeightGain(
                result.status, result.age_months, result.interval_days, result.gain_g, result.required_g, True
            )
        results.append(result)
        if result.status is not GainStatus.IMPLAUSIBLE:
            previous = weighing
    return results
