"""The Pengukuran formulas computed by real headless LibreOffice against the growth engine: WHO's public vectors
through `python -m shared.sheet recalc` and `python -m shared.growth_csv`, our own edge cases (the 0.7 cm rule,
restricted tails, oedema, blanks, an age given in months, the Permenkes boundaries), and the urgency against the
advice matrix over a grid of situations."""
import csv
import io
import itertools
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from shared import growth_csv
from shared.domain import advice
from shared.domain.growth import GainStatus, assess_growth, tables
from shared.domain.growth.errors import InvalidMeasurement, OutsideGrowthStandard
from shared.domain.growth.zscore import sd_value
from shared.flows.messages import ID
from shared.sheet import formulas, recalc
from tests.kit import REPO, kit_path

pytestmark = pytest.mark.integration

Z_TOLERANCE = 0.01
ERROR_MARKS = ("#", "Err:")  # how LibreOffice writes #N/A, #VALUE!, Err:502 into the CSV


@pytest.fixture(scope="module")
def soffice() -> str:
    """The LibreOffice program; a skip (or, under make test, a failure) when it is not installed."""
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("TUMBUH_REQUIRE_SERVICES"):
            pytest.fail("soffice is not installed although make test installs LibreOffice before pytest")
        pytest.skip("LibreOffice (soffice) is not installed: run `make test`, which installs libreoffice-calc-nogui")
    return found


def _run(module: str, text: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *(["recalc"] if module == "shared.sheet" else [])],
                          input=text, capture_output=True, text=True, cwd=REPO, env=env, timeout=600, check=False)


def _differences(sheet: dict, engine: dict) -> list[str]:
    """What differs between the Sheet's row and the growth command's, in the recalc command's columns."""
    out = []
    for column in recalc.OUTPUT_COLUMNS:
        mine, theirs = sheet[column], engine[column]
        if column.startswith("z") and mine and theirs:
            if abs(float(mine) - float(theirs)) > Z_TOLERANCE:
                out.append(f"{column} {mine} vs {theirs}")
        elif mine != theirs:
            out.append(f"{column} {mine!r} vs {theirs!r}")
    return out


@pytest.mark.kit
def test_the_sheet_computes_what_the_growth_command_computes_on_whos_vectors(soffice):
    """On WHO's 600 public cases every category and flag is the engine's and every z within 0.01 (ties aside, the
    two round alike: R's round and the spreadsheets' ROUND differ only on an exact .xx5)."""
    text = kit_path("who", "vectors_public.csv").read_text(encoding="utf-8")

    sheet_run, growth_run = _run("shared.sheet", text), _run("shared.growth_csv", text)

    assert sheet_run.returncode == 0, sheet_run.stderr
    assert growth_run.returncode == 0, growth_run.stderr
    sheet = {r["case_id"]: r for r in csv.DictReader(io.StringIO(sheet_run.stdout))}
    engine = {r["case_id"]: r for r in csv.DictReader(io.StringIO(growth_run.stdout))}
    assert len(sheet) == len(engine) == 600
    differing = {case: d for case in engine if (d := _differences(sheet[case], engine[case]))}
    assert differing == {}


def test_the_command_says_why_and_exits_2_without_libreoffice(tmp_path):
    """No soffice on PATH: exit status 2 and a message naming the package to install."""
    result = _run("shared.sheet", "case_id,sex,age_days\nA,1,100\n", env={**os.environ, "PATH": str(tmp_path)})

    assert result.returncode == 2
    assert "libreoffice-calc-nogui" in result.stderr and result.stdout == ""


# --- our own cases: growth-command rows (plus the Sheet's N/T) with what the engine says about them ---

def _case(case_id, sex="1", age_days="400", weight_kg="", lenhei_cm="", measure="", headc_cm="", armc_cm="",
          oedema="", gain=""):
    return {"case_id": case_id, "sex": sex, "age_days": str(age_days), "weight_kg": str(weight_kg),
            "lenhei_cm": str(lenhei_cm), "measure": measure, "headc_cm": str(headc_cm), "armc_cm": str(armc_cm),
            "oedema": oedema, "gain": gain}


