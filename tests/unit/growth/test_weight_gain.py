"""KMS weight gain: N/T against the KBM, month's weighings by calendar month, O/B, 2T, typos and large losses."""
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
    "current_on,status",
    [
        (date(2024, 9, 30), GainStatus.SAME_MONTH),  # 20 days, same calendar month: a re-weigh
        (date(2024, 10, 1), GainStatus.GAINED),  # 21 days, next month
        (date(2024, 10, 26), GainStatus.GAINED),  # 46 days, still next month: was O under the old 45-day rule
        (date(2024, 11, 1), GainStatus.NOT_WEIGHED_LAST_MONTH),  # a calendar month skipped
    ],
)
def test_a_pair_is_judged_by_calendar_month(current_on, status):
    """Deliberately changed from a 21-45 day window to the KMS calendar: same month, last month, or O."""
    previous = Weighing(date(2024, 9, 10), 11.0)

    result = assess_weight_gain(BIRTH, Weighing(current_on, 11.5), previous)

    assert result.status is status
    assert result.previous_on == previous.measured_on


def test_consecutive_months_far_apart_scale_the_kbm():
    """1 July to 31 August is last month's weighing (N/T, not O), and 61 days ask twice the KBM."""
    previous = Weighing(date(2025, 7, 1), 12.0)

    result = assess_weight_gain(BIRTH, Weighing(date(2025, 8, 31), 12.35), previous)

    assert (result.status, result.interval_days, result.required_g) == (GainStatus.NOT_GAINED, 61, 401)


def test_month_weighings_under_21_days_apart_are_too_soon():
    """31 January and 1 February are different months but too close to judge a month's gain."""
    weighings = [Weighing(date(2024, 1, 31), 10.0), Weighing(date(2024, 2, 1), 10.0), Weighing(date(2024, 3, 1), 10.1)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status for r in results] == [GainStatus.NEW, GainStatus.TOO_SOON, GainStatus.NOT_GAINED]
    assert [r.two_t for r in results] == [False, False, False]


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


