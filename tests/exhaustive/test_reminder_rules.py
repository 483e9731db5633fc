"""The reminder rules: calendar months, the posyandu day, which reminders fall due in a window, and when in the day a
message may go in Indonesia's three time zones. Dates below were counted by hand on a calendar."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.advice import Urgency
from shared.domain.growth import ages
from shared.domain.reminders import (
    BULAN_PENIMBANGAN,
    DAYTIME,
    FOLLOWUP_DAYS,
    FRIDAY_PRAYER,
    KINDS,
    RECHECK_DAYS,
    RULES,
    ChildFacts,
    Due,
    PosyanduDay,
    add_months,
    due_reminders,
    estimated_birth_date,
    is_sendable_now,
    next_send_time,
    posyandu_day_on_or_after,
    send_window,
)

UTC = timezone.utc
ZONES = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}  # WIB, WITA, WIT: UTC+7/+8/+9, no summer time
TIERS = [None] + [u.word for u in Urgency]
FAST = settings(max_examples=100, deadline=None)

dates = st.dates(date(2015, 1, 1), date(2035, 12, 31))
posyandu_days = st.one_of(st.none(), st.builds(PosyanduDay, day_of_month=st.none() | st.integers(1, 31),
                                               weekday=st.none() | st.integers(0, 6)))


@st.composite
def children(draw):
    """Any child the store could hold: birth date given, estimated from an age in months, or unknown."""
    measured = draw(st.one_of(st.none(), dates))
    birth = draw(st.one_of(st.none(), st.dates(date(2012, 1, 1), measured or date(2035, 12, 31))))
    age_given = None
    if birth is None and measured is not None:
        age_given = draw(st.one_of(st.none(), st.floats(0, 59.9, allow_nan=False)))
    return ChildFacts(draw(st.integers(1, 10**6)), birth, measured, draw(st.sampled_from(TIERS)), age_given)


def is_posyandu_day(day: date, pd: PosyanduDay | None) -> bool:
    """The oracle: does the posyandu meet on `day` (unknown: every day will do)?"""
    if pd is None or (pd.weekday is None and pd.day_of_month is None):
        return True
    month_end = (add_months(day.replace(day=1), 1) - timedelta(days=1)).day
    weekly = pd.weekday is not None and day.weekday() == pd.weekday
    monthly = pd.day_of_month is not None and day.day == min(pd.day_of_month, month_end)
    return weekly or monthly


def sendable(at: datetime, zone: str) -> bool:
    """The oracle: daytime local time, and not Friday prayer."""
    local = at.astimezone(ZoneInfo(zone))
    clock = local.time()
    in_prayer = local.weekday() == 4 and time(11) <= clock < time(13, 30)
    return time(8) <= clock < time(19) and not in_prayer


def kinds_on(child, pd, today, horizon=7):
    return [(d.kind, d.due_on) for d in due_reminders(child, pd, today, horizon)]


# --- rules as data -------------------------------------------------------------------------------------------------

def test_rules_are_the_kinds_each_once_with_a_reason():
    """RULES names every kind exactly once, in KINDS order, and says why."""
    assert tuple(r.kind for r in RULES) == KINDS
    assert all(r.why for r in RULES)
    assert all(r.tiers is None or r.tiers <= {u.word for u in Urgency} for r in RULES)


def test_constants_say_what_the_issue_asked():
    """Daytime 08:00-19:00, Friday prayer 11:00-13:30, recheck after 14 days, follow-up after 1, and Bulan
    Penimbangan called on 25 January and 25 July (domain-id.md D5)."""
    assert (DAYTIME, FRIDAY_PRAYER) == ((time(8), time(19)), (time(11), time(13, 30)))
    assert (RECHECK_DAYS, FOLLOWUP_DAYS) == (14, 1)
    assert BULAN_PENIMBANGAN == ((1, 25, 2), (7, 25, 8))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.kind)
def test_every_rule_fires_for_some_child_and_only_for_its_tiers(rule):
    """Walking a daily planner over a year and a half finds each rule's kind, and never a tier rule's kind after a
    measurement of another tier."""
    fitting = sorted(rule.tiers)[0] if rule.tiers else "routine"
    others = [t for t in TIERS if rule.tiers is not None and t not in rule.tiers]
    start = date(2025, 1, 10)

    def kinds(tier):
        child = ChildFacts(1, date(2021, 6, 15), start, tier)
        return {d.kind for n in range(0, 560, 7) for d in due_reminders(child, None, start + timedelta(days=n))}

    assert rule.kind in kinds(fitting)
    assert all(rule.kind not in kinds(t) for t in others)


# --- add_months ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("day,months,expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # no 31st in February: its last day (leap year)
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a leap-day birthday in an ordinary year
    (date(2024, 3, 31), 1, date(2024, 4, 30)),
    (date(2024, 1, 31), 2, date(2024, 3, 31)),  # counted from the day itself: the clamp in February is not kept
    (date(2024, 12, 15), 1, date(2025, 1, 15)),  # over the year's end
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2020, 2, 10), 60, date(2025, 2, 10)),
    (date(2024, 5, 10), 0, date(2024, 5, 10)),
])
def test_add_months_counts_calendar_months(day, months, expected):
    """Calendar months, on the month's last day when the month is shorter."""
    assert add_months(day, months) == expected