def _sd(indicator: str, k: float, sex: int = 1, key: int = 400) -> float:
    t = tables.table(indicator)
    i = key - t.first_key
    return sd_value(k, t.l[sex - 1][i], t.m[sex - 1][i], t.s[sex - 1][i])


OWN_CASES = [
    # The 0.7 cm rule (ages.adjust_lenhei) on both sides of day 731, and the 9-month standing rule.
    _case("standing_730", age_days=730, weight_kg=10.5, lenhei_cm=80, measure="h"),
    _case("lying_730", age_days=730, weight_kg=10.5, lenhei_cm=80, measure="l"),
    _case("standing_731", age_days=731, weight_kg=11, lenhei_cm=85, measure="h"),
    _case("lying_731", age_days=731, weight_kg=11, lenhei_cm=85, measure="l"),
    _case("wfl_top_after_0.7", age_days=600, weight_kg=12, lenhei_cm=109.3, measure="h"),
    _case("wfh_bottom_after_0.7", age_days=1500, weight_kg=7, lenhei_cm=65.7, measure="l"),
    _case("standing_at_200_days", age_days=200, weight_kg=7.5, lenhei_cm=66, measure="h"),
    # Restricted tails beyond +/-3 SD (weight, BMI, weight-for-length, arm), and a length WHO flags.
    _case("heavy", weight_kg=18, lenhei_cm=76, measure="l", armc_cm=20),
    _case("light", weight_kg=5.2, lenhei_cm=76, measure="l", armc_cm=9.5),
    _case("long_flagged", weight_kg=9.5, lenhei_cm=110, measure="l"),
    _case("tiny_flagged", weight_kg=2.0, lenhei_cm=76, measure="l"),
    # Oedema: no weight-based z, the severe category, a same-day referral.
    _case("oedema", weight_kg=8, lenhei_cm=75, measure="l", oedema="y"),
    _case("oedema_weight_only", weight_kg=8, oedema="y"),
    _case("oedema_no_weight", lenhei_cm=75, measure="l", oedema="y"),
    # Blanks and rows the engine refuses: no score, and no error shown.
    _case("nothing", sex="", age_days=""),
    _case("sex_only", age_days=""),
    _case("age_only", sex=""),
    _case("no_measurement"),
    _case("head_only", headc_cm=45),
    _case("arm_before_6_months", age_days=100, armc_cm=11),
    _case("arm_before_day_91", age_days=80, armc_cm=11),
    _case("unknown_sex_code", sex="x", weight_kg=9),
    _case("measured_before_birth", age_days=-3, weight_kg=9),
    # An age given in months (fractional days, rounded half up by the formulas) and the edge of the standard.
    _case("fifteen_months", age_days=15 * 30.4375, weight_kg=9.6, lenhei_cm=76, measure="l"),
    _case("half_day", age_days=10.5, weight_kg=3.6, lenhei_cm=52, measure="l"),
    _case("just_under_60_months", age_days=1826.2, weight_kg=17, lenhei_cm=108, measure="h"),
    _case("just_60_months", age_days=1826.25, weight_kg=17, lenhei_cm=108, measure="h"),
    _case("over_five", age_days=1900, weight_kg=17, lenhei_cm=108, measure="h"),
    # Age unknown: weight-for-length by the measure, else the 87 cm rule.
    _case("no_age_lying", age_days="", weight_kg=11, lenhei_cm=90, measure="l"),
    _case("no_age_unknown_measure", age_days="", weight_kg=11, lenhei_cm=86.9),
    # LILA read to the millimetre as the engine rounds it (11.45 cm is 114 mm: severe).
    _case("muac_tie", weight_kg=9, armc_cm=11.45),
    _case("muac_11.5", weight_kg=9, armc_cm=11.5),
    _case("muac_12.5", weight_kg=9, armc_cm=12.5),
    # Permenkes boundaries: the measurement at exactly -3, -2, +1, +2, +3 SD rounds to that z and takes the class
    # the regulation gives it (-3.00 moderate, -2.00 normal, +1.00 normal, +3.00 normal for PB/U).
    *(_case(f"lfa_at_{k}", lenhei_cm=_sd("lhfa", k), measure="l") for k in (-3, -2, 3)),
    *(_case(f"wfa_at_{k}", weight_kg=_sd("wfa", k)) for k in (-3, -2, 1)),
    *(_case(f"wfl_at_{k}", weight_kg=_sd("wfl", k, key=750), lenhei_cm=75, measure="l") for k in (-3, -2, 1, 2, 3)),
    *(_case(f"head_at_{k}", headc_cm=_sd("hcfa", k)) for k in (-3, -2, 2)),
]