def test_history_keeps_input_order():
    """Deliberately changed: results come back in the order given (compared in date order), not sorted."""
    weighings = [Weighing(_on(19), 10.5), Weighing(_on(18), 10.0)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["N", "B"]
    assert results[0].previous_on == _on(18)


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


def test_mid_month_home_weighing_does_not_hide_the_posyandu_comparison():
    """5 March is judged against the 5 February posyandu weighing, not the 20 February home weighing."""
    weighings = [Weighing(date(2024, 2, 5), 10.0), Weighing(date(2024, 2, 20), 10.1), Weighing(date(2024, 3, 5), 10.3)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["B", None, "N"]
    assert (results[2].previous_on, results[2].interval_days, results[2].gain_g) == (date(2024, 2, 5), 29, 300)


def test_reweigh_in_the_same_month_is_informational():
    """A second weighing in a month is SAME_MONTH, counted from the month's first weighing, with no KBM."""
    weighings = [Weighing(date(2024, 2, 5), 10.0), Weighing(date(2024, 2, 20), 10.1)]

    results = weight_gain_history(BIRTH, weighings)

    same_month = results[1]
    assert (same_month.status, same_month.status.code) == (GainStatus.SAME_MONTH, None)
    assert (same_month.previous_on, same_month.interval_days, same_month.gain_g) == (date(2024, 2, 5), 15, 100)
    assert (same_month.required_g, same_month.two_t) == (None, False)


def test_two_t_across_months_survives_a_mid_month_reweigh():
    """T in February and T in March are 2T even with a re-weigh on 18 February in between."""
    weighings = [
        Weighing(date(2024, 1, 5), 10.0),
        Weighing(date(2024, 2, 5), 10.1),
        Weighing(date(2024, 2, 18), 10.0),
        Weighing(date(2024, 3, 5), 10.15),
    ]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["B", "T", None, "T"]
    assert [r.two_t for r in results] == [False, False, False, True]
    assert results[3].previous_on == date(2024, 2, 5)


def test_same_month_reweigh_neither_breaks_nor_forms_a_two_t():
    """A low re-weigh is not a T, and a good one does not undo the month's T."""
    weighings = [
        Weighing(date(2024, 1, 5), 10.0),
        Weighing(date(2024, 1, 25), 9.9),  # low, but only a re-weigh
        Weighing(date(2024, 2, 5), 10.1),  # T against 5 January: the first T, not 2T
        Weighing(date(2024, 2, 25), 10.5),  # good, but only a re-weigh
        Weighing(date(2024, 3, 5), 10.2),  # T against 5 February: 2T
    ]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["B", None, "T", None, "T"]
    assert [r.two_t for r in results] == [False, False, False, False, True]


def test_two_t_needs_consecutive_months():
    """A skipped month breaks the chain: after a T in January, too little gain by March is O, not 2T."""
    weighings = [Weighing(date(2023, 12, 5), 9.9), Weighing(date(2024, 1, 5), 10.0), Weighing(date(2024, 3, 5), 10.1)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status.code for r in results] == ["B", "T", "O"]
    assert results[2].two_t is False


def test_a_skipped_calendar_month_is_o_even_thirty_days_apart():
    """31 January to 1 March skips February: O (not weighed last month), counted from 31 January."""
    weighings = [Weighing(date(2024, 1, 31), 10.0), Weighing(date(2024, 3, 1), 10.3)]

    results = weight_gain_history(BIRTH, weighings)

    assert results[1].status is GainStatus.NOT_WEIGHED_LAST_MONTH
    assert (results[1].previous_on, results[1].interval_days, results[1].gain_g) == (date(2024, 1, 31), 30, 300)


@pytest.mark.parametrize(
    "previous_kg,current_kg,large",
    [
        (10.1, 9.5, True),  # 5.9 %
        (10.1, 9.7, False),  # 4 %: T, but not urgent
        (10.0, 9.5, True),  # exactly 5 %, in whole grams
        (10.0, 9.51, False),
    ],
)
def test_large_loss_is_five_percent_or_more(previous_kg, current_kg, large):
    """A real loss of at least 5 % of the earlier weight is marked large_loss, on top of T."""
    weighings = [Weighing(date(2024, 1, 5), previous_kg), Weighing(date(2024, 2, 5), current_kg)]

    results = weight_gain_history(BIRTH, weighings)

    assert results[1].status is GainStatus.NOT_GAINED
    assert results[1].large_loss is large


def test_large_loss_is_marked_on_a_same_month_reweigh():
    """A large loss counts whatever the status: here a re-weigh 15 days after the month's weighing."""
    weighings = [Weighing(date(2024, 2, 5), 10.1), Weighing(date(2024, 2, 20), 9.5)]

    results = weight_gain_history(BIRTH, weighings)

    assert (results[1].status, results[1].large_loss) == (GainStatus.SAME_MONTH, True)


def test_large_loss_counts_from_the_latest_weighing_within_62_days():
    """The loss is taken against the latest good weighing (here a re-weigh), and not from one over 62 days back."""
    recent = [Weighing(date(2024, 1, 5), 10.0), Weighing(date(2024, 1, 25), 10.6), Weighing(date(2024, 2, 5), 10.0)]
    old = [Weighing(date(2024, 1, 1), 10.1), Weighing(date(2024, 3, 4), 9.5)]  # 63 days apart

    from_recent = weight_gain_history(BIRTH, recent)[2]
    from_old = weight_gain_history(BIRTH, old)[1]

    assert (from_recent.status, from_recent.previous_on, from_recent.large_loss) == (
        GainStatus.NOT_GAINED, date(2024, 1, 5), True
    )
    assert (from_old.status, from_old.large_loss) == (GainStatus.NOT_WEIGHED_LAST_MONTH, False)


def test_a_large_loss_says_how_much_and_since_when():
    """The chat says "turun 600 g (6%) sejak 25 Januari": the loss is measured from the weighing it was judged on."""
    weighings = [Weighing(date(2024, 1, 5), 10.0), Weighing(date(2024, 1, 25), 10.1), Weighing(date(2024, 2, 5), 9.5)]

    result = weight_gain_history(BIRTH, weighings)[2]

    assert (result.loss_from, result.loss_g, result.loss_pct) == (date(2024, 1, 25), 600, 6)
    assert weight_gain_history(BIRTH, weighings[:2])[1].loss_g is None


@pytest.mark.parametrize("current_kg, loss_g", [(9.8, 200), (9.5, 500), (9.9, None)])
def test_a_loss_of_two_percent_or_more_is_named_even_without_a_t(current_kg, loss_g):
    """A re-weigh in the same month gives no T, but 200 g of 10 kg lost is said; 100 g is the scale's step."""
    weighings = [Weighing(date(2024, 2, 1), 10.0), Weighing(date(2024, 2, 27), current_kg)]

    result = weight_gain_history(BIRTH, weighings)[1]

    assert (result.status, result.loss_g) == (GainStatus.SAME_MONTH, loss_g)
    assert result.large_loss is (loss_g is not None and loss_g >= 500)


def test_implausible_drop_is_not_a_large_loss_until_confirmed():
    """A fifth of body weight gone is a typo until re-weighed; once confirmed it is T and a large loss."""
    weighings = [Weighing(date(2024, 1, 5), 10.0), Weighing(date(2024, 2, 5), 7.9)]

    unconfirmed = weight_gain_history(BIRTH, weighings)[1]
    confirmed = weight_gain_history(BIRTH, weighings, confirmed=frozenset({date(2024, 2, 5)}))[1]

    assert (unconfirmed.status, unconfirmed.large_loss) == (GainStatus.IMPLAUSIBLE, False)
    assert (confirmed.status, confirmed.large_loss) == (GainStatus.NOT_GAINED, True)


def test_confirmed_weighing_counts_for_the_months_after():
    """A confirmed drop is February's weighing, so March is judged against it and a second T is 2T."""
    weighings = [Weighing(date(2024, 1, 5), 10.0), Weighing(date(2024, 2, 5), 7.9), Weighing(date(2024, 3, 5), 8.0)]

    unconfirmed = weight_gain_history(BIRTH, weighings)
    confirmed = weight_gain_history(BIRTH, weighings, confirmed={date(2024, 2, 5)})

    assert [r.status.code for r in unconfirmed] == ["B", None, "O"]
    assert [r.status.code for r in confirmed] == ["B", "T", "T"]
    assert (confirmed[2].previous_on, confirmed[2].two_t) == (date(2024, 2, 5), True)


def test_implausible_weighing_is_never_the_months_weighing():
    """A typo on 5 February leaves the 6 February re-weigh as February's weighing, which March is judged against."""
    weighings = [
        Weighing(date(2024, 1, 5), 11.7),
        Weighing(date(2024, 2, 5), 19.9),
        Weighing(date(2024, 2, 6), 12.0),
        Weighing(date(2024, 3, 5), 12.1),
    ]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status for r in results] == [
        GainStatus.NEW, GainStatus.IMPLAUSIBLE, GainStatus.GAINED, GainStatus.NOT_GAINED
    ]
    assert (results[1].previous_on, results[3].previous_on) == (date(2024, 1, 5), date(2024, 2, 6))


def test_plausibility_is_judged_against_the_latest_good_weighing():
    """A typo check uses the latest good weight of any date, here a same-month re-weigh, not the month's weighing."""
    weighings = [Weighing(date(2024, 2, 5), 10.0), Weighing(date(2024, 2, 25), 8.5), Weighing(date(2024, 3, 5), 10.2)]

    results = weight_gain_history(BIRTH, weighings)

    assert results[2].status is GainStatus.IMPLAUSIBLE
    assert (results[2].previous_on, results[2].gain_g) == (date(2024, 2, 25), 1700)


def test_history_returns_one_result_per_weighing_in_input_order():
    """Results line up with the weighings as given, so a caller can zip them back onto its rows."""
    jan, feb, feb_again, mar = (
        Weighing(date(2024, 1, 5), 10.0),
        Weighing(date(2024, 2, 5), 10.3),
        Weighing(date(2024, 2, 20), 10.4),
        Weighing(date(2024, 3, 5), 10.4),
    )

    results = weight_gain_history(BIRTH, [mar, feb_again, jan, feb])

    assert [r.status.code for r in results] == ["T", None, "B", "N"]
    assert [r.previous_on for r in results] == [feb.measured_on, feb.measured_on, None, jan.measured_on]


def test_history_takes_same_day_weighings_in_the_order_given():
    """Two weighings on one day are not an error in a history: the second is a same-month re-weigh."""
    weighings = [Weighing(date(2024, 2, 5), 10.0), Weighing(date(2024, 2, 5), 10.1)]

    results = weight_gain_history(BIRTH, weighings)

    assert [r.status for r in results] == [GainStatus.NEW, GainStatus.SAME_MONTH]
    assert (results[1].interval_days, results[1].gain_g) == (0, 100)