@FAST
@given(dates, st.integers(0, 120), st.integers(0, 120))
def test_add_months_never_goes_backwards_and_agrees_with_completed_months(day, k, more):
    """k months later is never earlier, more months never earlier still, and it is exactly the day Permenkes'
    completed months (ages.completed_months) reach k."""
    later = add_months(day, k)

    assert day <= later <= add_months(day, k + more)
    assert ages.completed_months(day, later) == k
    if k:
        assert ages.completed_months(day, later - timedelta(days=1)) == k - 1
        assert later.day == day.day or (later + timedelta(days=1)).day == 1  # same day, or clamped to the month's end


# --- the posyandu day ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("day,pd,expected", [
    (date(2025, 2, 10), PosyanduDay(day_of_month=31), date(2025, 2, 28)),  # the 31st in February: its last day
    (date(2024, 2, 10), PosyanduDay(day_of_month=31), date(2024, 2, 29)),
    (date(2025, 2, 28), PosyanduDay(day_of_month=31), date(2025, 2, 28)),  # on the day itself
    (date(2025, 3, 1), PosyanduDay(day_of_month=31), date(2025, 3, 31)),
    (date(2025, 1, 31), PosyanduDay(day_of_month=30), date(2025, 2, 28)),
    (date(2025, 1, 15), PosyanduDay(day_of_month=10), date(2025, 2, 10)),  # this month's has passed
    (date(2025, 12, 20), PosyanduDay(day_of_month=5), date(2026, 1, 5)),
    (date(2025, 1, 15), PosyanduDay(weekday=2), date(2025, 1, 15)),  # 15 January 2025 is a Wednesday
    (date(2025, 1, 16), PosyanduDay(weekday=2), date(2025, 1, 22)),
    (date(2025, 1, 15), PosyanduDay(weekday=0), date(2025, 1, 20)),
    (date(2025, 1, 16), PosyanduDay(day_of_month=20, weekday=2), date(2025, 1, 20)),  # both: the earlier
    (date(2025, 1, 16), PosyanduDay(day_of_month=25, weekday=2), date(2025, 1, 22)),
    (date(2025, 1, 15), PosyanduDay(), date(2025, 1, 15)),  # unknown: the day itself
    (date(2025, 1, 15), None, date(2025, 1, 15)),
])
def test_posyandu_day_is_the_first_on_or_after(day, pd, expected):
    """The posyandu's next meeting from a day on, monthly or weekly."""
    assert posyandu_day_on_or_after(day, pd) == expected


@FAST
@given(dates, posyandu_days)
def test_posyandu_day_is_the_nearest_meeting(day, pd):
    """The answer is a meeting day, not before `day`, within a month, and no meeting lies between."""
    found = posyandu_day_on_or_after(day, pd)

    assert day <= found <= day + timedelta(days=30)
    assert is_posyandu_day(found, pd)
    assert not any(is_posyandu_day(day + timedelta(days=n), pd) for n in range((found - day).days))


@pytest.mark.parametrize("kwargs", [dict(day_of_month=0), dict(day_of_month=32), dict(weekday=7), dict(weekday=-1)])
def test_a_posyandu_day_that_cannot_be_is_refused(kwargs):
    """A day out of range is a programming error, not a quiet guess."""
    with pytest.raises(ValueError):
        PosyanduDay(**kwargs)


# --- due_reminders: tables -----------------------------------------------------------------------------------------

BORN = date(2023, 6, 10)


