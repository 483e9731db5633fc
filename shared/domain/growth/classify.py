"""Permenkes No. 2 Tahun 2020 nutritional-status categories for 0-60 months, from z rounded to 2 decimals.

English identifiers only; the message catalogue maps each value to Bahasa Indonesia (the README glossary
lists the pairs, e.g. SEVERELY_STUNTED = "sangat pendek"). Boundaries are exactly those of the regulation
(reference/domain-id.md D1): -3.00 falls in the moderate class, -2.00 is normal, +1.00 is normal for BB/U
and BB/PB, +3.00 is normal for PB/U. WHO 2007 categories (5-18 y) are absent because Tumbuh does not
compute WHO 2007 z-scores.

Two classes that are not Permenkes z-score classes live here too, so every category has one home: LILA (MUAC,
an absolute cut-off) and head circumference (WHO's -2/+2 SD screening edges).
"""
from enum import Enum

from shared.domain.growth.zscore import round2

# Permenkes 2/2020 cut-offs in SD; "s.d." ranges include both ends unless the table says "<".
SEVERE_BELOW = -3.0  # "< -3 SD": sangat kurang / sangat pendek / gizi buruk
MODERATE_BELOW = -2.0  # "-3 SD s.d. < -2 SD": kurang / pendek / gizi kurang
WFA_NORMAL_UP_TO = 1.0  # BB/U normal "-2 SD s.d. +1 SD"; above is risiko berat badan lebih
LFA_NORMAL_UP_TO = 3.0  # PB/U or TB/U normal "-2 SD s.d. +3 SD"; above is tinggi
WFL_NORMAL_UP_TO = 1.0  # BB/PB, BB/TB, IMT/U normal "-2 SD s.d. +1 SD"
WFL_RISK_UP_TO = 2.0  # "> +1 SD s.d. +2 SD": berisiko gizi lebih
WFL_OVERWEIGHT_UP_TO = 3.0  # "> +2 SD s.d. +3 SD": gizi lebih; above is obesitas


class WeightForAge(Enum):
    """BB/U (0-60 months)."""

    SEVERELY_UNDERWEIGHT = "severely_underweight"  # berat badan sangat kurang
    UNDERWEIGHT = "underweight"  # berat badan kurang
    NORMAL = "normal"  # berat badan normal
    RISK_OF_OVERWEIGHT = "risk_of_overweight"  # risiko berat badan lebih


class LengthForAge(Enum):
    """PB/U or TB/U (0-60 months)."""

    SEVERELY_STUNTED = "severely_stunted"  # sangat pendek
    STUNTED = "stunted"  # pendek
    NORMAL = "normal"  # normal
    TALL = "tall"  # tinggi


class WeightForLength(Enum):
    """BB/PB or BB/TB, and IMT/U, which uses the same six classes (0-60 months)."""

    SEVERELY_WASTED = "severely_wasted"  # gizi buruk
    WASTED = "wasted"  # gizi kurang
    NORMAL = "normal"  # gizi baik
    POSSIBLE_RISK_OF_OVERWEIGHT = "possible_risk_of_overweight"  # berisiko gizi lebih
    OVERWEIGHT = "overweight"  # gizi lebih
    OBESE = "obese"  # obesitas


BmiForAge = WeightForLength  # Permenkes: IMT/U 0-60 months has "the same six categories and thresholds"

# Product wording for the three target problems (domain-id.md D1).
STUNTING = frozenset({LengthForAge.SEVERELY_STUNTED, LengthForAge.STUNTED})
WASTING = frozenset({WeightForLength.SEVERELY_WASTED, WeightForLength.WASTED})
UNDERWEIGHT = frozenset({WeightForAge.SEVERELY_UNDERWEIGHT, WeightForAge.UNDERWEIGHT})


def _rounded(z: float) -> float:
    if z is None or z != z:
        raise ValueError("a category needs a computed z-score, got none")
    return round2(z)


def classify_weight_for_age(z: float) -> WeightForAge:
    """BB/U category of a weight-for-age z (rounded to 2 decimals first)."""
    z = _rounded(z)
    if z < SEVERE_BELOW:
        return WeightForAge.SEVERELY_UNDERWEIGHT
    if z < MODERATE_BELOW:
        return WeightForAge.UNDERWEIGHT
    if z <= WFA_NORMAL_UP_TO:
        return WeightForAge.NORMAL
    return WeightForAge.RISK_OF_OVERWEIGHT


