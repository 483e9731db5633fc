"""Monthly weight gain as kader read it on the KMS: N, T, 2T, O, B, plus a typo check and a large-loss alarm.

Pure: dates come in as arguments; nothing here reads a clock, a database or settings.
"""
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import cast

from shared.domain.growth import ages
from shared.domain.growth.errors import InvalidMeasurement, OutsideGrowthStandard

# The rules (Buku KIA 2023 p.54; Juknis KMS 2021; reference/domain-id.md D3 and D4), with the choices the books
# leave open marked as Tumbuh's own:
# - The KMS has one dot per month. The month's weighing is the FIRST weighing of a calendar month; a re-weigh later
#   in that month (at home, at the puskesmas) does not replace it and is SAME_MONTH (Tumbuh's reading of "one dot
#   per month": the posyandu records the first). SAME_MONTH is informational, never N or T, never part of a 2T.
# - N/T compares the month's weighing with the previous calendar month's weighing, against the KBM for the age in
#   completed months at the current weighing. From 28 to 35 days apart the KBM applies as printed (what kader use
#   for "last month"); otherwise it is scaled by interval / 30.4375 days (Tumbuh's choice), so 31 Jan to 25 Feb
#   asks less and 1 Jan to 28 Feb more.
# - Two month's weighings under 21 days apart (31 Jan and 1 Feb) are TOO_SOON: too close to judge a month's gain
#   (Tumbuh's rule; the books assume posyandu days about a month apart).
# - No weighing last calendar month but an earlier one: O (tidak ditimbang bulan lalu, SKDN). None before: B (baru).
# - 2T: T at this month's weighing and T at the previous calendar month's weighing (Buku KIA: "2T" = two T in a
#   row -> rujuk; "in a row" is read as consecutive months, as the KMS dots are).
# - Gains are compared in whole grams, so 12.4 - 12.2 kg counts as 200 g, not 199.99... g.
# - No KBM exists before 1 completed month (newborns first lose, then regain, birth weight): NEWBORN.
# - A change no child can make is IMPLAUSIBLE (see the limits below): re-weigh before classifying. It is judged
#   against the latest earlier plausible weighing of any date, since a typo is a typo whatever the month, and an
#   IMPLAUSIBLE weighing is never anybody's reference. A re-weighed, confirmed weight counts normally.

# KBM (Kenaikan Berat badan Minimal) in grams by completed months: Buku KIA 2023 p.54; 7-11 mo 300 g, >= 12 mo 200 g.
KBM_G = {1: 800, 2: 900, 3: 800, 4: 600, 5: 500, 6: 400, 7: 300, 8: 300, 9: 300, 10: 300, 11: 300}
KBM_FROM_12_MONTHS_G = 200
ONE_MONTH_DAYS = (28, 35)  # shortest calendar month to one month plus a posyandu week: the KBM as printed
MIN_MONTHLY_INTERVAL_DAYS = 21  # Tumbuh's rule: month's weighings closer than this are TOO_SOON to judge
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

# Tumbuh's own rule, not the KMS's: a real loss of 5 % or more is urgent, not merely "tidak naik". 5 % is where
# "some dehydration" starts in MTBS/IMCI (WHO, The treatment of diarrhoea, 2005: a fluid deficit of 5-10 % of body
# weight), and WHO's 2013 guideline on severe acute malnutrition lists recent weight loss among the reasons to admit
# an infant under 6 months. The loss is taken against the latest earlier plausible weighing no more than two
# calendar months (62 days) back; a slower loss already shows as T or O on the KMS.
LARGE_LOSS_FRACTION = 0.05
LARGE_LOSS_WITHIN_DAYS = 62
# Tumbuh's rule: a loss of 2 % or more (200 g of a 10 kg child, twice a posyandu dacin's 100 g step, so not scale
# noise) is named even when the KMS gives no T for it (a re-weigh in the same month, or O), because Buku KIA
# refers a weight that does not go up and a weight that goes down says more.
NOTICED_LOSS_FRACTION = 0.02