@pytest.mark.parametrize("measured,pd,today,horizon,expected", [
    (date(2025, 1, 15), PosyanduDay(day_of_month=20), date(2025, 2, 14), 7, [date(2025, 2, 20)]),
    # a posyandu on the 31st meets on 28 February
    (date(2025, 1, 31), PosyanduDay(day_of_month=31), date(2025, 2, 25), 7, [date(2025, 2, 28)]),
    # 15 February 2025 is a Saturday: a Friday posyandu meets on the 21st
    (date(2025, 1, 15), PosyanduDay(weekday=4), date(2025, 2, 15), 7, [date(2025, 2, 21)]),
    (date(2025, 1, 15), PosyanduDay(weekday=4), date(2025, 2, 14), 6, []),  # the 21st is just past the horizon
    (date(2025, 1, 15), None, date(2025, 2, 15), 0, [date(2025, 2, 15)]),  # unknown posyandu day: the date itself
    # missed February's posyandu: March's is the next reminder
    (date(2025, 1, 15), PosyanduDay(day_of_month=20), date(2025, 2, 21), 30, [date(2025, 3, 20)]),
])
def test_measurement_falls_on_the_posyandu_day_after_a_month(measured, pd, today, horizon, expected):
    """A month after the last measurement, moved to the posyandu day on or after it."""
    child = ChildFacts(1, BORN, measured, "routine")

    assert kinds_on(child, pd, today, horizon) == [("measurement", d) for d in expected]


@pytest.mark.parametrize("tier,expected", [
    (None, [("measurement", date(2025, 4, 3))]),
    ("routine", [("measurement", date(2025, 4, 3))]),
    ("soon", [("recheck", date(2025, 3, 17)), ("measurement", date(2025, 4, 3))]),
    ("today", [("followup", date(2025, 3, 4)), ("measurement", date(2025, 4, 3))]),
    ("now", [("followup", date(2025, 3, 4)), ("measurement", date(2025, 4, 3))]),
])
def test_the_tier_of_the_last_measurement_chooses_recheck_or_followup(tier, expected):
    """Routine waits for the month; soon is rechecked after 14 days; today and now are followed up the next day."""
    child = ChildFacts(1, BORN, date(2025, 3, 3), tier)

    assert kinds_on(child, None, date(2025, 3, 3), 40) == expected


def test_a_child_measured_after_the_posyandu_day_is_due_at_next_months_posyandu():
    """SKDN counts a weighing in its month: measured on 12 January, posyandu on the 10th -> 10 February, not March."""
    child = ChildFacts(1, BORN, date(2025, 1, 12), "routine")

    assert kinds_on(child, PosyanduDay(day_of_month=10), date(2025, 2, 5)) == [("measurement", date(2025, 2, 10))]


def test_recheck_and_followup_are_gone_once_their_day_passed():
    """They are relative to the last measurement only, told once: a week after the recheck day nothing repeats it."""
    child = ChildFacts(1, BORN, date(2025, 3, 3), "soon")

    assert kinds_on(child, None, date(2025, 3, 18), 14) == []


@pytest.mark.parametrize("born,pd,today,expected", [
    (date(2024, 5, 31), None, date(2025, 2, 26), [date(2025, 2, 28)]),  # the monthly "birthday" of a 31st
    (date(2024, 5, 31), PosyanduDay(day_of_month=5), date(2025, 2, 26), [date(2025, 3, 5)]),
    (date(2024, 5, 20), None, date(2025, 2, 21), []),  # the 20th has passed; 20 March is beyond the week
])
def test_a_child_never_measured_is_called_at_its_monthly_birthday(born, pd, today, expected):
    """Never measured: birth date + k months, moved to the posyandu day."""
    child = ChildFacts(1, born, None, None)

    assert kinds_on(child, pd, today) == [("measurement", d) for d in expected]


def test_a_child_with_no_birth_date_and_no_measurement_gets_nothing():
    """Nothing known, nothing due: not even Bulan Penimbangan."""
    child = ChildFacts(1, None, None, None)

    assert kinds_on(child, PosyanduDay(day_of_month=25), date(2025, 1, 20), 60) == []


@pytest.mark.parametrize("born,expected", [
    (date(2020, 2, 1), []),  # 60 months on 1 February 2025: no longer weighed in Bulan Penimbangan
    (date(2020, 2, 2), [("bulan_penimbangan", date(2025, 1, 25))]),  # 59 months that day
    (date(2024, 12, 1), [("bulan_penimbangan", date(2025, 1, 25))]),
])
def test_bulan_penimbangan_calls_children_under_five_on_the_first_of_february(born, expected):
    """25 January: every child under 60 months on 1 February (domain-id.md D5)."""
    child = ChildFacts(1, born, None, None)

    assert [k for k in kinds_on(child, None, date(2025, 1, 22), 5) if k[0] == "bulan_penimbangan"] == expected


