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
