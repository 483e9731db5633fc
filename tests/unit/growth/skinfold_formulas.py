"""WHO's skinfold formulas written independently of the engine, and how to ask the engine for a skinfold score;
shared by the skinfold tests of both tiers (tests/unit and tests/exhaustive)."""
import pytest

from shared.domain.growth import tables, who2006

# indicator -> (compute() keyword, WhoScores attribute, GrowthAssessment attribute, kit file)
SKINFOLDS = {
    "tsfa": ("tsf_mm", "zts", "triceps_skinfold_for_age", "who2006_tsfa.csv"),
    "ssfa": ("ssf_mm", "zss", "subscapular_skinfold_for_age", "who2006_ssfa.csv"),
}
RAW_TOLERANCE = 1e-9


def who_sd(k, l, m, s):
    """WHO's SDk = M (1 + L S k)^(1/L), written independently of the engine."""
    return m * (1 + l * s * k) ** (1 / l)


def who_z(y, l, m, s):
    """WHO's restricted LMS z (SD23 adjustment), written independently of the engine."""
    z = ((y / m) ** l - 1) / (s * l)
    if z > 3:
        return 3 + (y - who_sd(3, l, m, s)) / (who_sd(3, l, m, s) - who_sd(2, l, m, s))
    if z < -3:
        return -3 + (y - who_sd(-3, l, m, s)) / (who_sd(-2, l, m, s) - who_sd(-3, l, m, s))
    return z


def require_table(indicator):
    """Skips the calling test when the skinfold table is not installed, naming the reason."""
    reason = tables.unsupported_reason(indicator)
    if reason is not None:
        pytest.skip(f"{indicator} not available here: {reason}")


def skinfold_score(indicator, sex, age_days, y):
    """The engine's score for one skinfold measurement."""
    keyword, attr, _, _ = SKINFOLDS[indicator]
    return getattr(who2006.compute(sex, age_days, **{keyword: y}), attr)
