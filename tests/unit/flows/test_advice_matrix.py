"""The advice matrix's urgency tiers (the whole grid of situations is walked in tests/exhaustive)."""
from shared.domain import advice as matrix
from shared.domain.advice import Urgency


def test_tiers_follow_the_three_levels():
    """Now for a danger sign; today for acute and BGM; soon for stunting, gizi kurang, T and 2T; routine else."""
    expected = {"danger_sign": Urgency.NOW, "oedema": Urgency.TODAY, "severely_wasted": Urgency.TODAY,
                "muac_severe": Urgency.TODAY, "large_loss": Urgency.TODAY, "severely_underweight": Urgency.TODAY,
                "wasted": Urgency.SOON, "muac_moderate": Urgency.SOON, "severely_stunted": Urgency.SOON,
                "stunted": Urgency.SOON, "two_t": Urgency.SOON, "not_gained": Urgency.SOON,
                "weight_down": Urgency.SOON,
                "possible_risk_of_overweight": Urgency.ROUTINE, "tall": Urgency.ROUTINE}

    assert {k: matrix.BY_KEY[k].tier for k in expected} == expected


def test_a_weight_only_check_is_not_called_growing_well():
    """Length not measured: a normal weight is said to fit the age, never 'growing according to the standard',
    which would claim no stunting and no wasting."""
    from shared.domain.growth import LengthForAge, WeightForAge

    weight_only = matrix.decide(matrix.Situation(age_months=14, weight_for_age=WeightForAge.NORMAL))
    measured = matrix.decide(matrix.Situation(age_months=14, weight_for_age=WeightForAge.NORMAL,
                                              length_for_age=LengthForAge.NORMAL))

    assert (weight_only.summaries, measured.summaries) == (("summary_good_weight_only",), ("summary_good",))
