"""The report pages' pure parts: months read from URLs and counted back, the area's trend as summed counts (its
percentages those of the sums), the chart's layout with gaps, and the CSV's cells, bytes and file name."""
import csv
import io
from datetime import date

from shared.dashboard.pages_reports import (area_trend, eppgbm_csv, line_chart, month_name, month_text, months_to,
                                            narrowed, parse_month, safe_cell, shift_month, slug, summed)
from shared.domain.dashboard import EPPGBM_HEADERS, MonthCounts, PosyanduMonth
from shared.ports import Scope

NOV, OCT = date(2026, 11, 1), date(2026, 10, 1)


def counts(s=0, d=0, n=0, len_measured=0, stunted=0, **more) -> MonthCounts:
    values = dict(s=s, k=0, d=d, n=n, t=0, o=0, b=0, two_t=0, bgm=0, len_measured=len_measured, stunted=stunted,
                  wfl_measured=0, wasted=0, wfa_measured=0, underweight=0)
    values.update(more)
    return MonthCounts(**values)


def test_a_month_is_read_only_in_the_form_yyyy_mm():
    assert parse_month("2026-11") == NOV and parse_month(" 2026-01 ") == date(2026, 1, 1)
    for bad in ("2026-13", "2026-00", "2026-1", "abc", "", None, "2026-11-01", "11-2026", "1999-12", "２０２６-11"):
        assert parse_month(bad) is None, bad
    assert month_text(date(2026, 3, 17)) == "2026-03"


def test_months_are_counted_across_years():
    assert shift_month(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert shift_month(date(2026, 12, 5), 1) == date(2027, 1, 1) and shift_month(NOV, -23) == date(2024, 12, 1)
    months = months_to(date(2026, 2, 14))
    assert len(months) == 12 and months[0] == date(2025, 3, 1) and months[-1] == date(2026, 2, 1)
    assert month_name(NOV, "id") == "November 2026" and month_name(date(2026, 8, 1), "id", True) == "Agu"
    assert month_name(date(2026, 8, 1), "en", True) == "Aug"


def test_the_trend_sums_the_counts_and_recomputes_the_percentages():
    big = PosyanduMonth.of(counts(s=90, d=45, n=30, len_measured=40, stunted=4), 1, "Melati", "Sukamaju", NOV)
    small = PosyanduMonth.of(counts(s=10, d=10, n=1, len_measured=10, stunted=6), 2, "Mawar", "Sukamaju", NOV)
    october = PosyanduMonth.of(counts(s=100, d=1), 1, "Melati", "Sukamaju", OCT)

    trend = area_trend([big, small, october], [date(2026, 9, 1), OCT, NOV])

    assert [m for m, _ in trend] == [date(2026, 9, 1), OCT, NOV]
    assert trend[0][1] == counts()  # no row: zeros, and no percentage
    assert trend[0][1].d_s is None and trend[0][1].stunting is None
    november = trend[2][1]
    assert (november.s, november.d, november.n, november.len_measured, november.stunted) == (100, 55, 31, 50, 10)
    assert november.d_s == 55.0 and november.stunting == 20.0  # not the mean of 50 % and 100 %, nor of 10 % and 60 %
    assert summed([]) == counts() and summed([big]) == counts(s=90, d=45, n=30, len_measured=40, stunted=4)


def test_the_chart_has_a_point_per_known_month_and_breaks_its_line_at_a_gap():
    months = months_to(NOV)
    ds = [50.0] * 12
    stunting: list[float | None] = [None] * 12
    stunting[3], stunting[4], stunting[9] = 20.0, 25.0, 0.0

    chart = line_chart(months, [("ds", "#000", False, ds), ("stunting", "#f00", True, stunting)])

    line_ds, line_st = chart.lines
    assert len(line_ds.points) == 12 and len(line_ds.segments) == 1 and len(line_ds.segments[0].split()) == 12
    assert [p.month for p in line_st.points] == [months[3], months[4], months[9]]
    assert line_st.segments == [f"{line_st.points[0].x},{line_st.points[0].y} {line_st.points[1].x},"
                                f"{line_st.points[1].y}"]  # a lone point draws no line
    assert line_ds.points[0].x == chart.left and line_ds.points[-1].x == chart.right
    assert line_st.points[2].y == chart.bottom and [p for _, p in chart.ticks] == [0, 25, 50, 75, 100]
    assert chart.ticks[-1][0] == chart.top and line_ds.points[0].y == (chart.top + chart.bottom) / 2
    higher = line_chart(months, [("ds", "#000", False, [104.0] + [None] * 11)])
    assert [p for _, p in higher.ticks][-1] == 125 and chart.top < higher.lines[0].points[0].y < chart.bottom


def test_a_cell_that_looks_like_a_formula_gets_an_apostrophe():
    for risky in ("=HYPERLINK(\"http://x\")", "+62", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    for plain in ("Ani", "12,4", "", "Siti = Ani", "'quoted"):
        assert safe_cell(plain) == plain


def test_the_csv_has_a_bom_the_header_in_order_and_quotes_decimal_commas():
    row = dict.fromkeys(EPPGBM_HEADERS, "")
    row.update({"Nama Anak": "=cmd|' /C calc'!A0", "Berat Badan (kg)": "12,4", "Posyandu": "Melati"})

    data = eppgbm_csv([row])

    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(EPPGBM_HEADERS) and len(rows) == 2
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[1][EPPGBM_HEADERS.index("Berat Badan (kg)")] == "12,4"
    assert '"12,4"' in text
    assert eppgbm_csv([]).decode("utf-8-sig").splitlines() == [",".join(EPPGBM_HEADERS)]


def test_a_file_name_is_plain_ascii_from_the_posyandu_name():
    assert slug("Melati", "x") == "melati" and slug("Posyandu Mawar II / RW 03", "x") == "posyandu-mawar-ii-rw-03"
    assert slug("Kenangá Désa", "x") == "kenanga-desa" and slug('"; rm -rf', "x") == "rm-rf"
    assert slug("مرحبا", "posyandu-7") == "posyandu-7" and len(slug("a" * 100, "x")) == 40


def test_a_scope_is_narrowed_to_one_of_its_posyandu_never_widened():
    scope = Scope(5, "bidan", (3, 4))
    assert narrowed(scope, 4) == Scope(5, "bidan", (4,))
    assert narrowed(scope, 9) is None and narrowed(Scope(5, "kader", ()), 3) is None
