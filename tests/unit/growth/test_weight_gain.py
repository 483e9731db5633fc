"""KMS weight gain: N/T against the KBM, the interval rule, O/B, 2T, and the month-to-month typo check."""
from datetime import date, timedelta

import pytest

from shared.domain.growth import (
    GainStatus,
    InvalidMeasurement,
    OutsideGrowthStandard,
    Weighing,
    assess_weight_gain,
    kbm_g,
    weight_gain_history,
)
from shared.domain.growth.weight_gain import required_gain_g

BIRTH = date(2023, 1, 10)


def _on(months: int, extra_days: int = 0) -> date:
    """The monthly birthday `months` after BIRTH, plus some days."""
    y, m = divmod(BIRTH.month - 1 + months, 12)
    return date(BIRTH.year + y, m + 1, BIRTH.day) + timedelta(days=extra_days)


@pytest.mark.parametrize(
    "months,grams",
    [(1, 800), (2, 900), (3, 800), (4, 600), (5, 500), (6, 400), (7, 300), (11, 300), (12, 200), (59, 200)],
)
def test_kbm_follows_buku_kia_table(months, grams):
    """KBM by completed months: 800, 900, 800, 600, 500, 400 g, then 300 g to 11 months and 200 g after."""
    assert kbm_g(months) == grams


def test_gain_equal_to_kbm_is_naik():
    """At 14 months, 12.2 -> 12.4 kg in one month is exactly the 200 g KBM: N (no float 199.99 g)."""
    previous = Weighing(_on(13), 12.2)
    current = Weighing(_on(14), 12.4)

    result = assess_weight_gain(BIRTH, current, previous)

    assert result.status is GainStatus.GAINED
    assert result.status.code == "N"
    assert (result.gain_g, result.required_g) == (200, 200)


def test_gain_below_kbm_is_tidak_naik():
    """At 5 months a 400 g gain is below the 500 g KBM: T."""
    result = assess_weight_gain(BIRTH, Weighing(_on(5), 6.9), Weighing(_on(4), 6.5))

    assert result.status is GainStatus.NOT_GAINED
    assert result.status.code == "T"


def test_weight_loss_is_tidak_naik():
    """A loss is never naik."""
    result = assess_weight_gain(BIRTH, Weighing(_on(20), 10.8), Weighing(_on(19), 11.0))

    assert result.status is GainStatus.NOT_GAINED
    assert result.gain_g == -200


@pytest.mark.parametrize("days,required", [(28, 200), (30, 200), (35, 200), (21, 138), (27, 177), (36, 237), (45, 296)])
def test_kbm_is_as_printed_for_a_month_and_scaled_outside_it(days, required):
    """28-35 days use the printed KBM; 21-27 and 36-45 days scale it by days / 30.4375."""
    assert required_gain_g(24, days) == required


def test_scaled_requirement_decides_a_long_interval():
    """After 40 days a 24-month-old needs 263 g: 250 g is T, 300 g is N."""
    previous = Weighing(_on(23), 11.0)

    short = assess_weight_gain(BIRTH, Weighing(previous.measured_on + timedelta(days=40), 11.25), previous)
    enough = assess_weight_gain(BIRTH, Weighing(previous.measured_on + timedelta(days=40), 11.3), previous)

    assert (short.status, short.required_g) == (GainStatus.NOT_GAINED, 263)
    assert enough.status is GainStatus.GAINED


@pytest.mark.parametrize(
    "days,status",
    [
        (20, GainStatus.TOO_SOON),
        (21, GainStatus.GAINED),
        (45, GainStatus.GAINED),
        (46, GainStatus.NOT_WEIGHED_LAST_MONTH),
    ],
)
def test_only_weighings_about_a_month_apart_are_compared(days, status):
    """21-45 days apart is a monthly comparison; closer is too soon, further is O."""
    previous = Weighing(_on(20), 11.0)

    result = assess_weight_gain(BIRTH, Weighing(previous.measured_on + timedelta(days=days), 11.5), previous)

    assert result.status is status


def test_first_weighing_is_new():
    """With no previous weighing the child is B (baru)."""
    result = assess_weight_gain(BIRTH, Weighing(_on(3), 6.0), None)

    assert result.status is GainStatus.NEW
    assert result.status.code == "B"


