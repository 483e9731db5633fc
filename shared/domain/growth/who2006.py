"""WHO 2006 z-scores for one child, step for step as WHO's anthro::anthro_zscores (0-60 months).

Pure standard library on purpose: the webhook imports this path, so no numpy here (see batch.py).
The steps are the numbered ones in the kit's who/README.md; a missing result is a Score with a status,
never a bare None, so callers can say why a score is absent.
"""
import math
from dataclasses import dataclass
from enum import Enum

from shared.domain.growth import ages, tables
from shared.domain.growth.errors import InvalidMeasurement
from shared.domain.growth.zscore import (
    FLAG_OTHER,
    FLAG_ZLEN,
    FLAG_ZWEI_HIGH,
    FLAG_ZWEI_LOW,
    lms_z,
    restricted_z,
    round2,
)

MAX_AGE_DAYS = 1856  # anthro allowed_age_range upper end; age in months < 60 ends the range at 1826 first
ACFA_FIRST_DAY = 91  # anthro: arm circumference-for-age starts at 3 months (day 91)
SKINFOLD_FIRST_DAY = 91  # anthro: triceps and subscapular skinfold-for-age start at day 91 too
WFL_CM = (45.0, 110.0)  # anthro validity of the weight-for-length table (z-score-weight-for-lenhei.R)
WFH_CM = (65.0, 120.0)  # anthro validity of the weight-for-height table
LENGTH_TABLE_BELOW_CM = 87.0  # anthro: age and measure unknown -> length table below 87 cm, height table from it


class ScoreStatus(Enum):
    """Why a z-score is present or absent (the CLI's reason column and the chat both use it)."""

    OK = "ok"
    MISSING_INPUT = "missing_input"  # sex, age or the measurement is not given
    IMPLAUSIBLE_INPUT = "implausible_input"  # a measurement <= 0 (anthro sets the score NA)
    OUTSIDE_STANDARD = "outside_standard"  # age or length/height outside the table's range
    OEDEMA = "oedema"  # weight-based scores are not computed with oedema (WHO)
    UNSUPPORTED = "unsupported"  # no clean table source installed (see tables.py)


@dataclass(frozen=True, slots=True)
class Score:
    """One indicator: z rounded as R's round(z, 2), the unrounded z, and WHO's plausibility flag."""

    z: float | None
    z_raw: float | None
    flag: bool | None  # computed on the rounded z; None exactly when z is None
    status: ScoreStatus

    @property
    def ok(self) -> bool:
        """True when the score was computed."""
        return self.status is ScoreStatus.OK


@dataclass(frozen=True, slots=True)
class WhoScores:
    """Everything anthro::anthro_zscores returns for one child, plus the WHO 2007 slots (unsupported)."""

    age_days: int | None  # whole days (anthro round_up), used for the table rows
    age_months: float | None  # days / 30.4375, unrounded, used for the < 60 months rule
    clenhei: float | None  # length/height after the +/-0.7 cm rule
    cmeasure: str | None  # "l"/"h"; None when unknown or dropped by the 9-month rule
    c9mo_flag: int  # 1 when a standing height was given before 9 months
    cbmi: float | None
    zlen: Score
    zwei: Score
    zwfl: Score
    zbmi: Score
    zhc: Score
    zac: Score
    zts: Score  # triceps skinfold-for-age (mm)
    zss: Score  # subscapular skinfold-for-age (mm)
    zhfa: Score
    zwfa: Score
    zbfa: Score


_MISSING = Score(None, None, None, ScoreStatus.MISSING_INPUT)
_IMPLAUSIBLE = Score(None, None, None, ScoreStatus.IMPLAUSIBLE_INPUT)
_OUTSIDE = Score(None, None, None, ScoreStatus.OUTSIDE_STANDARD)
_OEDEMA = Score(None, None, None, ScoreStatus.OEDEMA)
_UNSUPPORTED = Score(None, None, None, ScoreStatus.UNSUPPORTED)


def _flag_abs(limit):
    return lambda z: abs(z) > limit


_FLAG_LEN = _flag_abs(FLAG_ZLEN)
_FLAG_OTHER = _flag_abs(FLAG_OTHER)


