"""Triceps (zts) and subscapular (zss) skinfold-for-age against every row of the kit's copy of WHO's own tables,
scored by the engine and by an independent copy of WHO's formulas (tests/unit/growth/skinfold_formulas.py)."""
import pytest

from tests.exhaustive.growth.vectors import read_csv
from tests.unit.growth.skinfold_formulas import (
    RAW_TOLERANCE,
    SKINFOLDS,
    require_table,
    skinfold_score,
    who_sd,
    who_z,
)


@pytest.mark.kit
@pytest.mark.parametrize("indicator", sorted(SKINFOLDS))
def test_every_who_row_scores_as_the_independent_formula(indicator):
    """For every row of WHO's table: M, SD+/-2 and points beyond +/-3 SD give the independently computed z."""
    rows = read_csv("who", SKINFOLDS[indicator][3])
    require_table(indicator)
    wrong = []
    for r in rows:
        sex, day = int(r["sex"]), int(r["age_days"])
        l, m, s = float(r["l"]), float(r["m"]), float(r["s"])
        sd3, sd2, sdm3, sdm2 = who_sd(3, l, m, s), who_sd(2, l, m, s), who_sd(-3, l, m, s), who_sd(-2, l, m, s)
        for y, nominal in ((m, 0.0), (sd2, 2.0), (who_sd(-2, l, m, s), -2.0),
                           (sd3 + 0.6 * (sd3 - sd2), 3.6), (sdm3 - 0.4 * (sdm2 - sdm3), -3.4)):
            score = skinfold_score(indicator, sex, day, y)
            if score.z != nominal or abs(score.z_raw - who_z(y, l, m, s)) > RAW_TOLERANCE:
                wrong.append((sex, day, y, nominal, score))

    assert wrong == []
    assert len(rows) == 2 * (1826 - 91 + 1)