def classify_length_for_age(z: float) -> LengthForAge:
    """PB/U or TB/U category of a length/height-for-age z (rounded to 2 decimals first)."""
    z = _rounded(z)
    if z < SEVERE_BELOW:
        return LengthForAge.SEVERELY_STUNTED
    if z < MODERATE_BELOW:
        return LengthForAge.STUNTED
    if z <= LFA_NORMAL_UP_TO:
        return LengthForAge.NORMAL
    return LengthForAge.TALL


def classify_weight_for_length(z: float) -> WeightForLength:
    """BB/PB or BB/TB category of a weight-for-length/height z (rounded to 2 decimals first)."""
    z = _rounded(z)
    if z < SEVERE_BELOW:
        return WeightForLength.SEVERELY_WASTED
    if z < MODERATE_BELOW:
        return WeightForLength.WASTED
    if z <= WFL_NORMAL_UP_TO:
        return WeightForLength.NORMAL
    if z <= WFL_RISK_UP_TO:
        return WeightForLength.POSSIBLE_RISK_OF_OVERWEIGHT
    if z <= WFL_OVERWEIGHT_UP_TO:
        return WeightForLength.OVERWEIGHT
    return WeightForLength.OBESE


def classify_bmi_for_age(z: float) -> WeightForLength:
    """IMT/U category (0-60 months) of a BMI-for-age z: the BB/PB classes and cut-offs."""
    return classify_weight_for_length(z)


# LILA / MUAC (lingkar lengan atas), 6-59 months: absolute cut-offs, independent of weight. WHO 2013 guideline
# "Updates on the management of severe acute malnutrition in infants and children" (MUAC < 115 mm is SAM; 115 to
# < 125 mm is moderate), adopted by Kemenkes' Pedoman Pencegahan dan Tatalaksana Gizi Buruk pada Balita (2019).
# Not used under 6 months (no cut-off exists there).
MUAC_SEVERE_BELOW_CM = 11.5
MUAC_MODERATE_BELOW_CM = 12.5
MUAC_FROM_MONTHS = 6


class ArmCircumference(Enum):
    """LILA (MUAC) class, 6-59 months."""

    SEVERE = "muac_severe"  # < 11.5 cm: gizi buruk (severe acute malnutrition), whatever the weight says
    MODERATE = "muac_moderate"  # 11.5 to < 12.5 cm: gizi kurang (moderate acute malnutrition)
    NORMAL = "muac_normal"  # >= 12.5 cm


def classify_muac(armc_cm: float | None, age_months: int) -> ArmCircumference | None:
    """LILA class of an arm circumference (cm, read to 1 mm as measured); None under 6 months or unmeasured."""
    if armc_cm is None or age_months < MUAC_FROM_MONTHS:
        return None
    mm = round(armc_cm * 10)  # tapes read to the millimetre: 11.5 is 115 mm exactly, never 114.999...
    if mm < round(MUAC_SEVERE_BELOW_CM * 10):
        return ArmCircumference.SEVERE
    if mm < round(MUAC_MODERATE_BELOW_CM * 10):
        return ArmCircumference.MODERATE
    return ArmCircumference.NORMAL


# Head circumference-for-age (LK/U): WHO Child Growth Standards screening edges, as Buku KIA's head chart uses
# them (reference/domain-id.md D7): < -2 SD microcephaly (< -3 SD severe), > +2 SD macrocephaly; both are a reason
# to be assessed by a health worker, never a diagnosis. Same rounding and boundary rule as Permenkes (-2.00 normal).
HEAD_SEVERE_BELOW = -3.0
HEAD_SMALL_BELOW = -2.0
HEAD_LARGE_ABOVE = 2.0


class HeadCircumference(Enum):
    """LK/U class (0-60 months)."""

    SEVERELY_SMALL = "head_severely_small"  # < -3 SD
    SMALL = "head_small"  # -3 SD to < -2 SD (microcephaly)
    NORMAL = "normal"
    LARGE = "head_large"  # > +2 SD (macrocephaly)


def classify_head_circumference(z: float) -> HeadCircumference:
    """LK/U class of a head circumference-for-age z (rounded to 2 decimals first)."""
    z = _rounded(z)
    if z < HEAD_SEVERE_BELOW:
        return HeadCircumference.SEVERELY_SMALL
    if z < HEAD_SMALL_BELOW:
        return HeadCircumference.SMALL
    if z <= HEAD_LARGE_ABOVE:
        return HeadCircumference.NORMAL
    return HeadCircumference.LARGE
