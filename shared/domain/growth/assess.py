"""One child's growth assessment for the chat: WHO 2006 z-scores, Permenkes categories, flags, BGM.

Standard library only and cheap to import: the webhook calls this for every measurement. Children aged
60 months or more raise OutsideGrowthStandard (Tumbuh covers under-fives until a clean WHO 2007 source exists).
"""
from dataclasses import dataclass
from datetime import date
from enum import Enum

from shared.domain.growth import ages, classify, who2006
from shared.domain.growth.errors import InvalidMeasurement, OutsideGrowthStandard
from shared.domain.growth.who2006 import Score, ScoreStatus

# KMS red line (garis merah): the current KMS (Buku KIA 2020+, Permenkes 2/2020 charts) draws it at -3 SD
# weight-for-age, so BGM ("bawah garis merah") is a rounded WFA z below -3, i.e. BB sangat kurang.
RED_LINE_WFA_Z = -3.0


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator as the chat needs it: z, WHO's plausibility flag, and the Permenkes category."""

    status: ScoreStatus
    z: float | None  # rounded to 2 decimals (R semantics), None unless status is OK
    z_raw: float | None
    flagged: bool  # WHO plausibility flag: ask to re-measure before trusting the category
    category: Enum | None  # Permenkes class; None when there is no z (or no Permenkes class, e.g. head)


@dataclass(frozen=True, slots=True)
class GrowthAssessment:
    """The full assessment of one measurement of a child under five."""

    age_days: int
    age_months: int  # completed months (bulan penuh), for display
    lenhei_cm: float | None  # after the +/-0.7 cm lying/standing rule
    measure: str | None  # "l"/"h" as used; None when unknown or a standing height before 9 months
    standing_before_9_months: bool  # WHO c9mo_flag: measure again, lying down
    bmi: float | None
    oedema: bool
    length_for_age: IndicatorResult
    weight_for_age: IndicatorResult
    weight_for_length: IndicatorResult
    bmi_for_age: IndicatorResult
    head_circumference_for_age: IndicatorResult
    arm_circumference_for_age: IndicatorResult
    triceps_skinfold_for_age: IndicatorResult  # mm; status MISSING_INPUT when not measured
    subscapular_skinfold_for_age: IndicatorResult
    below_red_line: bool  # BGM: rounded weight-for-age z < -3 (refer)
    needs_remeasure: bool  # any WHO flag, or standing before 9 months
    muac: classify.ArmCircumference | None = None  # LILA class (6-59 months; absolute cut-offs), None if unmeasured
    armc_cm: float | None = None  # as measured (LILA is judged in cm, not by its z-score)

    @property
    def stunted(self) -> bool:
        """PB/U or TB/U below -2 SD (pendek or sangat pendek)."""
        return self.length_for_age.category in classify.STUNTING

    @property
    def wasted(self) -> bool:
        """BB/PB or BB/TB below -2 SD, or oedema (gizi kurang or gizi buruk)."""
        return self.weight_for_length.category in classify.WASTING

    @property
    def underweight(self) -> bool:
        """BB/U below -2 SD, or oedema (berat badan kurang or sangat kurang)."""
        return self.weight_for_age.category in classify.UNDERWEIGHT


# A score without z is the same immutable result every time: built once, so indicators that were not measured
# (often head circumference and the skinfolds) cost a dict lookup instead of a frozen-dataclass construction.
_NO_SCORE = {status: IndicatorResult(status, None, None, False, None) for status in ScoreStatus}


def _result(score: Score, classifier, oedema_category=None) -> IndicatorResult:
    if score.z is None:
        # WHO counts a child with oedema as below -3 SD for every weight-based indicator (anthro prevalence),
        # so the category is the severe one although no z exists.
        if oedema_category is not None and score.status is ScoreStatus.OEDEMA:
            return IndicatorResult(score.status, None, None, False, oedema_category)
        return _NO_SCORE[score.status]
    # flag is None exactly when z is None: here it is a bool.
    return IndicatorResult(score.status, score.z, score.z_raw, bool(score.flag),
                           classifier(score.z) if classifier else None)


