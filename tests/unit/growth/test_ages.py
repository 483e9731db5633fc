"""Ages in anthro's terms and completed months in Permenkes' terms."""
from datetime import date

import pytest

from shared.domain.growth import ages


@pytest.mark.parametrize("days,whole", [(0.0, 0), (10.49, 10), (10.5, 11), (730.5, 731)])
def test_round_up_rounds_halves_up(days, whole):
    """anthro's round_up: a fraction of 0.5 or more goes up (not banker's rounding)."""
    assert ages.round_up(days) == whole


@pytest.mark.parametrize(
    "birth,on,months",
    [
        (date(2024, 1, 15), date(2024, 4, 14), 2),  # 2 months 30 days counts as 2
        (date(2024, 1, 15), date(2024, 4, 15), 3),
        (date(2024, 1, 31), date(2024, 2, 29), 1),  # no 31st in February: its last day completes the month
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2023, 1, 31), date(2023, 2, 27), 0),
        (date(2020, 2, 29), date(2025, 2, 28), 60),
    ],
)
def test_completed_months_are_calendar_months(birth, on, months):
    """Bulan penuh: whole calendar months since birth, as Permenkes counts age."""
    assert ages.completed_months(birth, on) == months


@pytest.mark.parametrize(
    "lenhei,measure,age,expected",
    [
        (80.0, "h", 730, 80.7),
        (80.0, "l", 731, 79.3),
        (80.0, "l", 730, 80.0),
        (80.0, "h", 731, 80.0),
        (80.0, None, 100, 80.0),
        (80.0, "h", None, 80.0),
    ],
)
def test_lying_standing_rule_switches_at_day_731(lenhei, measure, age, expected):
    """Standing under 731 days adds 0.7 cm; lying from 731 days takes 0.7 cm away; unknown changes nothing."""
    assert ages.adjust_lenhei(lenhei, measure, age) == pytest.approx(expected, abs=1e-12)


def test_standing_before_nine_months_uses_unrounded_months():
    """Day 273 is 8.97 months (too young to stand); day 274 is 9.002 months."""
    assert ages.standing_too_young("h", 273)
    assert not ages.standing_too_young("h", 274)
    assert not ages.standing_too_young("l", 100)
