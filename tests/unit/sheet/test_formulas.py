"""The Pengukuran formulas as text: functions both spreadsheets compute alike, columns that exist, the same formula on
every row, the advice matrix's findings all accounted for, and the WHO tabs the formulas index into. Their values are
checked against the engine by headless LibreOffice in tests/integration/test_sheet_recalc.py."""
import re
from datetime import date

import pytest

from shared.domain import advice
from shared.domain.growth import classify, tables
from shared.flows.messages import EN, ID
from shared.services import results
from shared.sheet import formulas, layout, who_tabs, workbook
from shared.sheet.formulas import FORMULA_COLUMNS, MEASUREMENTS_TAB, measurement_formulas, templates

# What Google Sheets and LibreOffice Calc compute alike (the brief's list, plus the date parts and TRIM).
ALLOWED_FUNCTIONS = {"IF", "AND", "OR", "NOT", "ABS", "ROUND", "TRUNC", "INT", "POWER", "INDEX", "MATCH", "ISNUMBER",
                     "ISBLANK", "LEN", "VALUE", "IFERROR", "MIN", "MAX", "DATE", "YEAR", "MONTH", "DAY", "TRIM",
                     "TRUE", "FALSE"}
FORBIDDEN_FUNCTIONS = {"XLOOKUP", "LET", "LAMBDA", "IFS", "SWITCH", "ARRAYFORMULA", "FILTER"}
_FUNCTION = re.compile(r"([A-Z][A-Z0-9.]*)\(")
_CELL = re.compile(r"(?<![$A-Za-z0-9_!'])([A-Z]{1,3})(\d+)(?![\d(])")  # a relative reference such as H2
_SHEET_RANGE = re.compile(r"'([^']+)'!\$([A-Z])\$(\d+):\$([A-Z])\$(\d+)")
_TEXT = re.compile(r'"(?:[^"]|"")*"')


def _functions(formula: str) -> set[str]:
    return set(_FUNCTION.findall(_TEXT.sub('""', formula)))


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def test_the_formulas_use_only_functions_both_spreadsheets_compute():
    """No XLOOKUP, LET, LAMBDA, IFS, SWITCH, ARRAYFORMULA or FILTER: every function is on the common list."""
    used = set().union(*(_functions(f) for f in measurement_formulas(2)))

    assert used <= ALLOWED_FUNCTIONS, used - ALLOWED_FUNCTIONS
    assert not used & FORBIDDEN_FUNCTIONS
    assert {"INDEX", "POWER", "ROUND"} <= used  # the check sees functions at all


def test_the_function_check_catches_a_forbidden_function():
    """The same extraction finds XLOOKUP and IFS, and ignores words inside text constants."""
    assert _functions('=IFS(A2>1,"x",TRUE,XLOOKUP(A2,B:B,C:C))') >= {"IFS", "XLOOKUP"}
    assert _functions('=IF(A2="LET(",1,0)') == {"IF"}


def test_every_formula_column_has_one_template_in_column_order():
    """templates() and FORMULA_COLUMNS name the same columns in the same order; each formula starts with '='."""
    keys = [c.key for c in FORMULA_COLUMNS]

    assert list(templates()) == keys
    assert len(measurement_formulas(2)) == len(keys)
    assert all(f.startswith("=") for f in measurement_formulas(2))


def test_keys_and_headers_of_the_tab_are_unique():
    """Each column is found by one key and shown under one header (the recalc command reads headers back)."""
    columns = MEASUREMENTS_TAB.columns

    assert len({c.key for c in columns}) == len(columns)
    assert len(set(MEASUREMENTS_TAB.headers)) == len(columns)


def test_the_growth_command_outputs_are_formula_columns_by_the_same_names():
    """zlen flen ... fac and category_zlen/zwei/zwfl/zbmi are keys of the Pengukuran formula columns."""
    keys = {c.key for c in FORMULA_COLUMNS}
    wanted = {"zlen", "flen", "zwei", "fwei", "zwfl", "fwfl", "zbmi", "fbmi", "zhc", "fhc", "zac", "fac",
              "category_zlen", "category_zwei", "category_zwfl", "category_zbmi"}

    assert wanted <= keys