@pytest.mark.parametrize("born,expected", [(date(2020, 8, 1), []), (date(2020, 8, 2), [date(2025, 7, 25)])])
def test_bulan_penimbangan_calls_again_before_august(born, expected):
    """25 July, for children under 60 months on 1 August."""
    child = ChildFacts(1, born, date(2025, 7, 1), "routine")

    found = [d for k, d in kinds_on(child, PosyanduDay(day_of_month=1), date(2025, 7, 20), 10) if k != "measurement"]
    assert found == expected


def test_at_sixty_months_only_age_out_is_told():
    """On the 5th birthday age_out is due, and nothing after it, whatever the tier."""
    child = ChildFacts(1, date(2020, 2, 10), date(2025, 1, 10), "soon")

    # The measurement of 10 February would be at 60 months; the recheck (24 January) has passed.
    assert kinds_on(child, None, date(2025, 2, 5), 7) == [("age_out", date(2025, 2, 10))]
    assert kinds_on(child, None, date(2025, 2, 10), 90) == [("age_out", date(2025, 2, 10))]
    assert kinds_on(child, None, date(2025, 2, 11), 400) == []  # told once: the day has passed


def test_a_measurement_due_the_day_before_sixty_months_is_still_sent():
    """Under 60 months on its due day, the monthly reminder goes; age_out follows the next day."""
    child = ChildFacts(1, date(2020, 2, 10), date(2025, 1, 9), "routine")
    expected = [("measurement", date(2025, 2, 9)), ("age_out", date(2025, 2, 10))]

    assert kinds_on(child, None, date(2025, 2, 5), 7) == expected


def test_an_age_in_months_gives_an_estimated_birth_date():
    """Only "59 months" at a measurement on 10 January 2025: born about 1,796 days before (59 x 30.4375 = 1,795.8),
    10 February 2020, so it ages out on 10 February 2025 and February's measurement is not sent."""
    child = ChildFacts(1, None, date(2025, 1, 10), "routine", age_given_months=59.0)

    assert estimated_birth_date(child) == date(2020, 2, 10)
    assert kinds_on(child, None, date(2025, 2, 5), 7) == [("age_out", date(2025, 2, 10))]


def test_an_age_of_exactly_half_a_day_rounds_up_as_anthro_does():
    """24 months is 730.5 days; anthro's round_up (as the measurement flows) makes it 731, born 1 March 2023."""
    child = ChildFacts(1, None, date(2025, 3, 1), "routine", age_given_months=24.0)

    assert estimated_birth_date(child) == date(2023, 3, 1)


def test_a_given_birth_date_wins_over_an_age_in_months():
    """The estimate is for children without a birth date."""
    assert estimated_birth_date(ChildFacts(1, BORN, date(2025, 3, 1), None, age_given_months=3.0)) == BORN


def test_a_measured_child_of_unknown_age_is_a_balita_for_sixty_months():
    """No birth date and no age: a balita (only balita are measured) until 60 months after its measurement."""
    child = ChildFacts(1, None, date(2020, 7, 1), "routine")

    assert ("bulan_penimbangan", date(2025, 1, 25)) in kinds_on(child, None, date(2025, 1, 25), 0)
    assert kinds_on(child, None, date(2025, 7, 25), 0) == []  # 1 August 2025 is 60 months after


@pytest.mark.parametrize("kwargs", [dict(last_tier="urgent"), dict(last_tier="SOON")])
def test_an_unknown_tier_is_refused(kwargs):
    """Only Urgency words: a typo would otherwise silently drop a recheck."""
    with pytest.raises(ValueError):
        ChildFacts(1, BORN, date(2025, 1, 1), **kwargs)


def test_a_negative_horizon_is_refused():
    """A window that ends before it starts is a caller's mistake."""
    with pytest.raises(ValueError):
        due_reminders(ChildFacts(1, BORN, None, None), None, date(2025, 1, 1), -1)


# --- due_reminders: properties -------------------------------------------------------------------------------------