def test_no_kbm_before_one_completed_month():
    """Newborns first lose and regain birth weight; there is no KBM before 1 month."""
    previous = Weighing(BIRTH + timedelta(days=3), 3.1)

    result = assess_weight_gain(BIRTH, Weighing(BIRTH + timedelta(days=28), 3.6), previous)

    assert result.status is GainStatus.NEWBORN
    assert result.status.code is None


@pytest.mark.parametrize(
    "previous_kg,current_kg,months",
    [
        (11.7, 19.9, 30),  # the "19,9" typo seen in a posyandu register
        (12.4, 14.2, 24),  # swapped digits: +1.8 kg in a month at 2 years
        (12.4, 1.24, 24),  # slipped decimal
        (10.0, 7.9, 24),  # a fifth of body weight gone in a month
        (4.0, 6.6, 2),  # +2.6 kg in a month at 2 months
    ],
)
def test_impossible_changes_ask_to_reweigh(previous_kg, current_kg, months):
    """A change no child can make in a month is IMPLAUSIBLE, not classified as N or T."""
    result = assess_weight_gain(BIRTH, Weighing(_on(months), current_kg), Weighing(_on(months - 1), previous_kg))

    assert result.status is GainStatus.IMPLAUSIBLE
    assert result.required_g is None


@pytest.mark.parametrize(
    "previous_kg,current_kg,months",
    [(4.0, 6.0, 2), (6.0, 7.9, 4), (8.0, 9.4, 8), (12.0, 13.4, 30), (10.0, 8.1, 24)],
)
def test_large_but_possible_changes_are_classified(previous_kg, current_kg, months):
    """Big real gains (2 kg at 2 months, 1.4 kg at 30 months) and a 19 % loss are still classified."""
    result = assess_weight_gain(BIRTH, Weighing(_on(months), current_kg), Weighing(_on(months - 1), previous_kg))

    assert result.status in (GainStatus.GAINED, GainStatus.NOT_GAINED)


def test_confirmed_reweighing_is_classified():
    """After re-weighing confirms a large drop, the weighing is classified (here T)."""
    result = assess_weight_gain(BIRTH, Weighing(_on(24), 7.9), Weighing(_on(23), 10.0), confirmed=True)

    assert result.status is GainStatus.NOT_GAINED


def test_two_t_in_a_row_is_2t():
    """T at two consecutive monthly weighings marks the second as 2T (rujuk)."""
    weighings = [Weighing(_on(18), 10.0), Weighing(_on(19), 10.1), Weighing(_on(20), 10.2), Weighing(_on(21), 10.5)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["B", "T", "T", "N"]
    assert [r.two_t for r in results] == [False, False, True, False]


def test_history_skips_an_implausible_weighing_as_reference():
    """A typo weighing is never the 'previous' weight: the next month compares with the last good one."""
    weighings = [Weighing(_on(18), 11.7), Weighing(_on(19), 19.9), Weighing(_on(20), 12.1)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status for r in results] == [GainStatus.NEW, GainStatus.IMPLAUSIBLE, GainStatus.NOT_WEIGHED_LAST_MONTH]
    assert results[2].gain_g == 400


def test_history_sorts_by_date():
    """Weighings given out of order are compared in date order."""
    weighings = [Weighing(_on(19), 10.5), Weighing(_on(18), 10.0)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["B", "N"]


@pytest.mark.parametrize(
    "current,previous",
    [
        (Weighing(_on(5), 7.0), Weighing(_on(5), 6.5)),  # same day
        (Weighing(_on(4), 7.0), Weighing(_on(5), 6.5)),  # previous after current
        (Weighing(_on(5), 0.0), Weighing(_on(4), 6.5)),
    ],
)
def test_impossible_weighings_raise(current, previous):
    """Same-day or reversed weighings and zero weights are caller bugs, raised as InvalidMeasurement."""
    with pytest.raises(InvalidMeasurement):
        assess_weight_gain(BIRTH, current, previous)


def test_sixty_months_is_outside_the_kms():
    """The KMS covers under-fives; at 60 months the weight-gain rule stops."""
    with pytest.raises(OutsideGrowthStandard):
        assess_weight_gain(BIRTH, Weighing(_on(60), 18.0), Weighing(_on(59), 17.8))
