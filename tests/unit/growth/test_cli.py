"""`python -m shared.growth`: WHO's output columns per row, categories, reasons, and no stop on bad input."""
import csv
import io
import subprocess
import sys

import pytest

from shared.growth import OUTPUT_COLUMNS, RENAMED_INPUT_PREFIX, run
from tests.kit import REPO
from tests.unit.growth.vectors import INDICATORS, read_csv

FIXTURE = REPO / "tests" / "data" / "growth" / "cli_cases.csv"
INPUT = ("sex", "age_days", "weight_kg", "lenhei_cm", "measure", "headc_cm", "armc_cm", "oedema")


def _run_text(text: str) -> list[dict]:
    out = io.StringIO()
    run(io.StringIO(text), out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def _by_id(rows: list[dict]) -> dict:
    return {r["case_id"]: r for r in rows}


def test_command_line_reads_stdin_and_writes_stdout():
    """The module runs as a program: the fixture goes in on stdin and comes out with WHO's columns."""
    result = subprocess.run(
        [sys.executable, "-m", "shared.growth"],
        stdin=FIXTURE.open("rb"),
        capture_output=True,
        cwd=REPO,
        check=True,
    )

    rows = list(csv.DictReader(io.StringIO(result.stdout.decode())))
    assert len(rows) == 10
    assert list(rows[0])[-len(OUTPUT_COLUMNS):] == list(OUTPUT_COLUMNS)
    assert "3 row(s) could not be read" in result.stderr.decode()


def test_every_input_column_is_passed_through():
    """Extra columns come out unchanged, in their place."""
    rows = _by_id(_run_text(FIXTURE.read_text()))

    assert rows["H01"]["kader_note"] == "typical 13-month-old boy"
    assert rows["H09"]["weight_kg"] == "9,5"


def test_bad_rows_get_empty_scores_and_a_reason():
    """Unreadable rows are written with every score empty and a reason; the run goes on."""
    rows = _by_id(_run_text(FIXTURE.read_text()))

    for case, words in (("H06", "sex"), ("H07", "age_days"), ("H08", "negative")):
        row = rows[case]
        assert row["reason"].startswith("bad input") and words in row["reason"], case
        assert all(row[c] == "" for c in OUTPUT_COLUMNS if c != "reason"), case
    assert rows["H09"]["zwei"] != ""


def test_good_rows_get_scores_and_permenkes_categories():
    """Readable rows get z-scores, flags and the Permenkes class of each classified score."""
    rows = _by_id(_run_text(FIXTURE.read_text()))

    assert rows["H01"]["zlen"] == "-0.44" and rows["H01"]["flen"] == "0"
    assert rows["H01"]["category_zlen"] == "NORMAL"
    assert rows["H02"]["category_zlen"] == "STUNTED"
    assert rows["H03"]["c9mo_flag"] == "1" and rows["H03"]["cmeasure"] == ""
    assert rows["H04"]["zwfl"] == "" and rows["H04"]["category_zwfl"] == "SEVERELY_WASTED"
    assert "oedema" in rows["H04"]["reason"]
    assert rows["H09"]["zwei"] == "0.26"  # girl, 9,5 kg read as 9.5 kg; "L" and "N" read as l and n
    assert rows["H10"]["zlen"] == "" and rows["H10"]["clenhei"] == "76"


def test_unsupported_indicators_are_empty_with_the_reason():
    """For a child over five the WHO 2007 columns stay empty and the reason says Tumbuh covers under-fives."""
    row = _by_id(_run_text(FIXTURE.read_text()))["H05"]

    assert all(row[c] == "" for c in ("zhfa", "fhfa", "zwfa", "fwfa", "zbfa", "fbfa", "zlen", "zwei"))
    assert "WHO Growth Reference 2007" in row["reason"] and "under five" in row["reason"]


def test_input_columns_named_like_outputs_are_kept_under_a_prefix():
    """An input column called zlen is kept as input_zlen, and zlen holds Tumbuh's value."""
    rows = _run_text("sex,age_days,lenhei_cm,measure,zlen\n1,400,76.0,l,99\n")

    assert rows[0][RENAMED_INPUT_PREFIX + "zlen"] == "99"
    assert rows[0]["zlen"] == "-0.44"


def test_header_only_input_writes_header_only():
    """No rows in, the header out and nothing else."""
    assert _run_text(",".join(INPUT) + "\n") == []


@pytest.mark.kit
def test_cli_output_equals_who_on_the_public_vectors():
    """Run on the kit's 600 cases, every WHO column the engine supports equals WHO's text, NA as empty."""
    cases = read_csv("who", "vectors_public.csv")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["case_id", *INPUT], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(cases)

    got = _by_id(_run_text(buffer.getvalue()))

    from shared.domain.growth import tables

    names = [n for pair in INDICATORS for n in pair if not (n in ("zhc", "fhc") and tables.unsupported_reason("hcfa"))]
    wrong = []
    for case in cases:
        row = got[case["case_id"]]
        for name in [*names, "cmeasure", "c9mo_flag"]:
            if row[name] != case[name]:
                wrong.append((case["case_id"], name, row[name], case[name]))
        for name in ("clenhei", "cbmi"):
            a, b = row[name], case[name]
            if (a == "") != (b == "") or (a and abs(float(a) - float(b)) > 1e-12 * abs(float(b))):
                wrong.append((case["case_id"], name, a, b))
    assert wrong == []
