"""The dashboard's pure parts: the register's letters beside SKDN (T, O, B, 2T, BGM) from the weighing each child
counts with, the percentages, and a measurement as an e-PPGBM import row."""
from datetime import date

from shared.domain.dashboard import (EPPGBM_COLUMNS, EPPGBM_HEADERS, URGENT_TIERS, MonthCounts, PosyanduMonth,
                                     counted_weighings, eppgbm_row, month_counts, percent)
from shared.domain.model import Child, Measurement
from shared.domain.recap import RecapChild, RecapMeasurement, recap

NOV = date(2026, 11, 1)


def scored(age_months: int, *, code=None, two_t=False, bgm=False, lfa="normal", wfl="normal", wfa="normal",
           flag=(), oedema=False) -> dict:
    def r(name, category):
        return {"z": 0.0, "flag": name in flag, "category": category}
    return {"age_months": age_months, "age_days": int(age_months * 30.4375) + 3, "oedema": oedema, "bgm": bgm,
            "length_for_age": r("lfa", lfa), "weight_for_length": r("wfl", wfl), "weight_for_age": r("wfa", wfa),
            "gain": {"code": code, "two_t": two_t} if code else None}


def weighing(child_id: int, day: int, a: dict, weighed: bool = True, month: int = 11) -> RecapMeasurement:
    return RecapMeasurement(child_id, date(2026, month, day), weighed, a)


def test_the_letters_are_read_from_the_weighing_that_counts_in_d():
    children = [RecapChild(i, date(2025, 1, 1), date(2025, 2, 1)) for i in range(1, 8)]
    measured = [
        weighing(1, 2, scored(22, code="T")), weighing(1, 20, scored(22, code="N")),  # the month's last counts
        weighing(2, 5, scored(22, code="O", bgm=True, wfa="severely_underweight")),
        weighing(3, 5, scored(22, code="B")),
        weighing(4, 5, scored(22, code="T", two_t=True)),
        weighing(5, 5, scored(22, code="N", bgm=True, wfa="severely_underweight", flag=("wfa",))),  # flagged: no BGM
        weighing(6, 5, scored(70, code="T")),  # 70 months: not a balita, in no count
        weighing(7, 5, scored(22, code="T"), weighed=False),  # measured, not weighed: not in D
        weighing(7, 3, scored(21, code="T"), month=10),  # October's
    ]

    counts = month_counts(NOV, children, measured)

    total = recap(NOV, children, measured)[-1]
    assert (counts.s, counts.k, counts.d, counts.n) == (total.s, total.k, total.d, total.n) == (7, 7, 5, 2)
    assert (counts.t, counts.o, counts.b, counts.two_t, counts.bgm) == (1, 1, 1, 1, 1)
    assert counts.n + counts.t + counts.o + counts.b == counts.d
    assert (counts.wfa_measured, counts.underweight) == (total.wfa_measured, total.underweight) == (4, 1)


def test_two_weighings_on_the_same_day_count_the_one_stored_last():
    first, second = weighing(1, 9, scored(10, code="T")), weighing(1, 9, scored(10, code="N"))

    assert counted_weighings(NOV, [first, second]) == {1: second}
    assert counted_weighings(NOV, [second, first]) == {1: first}
    counts = month_counts(NOV, [RecapChild(1, date(2026, 1, 1), date(2026, 2, 1))], [first, second])
    assert (counts.d, counts.n, counts.t) == (1, 1, 0)


def test_percentages_round_to_one_decimal_and_are_blank_without_a_denominator():
    assert percent(2, 3) == 66.7 and percent(1, 8) == 12.5 and percent(0, 5) == 0.0
    assert percent(0, 0) is None and percent(3, 0) is None
    counts = MonthCounts(s=9, k=8, d=6, n=3, t=1, o=1, b=1, two_t=1, bgm=1, len_measured=5, stunted=1,
                         wfl_measured=6, wasted=2, wfa_measured=0, underweight=0)
    assert (counts.d_s, counts.n_d, counts.k_s, counts.n_s) == (66.7, 50.0, 88.9, 33.3)
    assert (counts.stunting, counts.wasting, counts.underweight_pct) == (20.0, 33.3, None)
    row = PosyanduMonth.of(counts, 4, "Mawar", "Sukamaju", NOV)
    assert (row.posyandu_id, row.posyandu, row.month, row.s, row.underweight, row.d_s) == (4, "Mawar", NOV, 9, 0, 66.7)


def test_hari_ini_lists_the_referral_tiers_most_urgent_first():
    assert URGENT_TIERS == ("now", "today", "soon")


CHILD = Child(5, "Siti Aminah", "F", date(2024, 3, 15), posyandu_id=1)


def test_a_measurement_becomes_an_eppgbm_row_in_the_documented_column_order():
    m = Measurement(5, date(2026, 11, 9), 10.4, 78.25, "l", 45.0, 13.5, assessment=scored(
        19, lfa="stunted", wfl="normal", wfa="underweight"))

    row = eppgbm_row(CHILD, "Mawar", "Sukamaju", m)

    assert list(row) == [h for h, _ in EPPGBM_COLUMNS] == list(EPPGBM_HEADERS)
    assert len(EPPGBM_HEADERS) == len(set(EPPGBM_HEADERS)) == 16
    assert list(row.values()) == ["Siti Aminah", "", "P", "15/03/2024", "", "Mawar", "Sukamaju", "09/11/2026",
                                  "10,4", "78,25", "terlentang", "45", "13,5", "Berat badan kurang", "Pendek",
                                  "Gizi baik"]


def test_what_is_unknown_or_not_assessed_stays_empty():
    boy = Child(6, "Budi", "M", None)
    m = Measurement(6, date(2026, 11, 9), 12.0, None, "h", oedema=True, assessment={
        "oedema": True, "length_for_age": {"category": None}, "weight_for_length": {"category": None},
        "weight_for_age": {"category": None}})
    height_only = Measurement(6, date(2026, 11, 9), None, 101.5, "h")

    row, other = eppgbm_row(boy, "Melati", "", m), eppgbm_row(boy, "Melati", "", height_only)

    assert (row["Jenis Kelamin"], row["Tanggal Lahir"], row["Berat Badan (kg)"], row["Tinggi Badan (cm)"]) == \
        ("L", "", "12", "")
    assert (row["Cara Ukur"], row["BB/U"], row["TB/U"], row["BB/TB"]) == ("berdiri", "", "", "")
    assert (other["Berat Badan (kg)"], other["Tinggi Badan (cm)"], other["Lingkar Kepala (cm)"]) == ("", "101,5", "")
