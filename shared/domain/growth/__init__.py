"""Growth engine: WHO 2006 z-scores (exactly as WHO anthro), Permenkes 2/2020 categories, KMS weight gain.

Importing this package loads only the standard library; the LMS tables load on first use. The numpy batch
API lives in `shared.domain.growth.batch` and is never imported from here.
"""
from shared.domain.growth.assess import (
    RED_LINE_WFA_Z,
    GrowthAssessment,
    IndicatorResult,
    assess_growth,
    assess_growth_on,
)
from shared.domain.growth.classify import (
    STUNTING,
    UNDERWEIGHT,
    WASTING,
    BmiForAge,
    LengthForAge,
    WeightForAge,
    WeightForLength,
    classify_bmi_for_age,
    classify_length_for_age,
    classify_weight_for_age,
    classify_weight_for_length,
)
from shared.domain.growth.errors import InvalidMeasurement, OutsideGrowthStandard
from shared.domain.growth.length_change import is_plausible_length_change, length_change_limits
from shared.domain.growth.tables import UnsupportedIndicator, unsupported_reason
from shared.domain.growth.weight_gain import (
    GainStatus,
    Weighing,
    WeightGain,
    assess_weight_gain,
    kbm_g,
    weight_gain_history,
)
from shared.domain.growth.who2006 import Score, ScoreStatus, WhoScores, compute

__all__ = [
    "RED_LINE_WFA_Z",
    "STUNTING",
    "UNDERWEIGHT",
    "WASTING",
    "BmiForAge",
    "GainStatus",
    "GrowthAssessment",
    "IndicatorResult",
    "InvalidMeasurement",
    "LengthForAge",
    "OutsideGrowthStandard",
    "Score",
    "ScoreStatus",
    "UnsupportedIndicator",
    "WeightForAge",
    "WeightForLength",
    "WeightGain",
    "Weighing",
    "WhoScores",
    "assess_growth",
    "assess_growth_on",
    "assess_weight_gain",
    "classify_bmi_for_age",
    "classify_length_for_age",
    "classify_weight_for_age",
    "classify_weight_for_length",
    "compute",
    "is_plausible_length_change",
    "kbm_g",
    "length_change_limits",
    "unsupported_reason",
    "weight_gain_history",
]
