"""Every LMS table the engine uses equals WHO's own table (the kit's copy of anthro's data-raw), value by value."""
import pytest

from shared.domain.growth import ages, tables
from tests.exhaustive.growth.vectors import read_csv

pytestmark = pytest.mark.kit

# engine indicator -> kit file (who/README.md "Tables")
KIT_FILES = {
    "lhfa": "who2006_lhfa.csv",
    "wfa": "who2006_wfa.csv",
    "wfl": "who2006_wfl.csv",
    "wfh": "who2006_wfh.csv",
    "bmi": "who2006_bfa.csv",
    "acfa": "who2006_acfa.csv",
    "hcfa": "who2006_hcfa.csv",
    "tsfa": "who2006_tsfa.csv",
    "ssfa": "who2006_ssfa.csv",
}


def _kit_rows(filename: str) -> dict:
    rows = read_csv("who", filename)
    key = next(k for k in ("age_days", "length_cm", "height_cm") if k in rows[0])
    return {(int(r["sex"]), float(r[key])): (float(r["l"]), float(r["m"]), float(r["s"])) for r in rows}


@pytest.mark.parametrize("indicator", sorted(KIT_FILES))
def test_table_equals_who_table_value_by_value(indicator):
    """Each table has exactly WHO's rows, and every L, M and S is the same double as WHO's text gives."""
    if tables.unsupported_reason(indicator):
        pytest.skip(f"{indicator} not available here: {tables.unsupported_reason(indicator)}")
    expected = _kit_rows(KIT_FILES[indicator])

    got = {(sex, float(key)): (l, m, s) for sex, key, l, m, s in tables.table(indicator).rows()}

    assert got.keys() == expected.keys()
    mismatches = [(k, got[k], expected[k]) for k in expected if got[k] != expected[k]]
    assert mismatches == []


def test_skinfold_tables_are_in_millimetres_from_day_91():
    """WHO's skinfold medians are 5-10 (mm, not cm) and start at day 91, as the engine's tables do."""
    for indicator in ("tsfa", "ssfa"):
        rows = read_csv("who", KIT_FILES[indicator])
        medians = [float(r["m"]) for r in rows]

        assert 5 < min(medians) and max(medians) < 10
        assert min(int(r["age_days"]) for r in rows) == 91
        if tables.unsupported_reason(indicator) is None:
            assert tables.table(indicator).first_key == 91


def test_lying_standing_switch_is_the_first_height_row_of_who_length_table():
    """The 0.7 cm rule switches at the first day WHO's length/height table marks as standing height."""
    rows = read_csv("who", "who2006_lhfa.csv")

    first_h = min(int(r["age_days"]) for r in rows if r["lorh"] == "H")

    assert first_h == ages.HEIGHT_FROM_DAY