def _flag_wei(z: float) -> bool:
    return z < FLAG_ZWEI_LOW or z > FLAG_ZWEI_HIGH


def _score(raw: float, flagger) -> Score:
    if raw != raw:  # NaN: R's NA from an impossible power (e.g. a negative weight)
        return _IMPLAUSIBLE
    z = round2(raw)
    return Score(z + 0.0, raw, flagger(z), ScoreStatus.OK)  # + 0.0 turns R's -0 into 0


def _age_based(indicator, y, sex, age_whole, age_mo, formula, flagger, first_day=0, blocked=None):
    """anthro_zscore_adjusted: a daily table row, the formula, and the age validity rules (helper.R 127-182)."""
    reason = tables.unsupported_reason(indicator)
    if reason is not None:
        return _UNSUPPORTED
    if y is None or y != y or sex is None or age_whole is None:
        return _MISSING
    if y <= 0:
        return _IMPLAUSIBLE
    if age_whole < first_day or age_whole > MAX_AGE_DAYS or age_mo >= ages.UNDER_FIVE_MONTHS:
        return _OUTSIDE
    if blocked is not None:
        return blocked
    t = tables.table(indicator)
    i = age_whole - t.first_key
    if not 0 <= i < len(t.m[0]):
        return _OUTSIDE
    k = sex - 1
    return _score(formula(y, t.l[k][i], t.m[k][i], t.s[k][i]), flagger)


def _weight_for_lenhei(sex, age_whole, age_mo, weight, clenhei, cmeasure, oedema) -> Score:
    """anthro_zscore_weight_for_lenhei: table by age (or measure, or 87 cm), 0.1 cm interpolation."""
    if weight is None or weight != weight or clenhei is None or clenhei != clenhei or sex is None:
        return _MISSING
    if age_whole is not None:
        use_length = age_whole < ages.HEIGHT_FROM_DAY
    elif cmeasure is not None:
        use_length = cmeasure == ages.MEASURE_LYING
    else:
        use_length = clenhei < LENGTH_TABLE_BELOW_CM
    low_cm, high_cm = WFL_CM if use_length else WFH_CM
    if not low_cm <= clenhei <= high_cm:
        return _OUTSIDE
    if age_whole is not None and (age_whole > MAX_AGE_DAYS or age_mo >= ages.UNDER_FIVE_MONTHS):
        return _OUTSIDE  # with age unknown anthro keeps the score (its NA age makes the rule NA)
    if oedema:
        return _OEDEMA
    t = tables.table("wfl" if use_length else "wfh")
    # Same expressions as anthro: low = trunc(10x)/10, upper = trunc(10x + 1)/10, f = (x - low)/0.1.
    x10 = clenhei * 10
    k_low = math.trunc(x10)
    diff = (clenhei - k_low / 10) / 0.1
    k = sex - 1
    i = k_low - t.first_key
    n = len(t.m[0])
    if not 0 <= i < n:
        return _OUTSIDE
    l_, m_, s_ = t.l[k][i], t.m[k][i], t.s[k][i]
    if diff > 0:
        j = math.trunc(x10 + 1) - t.first_key
        if not 0 <= j < n:
            return _OUTSIDE
        l_ = l_ + diff * (t.l[k][j] - l_)
        m_ = m_ + diff * (t.m[k][j] - m_)
        s_ = s_ + diff * (t.s[k][j] - s_)
    return _score(restricted_z(weight, l_, m_, s_), _FLAG_OTHER)


def _clean(value, name):
    if value is None:
        return None
    value = float(value)
    if value != value:  # NaN stands for missing, as NA does in R
        return None
    if value in (math.inf, -math.inf):
        raise InvalidMeasurement("not_finite", f"{name} is infinite")
    return value