class GainStatus(Enum):
    """Result of comparing a weighing with an earlier one; `code` is the KMS/SKDN letter where one exists."""

    GAINED = "gained"  # N, naik
    NOT_GAINED = "not_gained"  # T, tidak naik
    NOT_WEIGHED_LAST_MONTH = "not_weighed_last_month"  # O
    NEW = "new"  # B, first weighing
    SAME_MONTH = "same_month"  # a re-weigh after this month's weighing: informational, never N/T
    TOO_SOON = "too_soon"  # last month's weighing under 21 days before this month's: too close to judge
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
    """Outcome of one weighing against the earlier weighing named by `previous_on`."""

    status: GainStatus
    age_months: int  # completed months at the current weighing
    interval_days: int | None  # days since previous_on; None for B
    gain_g: int | None  # whole grams since previous_on, negative for a loss; None for B
    required_g: int | None  # KBM for this interval; None when not judged N/T
    two_t: bool = False  # T now and at last calendar month's weighing: refer (rujuk)
    # A real loss of >= 5 % within 62 days (Tumbuh's rule, see LARGE_LOSS_FRACTION). In a history it is counted
    # from the latest good weighing, which may be a re-weigh later than previous_on.
    large_loss: bool = False
    previous_on: date | None = None  # the weighing gain_g and interval_days are counted from ("sejak ...")
    # A real loss of >= 2 % (NOTICED_LOSS_FRACTION, within 62 days): the weighing it is counted from, the grams
    # lost (positive) and that as a whole percentage of the earlier weight, for "turun 500 g (5%) sejak ...".
    loss_from: date | None = None
    loss_g: int | None = None
    loss_pct: int | None = None


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


def with_loss(result: WeightGain, previous: Weighing, current: Weighing) -> WeightGain:
    """result with any noticed loss (its size and reference) and large_loss, judged against `previous`."""
    lost = _grams(previous.weight_kg) - _grams(current.weight_kg)
    recent = (current.measured_on - previous.measured_on).days <= LARGE_LOSS_WITHIN_DAYS
    if not recent or lost < round(_grams(previous.weight_kg) * NOTICED_LOSS_FRACTION):
        return replace(result, large_loss=False)
    return replace(result, large_loss=is_large_loss(previous, current), loss_from=previous.measured_on,
                   loss_g=lost, loss_pct=round(100 * lost / _grams(previous.weight_kg)))


def is_large_loss(previous: Weighing, current: Weighing) -> bool:
    """True when current is at least 5 % under previous and no more than 62 days later (Tumbuh's rule)."""
    if (current.measured_on - previous.measured_on).days > LARGE_LOSS_WITHIN_DAYS:
        return False
    previous_g = _grams(previous.weight_kg)
    return previous_g - _grams(current.weight_kg) >= round(previous_g * LARGE_LOSS_FRACTION)


def assess_weight_gain(
    birth_date: date, current: Weighing, previous: Weighing | None, *, confirmed: bool = False
) -> WeightGain:
    """One weighing against one earlier weighing, by the KMS calendar rule (2T needs weight_gain_history).

    `previous` in the same calendar month gives SAME_MONTH, in the month before N/T (or TOO_SOON/NEWBORN), earlier O.

    Args:
        confirmed: the current weight was re-weighed after an IMPLAUSIBLE result; classify it anyway.

    Raises:
        InvalidMeasurement: a weight <= 0, or a weighing not after the previous one or before birth.
        OutsideGrowthStandard: 60 months or older (the KMS covers under-fives).
    """
    age_months = _checked_age_months(birth_date, current)
    if previous is None:
        return WeightGain(GainStatus.NEW, age_months, None, None, None)
    if not previous.weight_kg > 0:
        raise InvalidMeasurement("non_positive_weight_kg", "weights must be > 0")
    if current.measured_on <= previous.measured_on:
        raise InvalidMeasurement(
            "weighings_out_of_order", f"{previous.measured_on} is not before {current.measured_on}"
        )
    if not confirmed and not _plausible(previous, current, age_months):
        return _implausible(age_months, previous, current)
    return with_loss(_against(age_months, previous, current), previous, current)


