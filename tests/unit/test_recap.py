"""The monthly recap's counts: SKDN and prevalence by the register's age bands, flagged values left out."""
from datetime import date

from shared.domain.recap import BANDS, RecapChild, RecapMeasurement, recap

NOV = date(2026, 11, 15)


def scored(age_months: int, *, lfa="normal", wfl="normal", wfa="normal", gain=None, flag=(), oedema=False) -> dict:
    def r(name, category):
        return {"z": 0.0, "flag": name in flag, "category": category}
    return {"age_months": age_months, "age_days": int(age_months * 30.4375) + 3, "oedema": oedema,
            "length_for_age": r("lfa", lfa), "weight_for_length": r("wfl", wfl), "weight_for_age": r("wfa", wfa),
            "gain": {"code": gain} if gain else None}


def row(rows, band):
    return next(r for r in rows if r.band == band)


def test_skdn_counts_each_child_once_in_the_band_of_its_age():
    children = [RecapChild(1, date(2026, 8, 1), date(2026, 9, 1)),   # 3 months at the end of November
                RecapChild(2, date(2025, 1, 20), date(2025, 2, 1)),  # 22 months
                RecapChild(3, date(2021, 1, 1), date(2021, 2, 1)),   # 70 months: not a balita any more
                RecapChild(4, date(2024, 12, 1), None)]              # 23 months, never measured
    measured = [RecapMeasurement(1, date(2026, 11, 2), True, scored(3, gain="T")),
                RecapMeasurement(1, date(2026, 11, 20), True, scored(3, gain="N")),  # the month's last counts
                RecapMeasurement(2, date(2026, 11, 5), True, scored(21, gain="N", lfa="stunted")),
                RecapMeasurement(2, date(2026, 10, 5), True, scored(20, lfa="stunted"))]  # October's

    rows = recap(NOV, children, measured)

    assert [r.band for r in rows] == [*BANDS, None] and rows[0].month == date(2026, 11, 1)
    total = row(rows, None)
    assert (total.s, total.k, total.d, total.n) == (3, 2, 2, 2)
    assert (total.len_measured, total.stunted) == (2, 1)
    assert (row(rows, (0, 5)).s, row(rows, (12, 23)).s, row(rows, (12, 23)).k) == (1, 2, 1)


def test_flagged_values_leave_prevalence_and_oedema_counts_as_severe_wasting():
    children = [RecapChild(i, date(2025, 6, 1), date(2025, 7, 1)) for i in (1, 2, 3)]
    measured = [RecapMeasurement(1, NOV, True, scored(17, lfa="severely_stunted", flag=("lfa",))),
                RecapMeasurement(2, NOV, True, scored(17, wfl="wasted", wfa="underweight")),
                RecapMeasurement(3, NOV, True, scored(17, wfl=None, wfa=None, oedema=True))]

    total = row(recap(NOV, children, measured), None)

    assert (total.len_measured, total.stunted) == (2, 0)  # the flagged length is in neither count
    assert (total.wfl_measured, total.wasted) == (3, 2)
    assert (total.wfa_measured, total.underweight) == (2, 1)  # no weight-for-age is read with oedema


def test_a_child_known_only_by_age_is_placed_by_the_age_given():
    children = [RecapChild(1, None, date(2026, 11, 3))]
    measured = [RecapMeasurement(1, date(2026, 11, 3), True, scored(30))]

    rows = recap(NOV, children, measured)

    assert row(rows, (24, 35)).s == 1 and row(rows, (24, 35)).d == 1
