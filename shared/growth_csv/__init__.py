"""Command-line adapter of the growth engine: WHO-style CSV in, WHO's output columns and categories out.

`python -m shared.growth_csv < cases.csv > out.csv`. Optional skinfold columns `triskin` and `subskin` (millimetres,
anthro's argument names) add `zts fts` and `zss fss` after `fac`; without them the columns are exactly as before.
A score with WHO's plausibility flag set keeps its z and flag as WHO prints them but gets an empty category, so
counts made from the category columns leave it out as anthro_prevalence does.
All stdin/stdout and CSV text handling lives here; the maths
lives in shared.domain.growth. A row that cannot be read gets empty scores and a reason; the run never stops.
"""
import csv
import math
import sys

from shared.domain.growth import classify, tables, who2006
from shared.domain.growth.errors import InvalidMeasurement
from shared.domain.growth.who2006 import ScoreStatus

INPUT_COLUMNS = ("sex", "age_days", "weight_kg", "lenhei_cm", "measure", "headc_cm", "armc_cm", "oedema")
# WHO's names: anthro::anthro_zscores, then anthroplus (age_months and the 2007 scores; unsupported here).
SCORES = (
    ("zlen", "flen"),
    ("zwei", "fwei"),
    ("zwfl", "fwfl"),
    ("zbmi", "fbmi"),
    ("zhc", "fhc"),
    ("zac", "fac"),
    ("zhfa", "fhfa"),
    ("zwfa", "fwfa"),
    ("zbfa", "fbfa"),
)
WHO_COLUMNS = ("clenhei", "cmeasure", "c9mo_flag", "cbmi", "zlen", "flen", "zwei", "fwei", "zwfl", "fwfl",
               "zbmi", "fbmi", "zhc", "fhc", "zac", "fac", "age_months", "zhfa", "fhfa", "zwfa", "fwfa", "zbfa", "fbfa")
# Permenkes 2/2020 class of each classified score (English enum names; the glossary maps them to Bahasa).
CATEGORY_COLUMNS = {
    "category_zlen": ("zlen", classify.classify_length_for_age, None),
    "category_zwei": ("zwei", classify.classify_weight_for_age, classify.WeightForAge.SEVERELY_UNDERWEIGHT),
    "category_zwfl": ("zwfl", classify.classify_weight_for_length, classify.WeightForLength.SEVERELY_WASTED),
    "category_zbmi": ("zbmi", classify.classify_bmi_for_age, classify.WeightForLength.SEVERELY_WASTED),
}
REASON_COLUMN = "reason"
OUTPUT_COLUMNS = WHO_COLUMNS + tuple(CATEGORY_COLUMNS) + (REASON_COLUMN,)
# Optional skinfold inputs (anthro::anthro_zscores names, mm): input column -> (compute() argument, WHO outputs).
# Their outputs are written only when the input column is there, after fac as anthro orders them.
SKINFOLDS = {
    "triskin": ("tsf_mm", ("zts", "fts")),
    "subskin": ("ssf_mm", ("zss", "fss")),
}
_UNSUPPORTED_TABLE = {"zhc": "hcfa", "zts": "tsfa", "zss": "ssfa"}
RENAMED_INPUT_PREFIX = "input_"  # an input column named like an output column is kept under this prefix

_MISSING = {"", "na", "nan", "null"}  # R's NA and the usual blanks
_SEX = {"1": 1, "m": 1, "2": 2, "f": 2}  # anthro standardize_sex_var
_OEDEMA = {"y": True, "1": True, "n": False, "2": False}  # anthro standardize_oedema_var


class BadRow(ValueError):
    """A field that cannot be read; the row is written with empty scores and this reason."""