def weight_gain_history(
    birth_date: date, weighings: list[Weighing], confirmed: frozenset[date] | set[date] = frozenset()
) -> list[WeightGain]:
    """Every weighing of one child judged as the KMS does (month's weighings, N/T, 2T, O, B), in input order.

    Args:
        weighings: in any order; weighings on the same date are taken in the order given.
        confirmed: dates whose weight was re-weighed and confirmed: never IMPLAUSIBLE, they count normally.

    Returns:
        One WeightGain per weighing, in the same order as `weighings` (not date order), so a caller can recompute
        every weighing of a child after a back-dated entry and zip the results back onto its rows.

    Raises:
        InvalidMeasurement: any weight <= 0 or weighing before birth (two on one date are fine: a re-weigh).
        OutsideGrowthStandard: any weighing at 60 months or older.
    """
    results: list[WeightGain | None] = [None] * len(weighings)
    latest: Weighing | None = None  # the latest plausible weighing so far, any month: the typo and loss reference
    month_weighings: dict[int, tuple[Weighing, WeightGain]] = {}  # calendar month -> its first plausible weighing
    for i in sorted(range(len(weighings)), key=lambda n: weighings[n].measured_on):  # stable: same day in input order
        current = weighings[i]
        age_months = _checked_age_months(birth_date, current)
        if latest is None:
            result = WeightGain(GainStatus.NEW, age_months, None, None, None)
        elif current.measured_on not in confirmed and not _plausible(latest, current, age_months):
            results[i] = _implausible(age_months, latest, current)
            continue
        else:
            month = _month_number(current.measured_on)
            this_month, last_month = month_weighings.get(month), month_weighings.get(month - 1)
            if this_month is not None:  # a re-weigh: SAME_MONTH against the month's weighing
                result = _against(age_months, this_month[0], current)
            elif last_month is not None:  # the month's weighing: N/T against last month's, 2T if that was T too
                result = _against(age_months, last_month[0], current)
                result = replace(result, two_t=_is_t(result) and _is_t(last_month[1]))
            else:  # nothing last month: O, counted from the latest weighing before
                result = _against(age_months, latest, current)
            result = with_loss(result, latest, current)
        month_weighings.setdefault(_month_number(current.measured_on), (current, result))
        results[i] = result
        latest = current
    return cast(list[WeightGain], results)  # the loop above sets every slot


def _checked_age_months(birth_date: date, current: Weighing) -> int:
    if current.measured_on < birth_date:
        raise InvalidMeasurement("measured_before_birth", f"{current.measured_on} is before {birth_date}")
    age_months = ages.completed_months(birth_date, current.measured_on)
    if age_months >= ages.UNDER_FIVE_MONTHS:
        raise OutsideGrowthStandard("age_60_months_or_more", "the KMS covers children under five")
    if not current.weight_kg > 0:
        raise InvalidMeasurement("non_positive_weight_kg", "weights must be > 0")
    return age_months


def _plausible(reference: Weighing, current: Weighing, age_months: int) -> bool:
    interval = (current.measured_on - reference.measured_on).days
    return is_plausible_change(reference.weight_kg, current.weight_kg, age_months, interval)


def _implausible(age_months: int, reference: Weighing, current: Weighing) -> WeightGain:
    interval = (current.measured_on - reference.measured_on).days
    gain_g = _grams(current.weight_kg) - _grams(reference.weight_kg)
    return WeightGain(GainStatus.IMPLAUSIBLE, age_months, interval, gain_g, None, previous_on=reference.measured_on)


def _against(age_months: int, reference: Weighing, current: Weighing) -> WeightGain:
    """The calendar rule for a plausible weighing against an earlier one (see the rules at the top)."""
    interval = (current.measured_on - reference.measured_on).days
    gain_g = _grams(current.weight_kg) - _grams(reference.weight_kg)
    months_apart = _month_number(current.measured_on) - _month_number(reference.measured_on)

    if months_apart == 0:
        status, required = GainStatus.SAME_MONTH, None
    elif months_apart > 1:
        status, required = GainStatus.NOT_WEIGHED_LAST_MONTH, None
    elif interval < MIN_MONTHLY_INTERVAL_DAYS:
        status, required = GainStatus.TOO_SOON, None
    elif age_months < 1:
        status, required = GainStatus.NEWBORN, None
    else:
        required = required_gain_g(age_months, interval)
        status = GainStatus.GAINED if gain_g >= required else GainStatus.NOT_GAINED
    return WeightGain(status, age_months, interval, gain_g, required, previous_on=reference.measured_on)


def _is_t(result: WeightGain) -> bool:
    return result.status is GainStatus.NOT_GAINED


def _month_number(on: date) -> int:
    return on.year * 12 + on.month  # consecutive calendar months differ by exactly 1, across a new year too


def _grams(kg: float) -> int:
    return round(kg * 1000)  # whole grams: 12.4 - 12.2 kg is 200 g, not 199.99... g