def test_every_template_names_only_columns_of_the_tab():
    """A [key] in a template is a data or formula column of Pengukuran."""
    keys = {c.key for c in MEASUREMENTS_TAB.columns}

    missing = {(k, ref) for k, t in templates().items() for ref in formulas.referenced_keys(t) if ref not in keys}

    assert missing == set()


def test_every_cell_reference_points_inside_the_tab_or_a_who_tab():
    """Relative references stay within Pengukuran's columns on the same row; sheet references name an existing WHO
    tab and end at its last row."""
    last_column = len(MEASUREMENTS_TAB.columns)
    tabs = {who_tabs.who_tab(i).name: who_tabs.who_tab(i) for i in who_tabs.INDICATORS}
    for formula in measurement_formulas(7):
        text = _TEXT.sub('""', formula)
        for name, first_letter, first_row, last_letter, last_row in _SHEET_RANGE.findall(text):
            assert name in tabs, name
            assert first_letter == last_letter and first_letter in "BCD" and int(first_row) == 2
            assert int(last_row) == 1 + 2 * tabs[name].rows_per_sex
        for letters, row in _CELL.findall(_SHEET_RANGE.sub("", text)):
            assert int(row) == 7 and 1 <= _column_number(letters) <= last_column, (letters, row, formula)


@pytest.mark.parametrize("r", [3, 58, 1000, 20000])
def test_every_row_gets_the_same_formula_shifted(r):
    """Row r's formulas are row 2's with the row number changed in every relative reference, and nothing else."""
    def shape(formula: str, row: int) -> str:
        text = _SHEET_RANGE.sub("WHO", formula)
        assert {int(n) for _, n in _CELL.findall(text)} <= {row}, formula
        return _CELL.sub(lambda m: m.group(1) + "{r}", text)

    assert [shape(f, r) for f in measurement_formulas(r)] == [shape(f, 2) for f in measurement_formulas(2)]


def test_every_finding_of_the_advice_matrix_is_seen_or_named_as_unknowable():
    """A finding added to advice.FINDINGS must be given a Sheet condition or listed in CANNOT_KNOW."""
    seen, unknowable = set(formulas.FINDING_CONDITIONS), formulas.CANNOT_KNOW

    assert seen | unknowable == set(advice.BY_KEY)
    assert not seen & unknowable


def test_the_urgency_formula_names_each_tier_that_has_a_finding_the_sheet_sees():
    """The words of TODAY and SOON appear, each beside conditions from FINDINGS; NOW (a danger sign, which only the
    family can tell) does not."""
    urgency = templates()["urgency"]

    for tier in (advice.Urgency.TODAY, advice.Urgency.SOON, advice.Urgency.ROUTINE):
        assert f'"{ID[formulas.urgency_message_key(tier)]}"' in urgency
    assert f'"{ID[formulas.urgency_message_key(advice.Urgency.NOW)]}"' not in urgency


def test_category_words_are_the_ones_the_chat_uses():
    """Each category column shows the catalogue words results.category_key names for the chat's result."""
    indicator = {"category_zlen": "length_for_age", "category_zwei": "weight_for_age",
                 "category_zwfl": "weight_for_length", "category_zbmi": "bmi_for_age",
                 "category_hc": "head_circumference_for_age"}

    for column, name in indicator.items():
        for category in formulas.CATEGORY_ENUMS[column]:
            assert formulas.category_message_key(column, category) == results.category_key(name, category)


def test_category_words_read_back_to_one_engine_value_each():
    """Within a column no two categories share words, so the recalc command maps words back without doubt."""
    for column, enum in formulas.CATEGORY_ENUMS.items():
        assert set(formulas.CATEGORY_LABELS[column].values()) == set(enum), column