_SEX = {"1": 1, "2": 2}
_OEDEMA = {"y": True, "n": False, "": False}
_GAIN = {"T": GainStatus.NOT_GAINED, "N": GainStatus.GAINED, "": None}


def _number(text: str) -> float | None:
    return float(text) if text else None


def _assessment(case: dict):
    """The engine's assessment of a case, or None when it refuses it (or nothing was measured)."""
    measured = any(case[k] for k in ("weight_kg", "lenhei_cm", "headc_cm", "armc_cm")) or case["oedema"] == "y"
    if case["sex"] not in _SEX or not case["age_days"] or not measured:
        return None
    try:
        return assess_growth(_SEX[case["sex"]], float(case["age_days"]), _number(case["weight_kg"]),
                             _number(case["lenhei_cm"]), case["measure"] or None, _number(case["headc_cm"]),
                             _number(case["armc_cm"]), _OEDEMA[case["oedema"]])
    except (InvalidMeasurement, OutsideGrowthStandard):
        return None


def _expected_sheet_words(case: dict) -> dict[str, str]:
    """What the urgency, LILA and head columns should say for a case: the advice matrix's tier (flagged categories
    unconfirmed, N/T as given) and the engine's classes, in the Sheet's words."""
    a = _assessment(case)
    if a is None:
        return {"urgency": "", "category_muac": "", "category_hc": ""}
    situation = replace(advice.situation_of(a), gain=_GAIN[case["gain"]])
    return {
        "urgency": ID[formulas.urgency_message_key(advice.decide(situation).tier)],
        "category_muac": formulas.category_label("category_muac", a.muac) if a.muac else "",
        "category_hc": formulas.category_label("category_hc", situation.head) if situation.head else "",
    }


def _grid() -> list[dict]:
    """Situations built from categories: a 13-month-old boy lying, each PB/U class x each BB/PB class x head x LILA x
    oedema x N/T; plus weight-only rows (BB/U without BB/PB) and a 3-month-old (no LILA class yet)."""
    rows = []
    lengths = {f"lfa{k}": round(_sd("lhfa", k), 1) for k in (-3.5, -2.5, 0, 3.5)}
    heads = {"hc_": "", **{f"hc{k}": round(_sd("hcfa", k), 1) for k in (-3.5, -2.5, 2.5)}}
    arms = {"ac_": "", "ac11.0": 11.0, "ac12.0": 12.0, "ac13.5": 13.5}
    for (ln, length), kw, (hn, head), (an, arm), oedema, gain in itertools.product(
            lengths.items(), (-3.5, -2.5, 0, 1.5, 2.5, 3.5), heads.items(), arms.items(), "ny", ("", "T")):
        weight = round(_sd("wfl", kw, key=round(length * 10)), 2)
        rows.append(_case(f"grid_{ln}_wfl{kw}_{hn}_{an}_{oedema}{gain}", weight_kg=weight, lenhei_cm=length,
                          measure="l", headc_cm=head, armc_cm=arm, oedema=oedema, gain=gain))
    for kw, oedema, gain in itertools.product((-3.5, -2.5, 0, 1.5), "ny", ("", "T", "N")):
        rows.append(_case(f"grid_weight_only_wfa{kw}_{oedema}{gain}", weight_kg=round(_sd("wfa", kw), 2),
                          oedema=oedema, gain=gain))
    for arm, gain in itertools.product((10.5, 12.0, 14.0), ("", "T")):
        rows.append(_case(f"grid_infant_ac{arm}{gain}", age_days=95, weight_kg=6, lenhei_cm=61, measure="l",
                          armc_cm=arm, gain=gain))
    return rows


GRID = _grid()


@pytest.fixture(scope="module")
def computed(soffice) -> dict[str, dict[str, str]]:
    """Every own case and grid row, through one LibreOffice run: the Pengukuran columns by key, by case id."""
    cases = OWN_CASES + GRID
    rows = []
    for case in cases:
        row = recalc.sheet_row(case)
        row["gain"] = case["gain"] or None
        rows.append(row)
    out = recalc.recalculate(rows, soffice)
    assert len(out) == len(cases)
    return {case["case_id"]: row for case, row in zip(cases, out)}