def _number(row: dict, name: str) -> float | None:
    text = (row.get(name) or "").strip()
    if text.lower() in _MISSING:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Indonesian decimal comma: 12,4
    try:
        value = float(text)
    except ValueError:
        raise BadRow(f"{name} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise BadRow(f"{name} {text!r} is not a finite number")
    return value


def _code(row: dict, name: str, allowed: dict):
    text = (row.get(name) or "").strip().lower()
    if text in _MISSING:
        return None
    if text not in allowed:
        raise BadRow(f"{name} {text!r} is not one of {'/'.join(allowed)}")
    return allowed[text]


def _fmt_number(x: float | None) -> str:
    if x is None or x != x:
        return ""
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"  # as R writes it
    return format(x + 0.0, ".15g")  # R's write.csv precision


def _fmt_z(x: float | None) -> str:
    if x is None:
        return ""
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return f"{x + 0.0:.2f}"


def output_columns(input_columns) -> tuple[str, ...]:
    """The output columns for a file with these input columns: OUTPUT_COLUMNS, plus skinfold scores if given."""
    extra = tuple(name for column, (_, names) in SKINFOLDS.items() if column in input_columns for name in names)
    if not extra:
        return OUTPUT_COLUMNS
    at = OUTPUT_COLUMNS.index("fac") + 1
    return OUTPUT_COLUMNS[:at] + extra + OUTPUT_COLUMNS[at:]


def assess_row(row: dict) -> dict:
    """WHO output columns, categories and reason for one CSV row (values as text).

    Skinfold scores are computed, and their reasons given, only when the row has a triskin/subskin column.
    A flagged score gets no category; oedema (no weight-based z, so no flag) gets the severe one.
    """
    skinfolds = [(column, argument, names) for column, (argument, names) in SKINFOLDS.items() if column in row]
    try:
        sex = _code(row, "sex", _SEX)
        measure = _code(row, "measure", {"l": "l", "h": "h"})
        oedema = bool(_code(row, "oedema", _OEDEMA))
        values = {name: _number(row, name) for name in ("age_days", "weight_kg", "lenhei_cm", "headc_cm", "armc_cm")}
        values.update({argument: _number(row, column) for column, argument, _ in skinfolds})
        if values["age_days"] is not None and values["age_days"] < 0:
            raise BadRow("age_days is negative")  # anthro stops on a negative age; no WHO answer exists
        scores = who2006.compute(sex, measure=measure, oedema=oedema, **values)
    except (BadRow, InvalidMeasurement) as exc:
        out = dict.fromkeys(output_columns(row), "")
        out[REASON_COLUMN] = f"bad input: {exc}"
        return out

    out = {
        "clenhei": _fmt_number(scores.clenhei),
        "cmeasure": scores.cmeasure or "",
        "c9mo_flag": str(scores.c9mo_flag),
        "cbmi": _fmt_number(scores.cbmi),
        "age_months": _fmt_number(scores.age_months),
    }
    reasons = []
    for z_name, f_name in SCORES + tuple(names for _, _, names in skinfolds):
        score = getattr(scores, z_name)
        out[z_name] = _fmt_z(score.z)
        out[f_name] = "" if score.flag is None else str(int(score.flag))
        reasons.extend(_reason(z_name, score, scores))
    for column, (z_name, classifier, oedema_class) in CATEGORY_COLUMNS.items():
        score = getattr(scores, z_name)
        if score.flag:
            # anthro_prevalence (R/prevalence.R, "Make z-score as missing if it is flagged") sets flagged zlen,
            # zwei, zwfl and zbmi to NA before counting; an empty category makes counts from this file match WHO's.
            out[column] = ""
        elif score.z is not None:
            out[column] = classifier(score.z).name
        elif score.status is ScoreStatus.OEDEMA and oedema_class is not None:
            out[column] = oedema_class.name  # WHO counts oedema as below -3 SD
        else:
            out[column] = ""
    out[REASON_COLUMN] = "; ".join(dict.fromkeys(reasons))  # keeps order, drops repeats
    return out


def _reason(z_name: str, score, scores) -> list[str]:
    status = score.status
    if status is ScoreStatus.OK or status is ScoreStatus.MISSING_INPUT:
        return []
    if status is ScoreStatus.UNSUPPORTED:
        indicator = _UNSUPPORTED_TABLE.get(z_name, "hfa2007")
        label = z_name if z_name in _UNSUPPORTED_TABLE else "zhfa/zwfa/zbfa"
        return [f"{label}: {tables.unsupported_reason(indicator)}"]
    if z_name in ("zhfa", "zwfa", "zbfa"):
        return []  # under five: WHO 2007 does not apply, and WHO 2006 answered
    if status is ScoreStatus.OUTSIDE_STANDARD and scores.age_months is not None and scores.age_months >= 60:
        return ["age 60 months or more: WHO 2006 covers 0-59 months"]
    if status is ScoreStatus.OEDEMA:
        return ["oedema: weight-based scores not computed (counted as below -3 SD)"]
    return [f"{z_name}: {status.value}"]


def run(infile, outfile) -> int:
    """Read cases from infile, write them with WHO's columns to outfile; returns the number of bad rows."""
    reader = csv.DictReader(infile)
    fields = list(reader.fieldnames or [])
    columns = output_columns(fields)
    renamed = {f: (RENAMED_INPUT_PREFIX + f if f in columns else f) for f in fields}
    writer = csv.writer(outfile, lineterminator="\n")
    writer.writerow([renamed[f] for f in fields] + list(columns))
    bad = 0
    for row in reader:
        result = assess_row(row)
        bad += result[REASON_COLUMN].startswith("bad input")
        writer.writerow([row.get(f) or "" for f in fields] + [result[c] for c in columns])
    return bad


def main() -> int:
    """Entry point of `python -m shared.growth_csv`: stdin to stdout; exit status 0 even with bad rows."""
    stdin = open(sys.stdin.fileno(), encoding="utf-8-sig", newline="", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False)
    with stdout:
        bad = run(stdin, stdout)
    if bad:
        print(f"{bad} row(s) could not be read; see the reason column", file=sys.stderr)
    return 0