def test_the_sheet_words_exist_in_both_languages():
    """Every urgency tier and the re-measure word have a key in the Indonesian and the English catalogue."""
    keys = [formulas.urgency_message_key(t) for t in advice.Urgency] + [formulas.REMEASURE_KEY]

    assert [k for k in keys if k not in ID or k not in EN] == []
    assert len(formulas.URGENCY_LABELS) == len(advice.Urgency)


@pytest.mark.parametrize("indicator", who_tabs.INDICATORS)
def test_a_who_tab_is_dense_and_sorted_so_the_formulas_can_index_it(indicator):
    """Row n of a tab holds the key the formulas compute for it: boys first, every day (or 0.1 cm) once."""
    tab, rows = who_tabs.who_tab(indicator), who_tabs.tab_rows(indicator)
    keys = [row[0] for row in rows]

    assert len(rows) == 2 * tab.rows_per_sex and keys == sorted(keys)
    for sex in (1, 2):
        for key in (tab.first_key, tab.last_key, (tab.first_key + tab.last_key) // 2):
            assert keys[tab.position(sex, key) - 1] == sex * who_tabs.SEX_KEY + key


def test_a_who_tab_holds_the_engine_table_values():
    """L, M and S of a tab row are the engine table's, unchanged (day 400, girls, weight-for-age)."""
    t, tab = tables.table("wfa"), who_tabs.who_tab("wfa")

    row = who_tabs.tab_rows("wfa")[tab.position(2, 400) - 1]

    assert row[1:] == [t.l[1][400], t.m[1][400], t.s[1][400]]


def test_the_who_tabs_hold_about_twenty_thousand_rows():
    """Seven tables, both sexes: small enough for a Sheet."""
    total = sum(len(rows) for _, _, rows in who_tabs.who_tabs())

    assert 15_000 < total < 25_000


def test_a_written_row_has_typed_values_and_its_formulas():
    """Dates become dates, numbers numbers (a decimal comma too), blanks empty; the formulas follow the data."""
    wb = workbook.measurement_workbook([{"row_id": "m1", "sex": "P", "birth_date": "2024-01-31",
                                         "measured_on": date(2024, 6, 1), "weight_kg": "7,9", "lenhei_cm": 66.5,
                                         "measure": "PB", "headc_cm": "", "oedema": None}])
    ws = wb[layout.MEASUREMENTS]
    cell = {c.key: ws.cell(row=2, column=n + 1).value for n, c in enumerate(MEASUREMENTS_TAB.columns)}

    assert (cell["birth_date"], cell["measured_on"]) == (date(2024, 1, 31), date(2024, 6, 1))
    assert (cell["weight_kg"], cell["lenhei_cm"], cell["headc_cm"], cell["oedema"]) == (7.9, 66.5, None, None)
    assert cell["zlen"] == measurement_formulas(2)[[c.key for c in FORMULA_COLUMNS].index("zlen")]
    assert [ws.cell(row=1, column=n + 1).value for n in range(len(MEASUREMENTS_TAB.columns))] == \
        MEASUREMENTS_TAB.headers
    assert wb.sheetnames == [layout.MEASUREMENTS, *(who_tabs.who_tab(i).name for i in who_tabs.INDICATORS)]


def test_helper_columns_are_hidden_and_what_a_kader_reads_is_not():
    """The workbook hides the helper columns only."""
    ws = workbook.measurement_workbook()[layout.MEASUREMENTS]

    hidden = {c.key for c in MEASUREMENTS_TAB.columns if ws.column_dimensions[MEASUREMENTS_TAB.letter(c.key)].hidden}

    assert hidden == formulas.HIDDEN
    assert {"urgency", "category_zlen", "zlen"}.isdisjoint(hidden)


def test_classify_cut_offs_appear_in_the_category_formulas():
    """The category formulas are built from classify's constants (a changed cut-off changes the formula)."""
    assert f"<{classify.MODERATE_BELOW:g}," in templates()["category_zlen"]
    assert f"<={classify.WFL_OVERWEIGHT_UP_TO:g}," in templates()["category_zwfl"]