@FAST
@given(children(), posyandu_days, dates, st.integers(0, 60))
def test_due_reminders_stay_in_the_window_in_order(child, pd, today, horizon):
    """Deterministic, sorted by day then kind, each once, every due day in [today, today + horizon]."""
    found = due_reminders(child, pd, today, horizon)

    assert found == due_reminders(child, pd, today, horizon)
    assert found == sorted(found, key=lambda d: (d.due_on, KINDS.index(d.kind)))
    assert len(set(found)) == len(found)
    assert all(today <= d.due_on <= today + timedelta(days=horizon) for d in found)


@FAST
@given(children(), posyandu_days, dates, st.integers(0, 40), st.integers(0, 40))
def test_a_later_or_shorter_look_sees_the_same_reminders(child, pd, today, horizon, later):
    """What is due does not depend on when or how far one looks: a planner that misses days still finds it."""
    wide = due_reminders(child, pd, today, horizon + later)
    shifted = due_reminders(child, pd, today + timedelta(days=later), horizon)

    assert due_reminders(child, pd, today, horizon) == [d for d in wide if d.due_on <= today + timedelta(days=horizon)]
    assert shifted == [d for d in wide if d.due_on >= today + timedelta(days=later)]


@FAST
@given(children(), posyandu_days, dates, st.integers(0, 60))
def test_measurements_fall_on_posyandu_days_and_nothing_but_age_out_at_sixty_months(child, pd, today, horizon):
    """Every measurement reminder is a posyandu day; no reminder but age_out is due once the child is 60 months."""
    born = estimated_birth_date(child)

    for due in due_reminders(child, pd, today, horizon):
        if due.kind == "measurement":
            assert is_posyandu_day(due.due_on, pd)
        if due.kind == "age_out":
            assert born is not None and due.due_on == add_months(born, 60)
        elif born is not None:
            counts_on = due.due_on
            if due.kind == "bulan_penimbangan":
                counts_on = date(due.due_on.year, due.due_on.month + 1, 1)  # 1 February / 1 August
            assert ages.completed_months(born, counts_on) < 60


@FAST
@given(st.dates(date(2015, 1, 1), date(2025, 12, 31)), st.one_of(st.none(), st.integers(0, 59)),
       st.sampled_from(TIERS), posyandu_days, st.integers(0, 10))
def test_age_out_is_told_once_on_the_fifth_birthday(born, measured_at_months, tier, pd, horizon):
    """A daily planner running over the weeks around the 5th birthday is told age_out on exactly that day, and
    nothing else is due from it on."""
    birthday = add_months(born, 60)
    measured = None if measured_at_months is None else add_months(born, measured_at_months)
    child = ChildFacts(1, born, measured, tier)

    told = {d for n in range(-20, 21) for d in due_reminders(child, pd, birthday + timedelta(days=n), horizon)}

    assert {d for d in told if d.kind == "age_out"} == {Due("age_out", birthday)}
    assert all(d.kind == "age_out" for d in told if d.due_on >= birthday)


# --- when in the day -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("zone,start,end", [
    ("Asia/Jakarta", datetime(2025, 3, 4, 1, tzinfo=UTC), datetime(2025, 3, 4, 12, tzinfo=UTC)),  # WIB, UTC+7
    ("Asia/Makassar", datetime(2025, 3, 4, 0, tzinfo=UTC), datetime(2025, 3, 4, 11, tzinfo=UTC)),  # WITA, UTC+8
    ("Asia/Jayapura", datetime(2025, 3, 3, 23, tzinfo=UTC), datetime(2025, 3, 4, 10, tzinfo=UTC)),  # WIT, UTC+9
])
def test_send_window_is_local_daytime_in_utc(zone, start, end):
    """08:00-19:00 local on the due day, given in UTC."""
    window = send_window(date(2025, 3, 4), zone)

    assert window == (start, end)
    assert all(t.utcoffset() == timedelta(0) for t in window)