def _positive(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if not value > 0:
        raise InvalidMeasurement(f"non_positive_{name}", f"{name} must be > 0, got {value!r}")
    return value


def assess_growth(
    sex: int,
    age_days: float,
    weight_kg: float | None = None,
    lenhei_cm: float | None = None,
    measure: str | None = None,
    headc_cm: float | None = None,
    armc_cm: float | None = None,
    oedema: bool = False,
    *,
    tsf_mm: float | None = None,
    ssf_mm: float | None = None,
    age_months: int | None = None,
) -> GrowthAssessment:
    """Assess one measurement of a child under five (WHO 2006 z-scores + Permenkes 2/2020 categories).

    Args:
        sex: 1 boy, 2 girl.
        age_days: exact age in days on the measuring day (see assess_growth_on for dates); a fraction (an age
            given in months, ages.age_days_from_months) is rounded as anthro does.
        measure: "l" measured lying, "h" standing, None unknown.
        tsf_mm, ssf_mm: triceps and subscapular skinfold in millimetres (no Permenkes class; z and flag only).
        age_months: completed months to show; defaults to floor(age_days / 30.4375).

    Raises:
        InvalidMeasurement: sex not 1/2, negative age, a measurement <= 0, an unknown measure code.
        OutsideGrowthStandard: 60 months or older (key "age_60_months_or_more").
    """
    if sex != 1 and sex != 2:
        raise InvalidMeasurement("invalid_sex", f"sex must be 1 or 2, got {sex!r}")
    if age_days is None or not age_days >= 0:
        raise InvalidMeasurement("negative_age", f"age_days must be >= 0, got {age_days!r}")
    if ages.age_months(age_days) >= ages.UNDER_FIVE_MONTHS:
        raise OutsideGrowthStandard("age_60_months_or_more", "Tumbuh covers children under five (0-59 months)")
    scores = who2006.compute(
        sex,
        age_days,
        _positive(weight_kg, "weight_kg"),
        _positive(lenhei_cm, "lenhei_cm"),
        measure,
        _positive(headc_cm, "headc_cm"),
        _positive(armc_cm, "armc_cm"),
        oedema,
        tsf_mm=_positive(tsf_mm, "tsf_mm"),
        ssf_mm=_positive(ssf_mm, "ssf_mm"),
    )
    wfa = _result(scores.zwei, classify.classify_weight_for_age, classify.WeightForAge.SEVERELY_UNDERWEIGHT)
    lfa = _result(scores.zlen, classify.classify_length_for_age)
    wfl = _result(scores.zwfl, classify.classify_weight_for_length, classify.WeightForLength.SEVERELY_WASTED)
    bfa = _result(scores.zbmi, classify.classify_bmi_for_age, classify.WeightForLength.SEVERELY_WASTED)
    hc = _result(scores.zhc, classify.classify_head_circumference)
    ac = _result(scores.zac, None)
    ts = _result(scores.zts, None)
    ss = _result(scores.zss, None)
    c9mo = bool(scores.c9mo_flag)
    shown_months = ages.completed_months_from_days(age_days) if age_months is None else age_months
    assert scores.age_days is not None  # scored with the age checked above, so the whole days are known
    return GrowthAssessment(
        age_days=scores.age_days,
        age_months=shown_months,
        lenhei_cm=scores.clenhei,
        measure=scores.cmeasure,
        standing_before_9_months=c9mo,
        bmi=scores.cbmi,
        oedema=bool(oedema),
        length_for_age=lfa,
        weight_for_age=wfa,
        weight_for_length=wfl,
        bmi_for_age=bfa,
        head_circumference_for_age=hc,
        arm_circumference_for_age=ac,
        triceps_skinfold_for_age=ts,
        subscapular_skinfold_for_age=ss,
        below_red_line=wfa.z is not None and wfa.z < RED_LINE_WFA_Z,
        needs_remeasure=(
            c9mo
            or lfa.flagged
            or wfa.flagged
            or wfl.flagged
            or bfa.flagged
            or hc.flagged
            or ac.flagged
            or ts.flagged
            or ss.flagged
        ),
        muac=classify.classify_muac(armc_cm, shown_months),
        armc_cm=armc_cm,
    )


def assess_growth_on(
    sex: int,
    birth_date: date,
    measured_on: date,
    weight_kg: float | None = None,
    lenhei_cm: float | None = None,
    measure: str | None = None,
    headc_cm: float | None = None,
    armc_cm: float | None = None,
    oedema: bool = False,
    *,
    tsf_mm: float | None = None,
    ssf_mm: float | None = None,
) -> GrowthAssessment:
    """assess_growth with the age taken from dates (exact days for WHO, calendar months for display)."""
    if measured_on < birth_date:
        raise InvalidMeasurement("measured_before_birth", f"{measured_on} is before {birth_date}")
    return assess_growth(
        sex,
        ages.age_days_between(birth_date, measured_on),
        weight_kg,
        lenhei_cm,
        measure,
        headc_cm,
        armc_cm,
        oedema,
        tsf_mm=tsf_mm,
        ssf_mm=ssf_mm,
        age_months=ages.completed_months(birth_date, measured_on),
    )