def compute(
    sex: int | None,
    age_days: float | None,
    weight_kg: float | None = None,
    lenhei_cm: float | None = None,
    measure: str | None = None,
    headc_cm: float | None = None,
    armc_cm: float | None = None,
    oedema: bool = False,
    *,
    tsf_mm: float | None = None,
    ssf_mm: float | None = None,
) -> WhoScores:
    """All WHO 2006 z-scores and flags for one child, as anthro::anthro_zscores computes them.

    Args:
        sex: 1 boy, 2 girl, None unknown (every score is then missing, as in anthro).
        age_days: exact age in days (visit minus birth date); fractions are rounded as anthro does.
        measure: "l" lying, "h" standing, None unknown.
        oedema: bilateral pitting oedema; weight-based scores are then not computed.
        tsf_mm, ssf_mm: triceps and subscapular skinfold in millimetres (anthro's triskin, subskin).

    Raises:
        InvalidMeasurement: sex or measure code unknown, or a negative age (anthro stops on those too).
    """
    if sex is not None and sex != 1 and sex != 2:
        raise InvalidMeasurement("invalid_sex", f"sex must be 1 or 2, got {sex!r}")
    if measure is not None and measure != "l" and measure != "h":
        raise InvalidMeasurement("invalid_measure", f"measure must be 'l' or 'h', got {measure!r}")
    age_days = _clean(age_days, "age_days")
    if age_days is not None and age_days < 0:
        raise InvalidMeasurement("negative_age", f"age_days must be >= 0, got {age_days!r}")
    weight_kg = _clean(weight_kg, "weight_kg")
    lenhei_cm = _clean(lenhei_cm, "lenhei_cm")
    headc_cm = _clean(headc_cm, "headc_cm")
    armc_cm = _clean(armc_cm, "armc_cm")
    tsf_mm = _clean(tsf_mm, "tsf_mm")
    ssf_mm = _clean(ssf_mm, "ssf_mm")

    if age_days is None:
        age_whole = age_mo = None
    else:
        age_whole = ages.round_up(age_days)
        age_mo = ages.age_months(age_days)

    c9mo = ages.standing_too_young(measure, age_days)
    cmeasure = None if c9mo else measure
    clenhei = None if lenhei_cm is None else ages.adjust_lenhei(lenhei_cm, cmeasure, age_whole)
    if weight_kg is None or clenhei is None:
        cbmi = None
    else:
        metres = clenhei / 100
        squared = metres * metres  # R's x^2 is x*x
        cbmi = weight_kg / squared if squared else (math.copysign(math.inf, weight_kg) if weight_kg else math.nan)

    weight_blocked = _OEDEMA if oedema else None
    zlen = _age_based("lhfa", clenhei, sex, age_whole, age_mo, lms_z, _FLAG_LEN)
    zwei = _age_based("wfa", weight_kg, sex, age_whole, age_mo, restricted_z, _flag_wei, blocked=weight_blocked)
    zwfl = _weight_for_lenhei(sex, age_whole, age_mo, weight_kg, clenhei, cmeasure, oedema)
    zbmi = _age_based("bmi", cbmi, sex, age_whole, age_mo, restricted_z, _FLAG_OTHER, blocked=weight_blocked)
    zhc = _age_based("hcfa", headc_cm, sex, age_whole, age_mo, lms_z, _FLAG_OTHER)
    zac = _age_based("acfa", armc_cm, sex, age_whole, age_mo, restricted_z, _FLAG_OTHER, first_day=ACFA_FIRST_DAY)
    zts = _age_based("tsfa", tsf_mm, sex, age_whole, age_mo, restricted_z, _FLAG_OTHER, first_day=SKINFOLD_FIRST_DAY)
    zss = _age_based("ssfa", ssf_mm, sex, age_whole, age_mo, restricted_z, _FLAG_OTHER, first_day=SKINFOLD_FIRST_DAY)
    # WHO 2007 starts where WHO 2006 ends (>= 60 months); below that there is simply no 2007 score.
    older = age_mo is None or age_mo >= ages.UNDER_FIVE_MONTHS
    plus = _UNSUPPORTED if older else _OUTSIDE
    return WhoScores(
        age_days=age_whole,
        age_months=age_mo,
        clenhei=clenhei,
        cmeasure=cmeasure,
        c9mo_flag=int(c9mo),
        cbmi=cbmi,
        zlen=zlen,
        zwei=zwei,
        zwfl=zwfl,
        zbmi=zbmi,
        zhc=zhc,
        zac=zac,
        zts=zts,
        zss=zss,
        zhfa=plus,
        zwfa=plus,
        zbfa=plus,
    )