# 4 March 2025 is a Tuesday, 7 March a Friday.
@pytest.mark.parametrize("at,zone,expected", [
    (datetime(2025, 3, 4, 0, 30, tzinfo=UTC), "Asia/Jakarta", datetime(2025, 3, 4, 1, tzinfo=UTC)),  # 07:30 WIB
    (datetime(2025, 3, 4, 0, 30, tzinfo=UTC), "Asia/Makassar", None),  # 08:30 WITA
    (datetime(2025, 3, 4, 0, 30, tzinfo=UTC), "Asia/Jayapura", None),  # 09:30 WIT
    (datetime(2025, 3, 4, 11, 30, tzinfo=UTC), "Asia/Jakarta", None),  # 18:30 WIB
    (datetime(2025, 3, 4, 11, 30, tzinfo=UTC), "Asia/Makassar", datetime(2025, 3, 5, 0, tzinfo=UTC)),  # 19:30 WITA
    (datetime(2025, 3, 4, 11, 30, tzinfo=UTC), "Asia/Jayapura", datetime(2025, 3, 4, 23, tzinfo=UTC)),  # 20:30 WIT
    (datetime(2025, 3, 4, 12, tzinfo=UTC), "Asia/Jakarta", datetime(2025, 3, 5, 1, tzinfo=UTC)),  # 19:00 WIB: closed
    (datetime(2025, 3, 7, 4, 30, tzinfo=UTC), "Asia/Jakarta", datetime(2025, 3, 7, 6, 30, tzinfo=UTC)),  # Fri 11:30
    (datetime(2025, 3, 7, 4, 30, tzinfo=UTC), "Asia/Makassar", datetime(2025, 3, 7, 5, 30, tzinfo=UTC)),  # Fri 12:30
    (datetime(2025, 3, 7, 4, 30, tzinfo=UTC), "Asia/Jayapura", None),  # Friday 13:30 WIT: prayer is over
    (datetime(2025, 3, 7, 1, 59, tzinfo=UTC), "Asia/Makassar", None),  # Friday 09:59 WITA
    (datetime(2025, 3, 7, 3, tzinfo=UTC), "Asia/Makassar", datetime(2025, 3, 7, 5, 30, tzinfo=UTC)),  # Fri 11:00
    (datetime(2025, 3, 6, 12, 15, tzinfo=UTC), "Asia/Jakarta", datetime(2025, 3, 7, 1, tzinfo=UTC)),  # Thu 19:15 ->
    # Friday 08:00, before prayer
    # `at` may come in any zone: 07:30 WIB is 09:30 WIT, daytime in Papua, but still night in Jakarta
    (datetime(2025, 3, 4, 7, 30, tzinfo=ZoneInfo("Asia/Jakarta")), "Asia/Jayapura", None),
    (datetime(2025, 3, 4, 7, 30, tzinfo=ZoneInfo("Asia/Jakarta")), "Asia/Jakarta", datetime(2025, 3, 4, 1, tzinfo=UTC)),
])
def test_next_send_time_in_the_three_zones(at, zone, expected):
    """Daytime local time, Friday prayer skipped, the answer in UTC."""
    expected = at if expected is None else expected  # None: sendable as it is

    found = next_send_time(at, zone)

    assert found == expected and found.utcoffset() == timedelta(0)
    assert is_sendable_now(at, zone) == (expected == at)


def test_next_send_time_needs_an_aware_datetime():
    """A naive time says no zone: refused rather than guessed."""
    with pytest.raises(ValueError):
        next_send_time(datetime(2025, 3, 4, 9), "Asia/Jakarta")


instants = st.datetimes(datetime(2015, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC))


@FAST
@given(instants, st.sampled_from(sorted(ZONES)))
def test_next_send_time_lands_in_daytime_never_earlier_and_is_idempotent(at, zone):
    """Never before `at`, always in local daytime and out of Friday prayer, the very next such moment, and asking
    again changes nothing."""
    found = next_send_time(at, zone)

    assert found >= at and found.utcoffset() == timedelta(0)
    assert sendable(found, zone)
    assert next_send_time(found, zone) == found and is_sendable_now(found, zone)
    assert is_sendable_now(at, zone) == sendable(at, zone)
    if found > at:
        assert not sendable(found - timedelta(microseconds=1), zone)
        assert found - at <= timedelta(hours=13)  # at most a night (19:00 to 08:00)


@FAST
@given(st.sampled_from(sorted(ZONES)), st.integers(0, 23), st.sampled_from([0, 29, 59]))
def test_the_zones_are_seven_eight_and_nine_hours_ahead(zone, hour, minute):
    """WIB +7, WITA +8, WIT +9: the same local clock reading is that many hours after UTC's."""
    at = datetime(2025, 3, 4, hour, minute, tzinfo=UTC)

    local = at.astimezone(ZoneInfo(zone))

    assert local.utcoffset() == timedelta(hours=ZONES[zone])
    assert sendable(at, zone) == (8 <= (hour + ZONES[zone]) % 24 < 19)