@pytest.mark.parametrize("case", OWN_CASES, ids=lambda c: c["case_id"])
def test_own_case_scores_and_categories_are_the_growth_commands(computed, case):
    """z within 0.01, the same flags and categories as `python -m shared.growth_csv` computes in process."""
    engine = growth_csv.assess_row({k: v for k, v in case.items() if k != "gain"})

    differences = _differences(recalc.growth_output(computed[case["case_id"]]), engine)

    assert differences == []


@pytest.mark.parametrize("case", OWN_CASES, ids=lambda c: c["case_id"])
def test_own_case_urgency_lila_and_head_are_the_engines(computed, case):
    """The urgency is advice.decide's tier; LILA and head classes are the assessment's."""
    row = computed[case["case_id"]]

    assert {k: row[k] for k in ("urgency", "category_muac", "category_hc")} == _expected_sheet_words(case)


def test_no_row_shows_an_error(computed):
    """Blank, refused, oedema and out-of-range rows show blanks or words, never #N/A, #VALUE! or Err:."""
    shown = {(case, key, value) for case, row in computed.items() for key, value in row.items()
             if value.startswith(ERROR_MARKS)}

    assert shown == set()


def test_a_row_without_data_shows_only_blanks(computed):
    """A row with no sex, age or measurement computes nothing a kader would read as a result."""
    visible = [c.key for c in formulas.VISIBLE]

    assert {k: computed["nothing"][k] for k in visible} == dict.fromkeys(visible, "")
    assert computed["no_measurement"]["urgency"] == "" and computed["no_measurement"]["age_days"] == "400"


def test_the_sheet_applies_the_07_cm_rule_and_the_9_month_rule(computed):
    """Standing before day 731 adds 0.7 cm, lying from day 731 takes 0.7 cm away; standing at 200 days drops the
    measure, changes nothing, and asks for a re-measurement."""
    clenhei = {k: float(computed[k]["clenhei"]) for k in ("standing_730", "lying_730", "standing_731", "lying_731")}

    assert clenhei == pytest.approx({"standing_730": 80.7, "lying_730": 80, "standing_731": 85, "lying_731": 84.3})
    young = computed["standing_at_200_days"]
    assert (young["cmeasure"], float(young["clenhei"]), young["remeasure"]) == ("", 66, ID[formulas.REMEASURE_KEY])


def test_an_age_in_months_is_rounded_as_anthro_rounds_it(computed):
    """15 months is day 457 (456.5625 rounded half up), 10.5 days is day 11; from 60 months (1826.25 days) nothing is
    scored, although both ages round to day 1826."""
    assert (computed["fifteen_months"]["age_days"], computed["fifteen_months"]["age_months"]) == ("457", "15")
    assert computed["half_day"]["age_days"] == "11"
    assert computed["just_under_60_months"]["zlen"] != "" and computed["just_60_months"]["zlen"] == ""


def test_the_grid_covers_every_finding_the_sheet_can_see(computed):
    """The urgency grid meets each finding with a Sheet condition at least once, so the comparison below means
    something for every one of them."""
    met = set()
    for case in GRID:
        a = _assessment(case)
        if a is not None:
            met |= advice.findings_of(replace(advice.situation_of(a), gain=_GAIN[case["gain"]]))

    assert set(formulas.FINDING_CONDITIONS) - met == set()


def test_the_urgency_equals_the_advice_matrix_over_the_grid(computed):
    """For every situation of the grid the Sheet's urgency (and LILA and head class) is what the chat decides."""
    wrong = {}
    for case in GRID:
        expected = _expected_sheet_words(case)
        shown = {k: computed[case["case_id"]][k] for k in expected}
        if shown != expected:
            wrong[case["case_id"]] = (shown, expected)

    assert wrong == {}
    tiers = {computed[c["case_id"]]["urgency"] for c in GRID}
    assert tiers >= {ID[formulas.urgency_message_key(t)] for t in advice.Urgency if t is not advice.Urgency.NOW}
