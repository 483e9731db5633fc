"""The formula-parity command: the growth command's input CSV in, the Sheet's own answers out, computed by headless
LibreOffice from the Pengukuran formulas, so that they can be compared with `python -m shared.growth_csv`.

`python -m shared.sheet recalc < cases.csv > out.csv`. Each case becomes a Pengukuran row: birth date 2020-01-01 and
the measuring date age_days later when age_days is whole; a fractional age_days is given as an age in months
(age_months_given) chosen so that months x 30.4375 is exactly age_days, which the formulas then round as anthro does.
The only module of shared.sheet that touches files and processes.
"""
from __future__ import annotations

import csv
import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

from shared import growth_csv
from shared.domain.growth import ages
from shared.sheet import formulas, layout, workbook

BIRTH_DATE = date(2020, 1, 1)  # any fixed date: only the difference to the measuring date counts
CASE_ID = "case_id"
# The growth command's WHO 2006 scores (those the Sheet computes) and its category columns, in its order.
SCORES = tuple(pair for pair in growth_csv.SCORES if pair[0] in formulas.templates())
CATEGORIES = tuple(growth_csv.CATEGORY_COLUMNS)
OUTPUT_COLUMNS = tuple(name for pair in SCORES for name in pair) + CATEGORIES
# LibreOffice's CSV export: comma, double quote, UTF-8, values not as shown (full precision), formulas' results,
# every sheet to its own <stem>-<sheet name>.csv (the last field, -1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
TIMEOUT_S = 600

_MISSING = {"", "na", "nan", "null"}  # as the growth command reads blanks
_BOY, _GIRL = layout.SEX_VALUES["M"], layout.SEX_VALUES["F"]
_SEX = {"1": _BOY, "m": _BOY, "2": _GIRL, "f": _GIRL}  # the growth command's codes (anthro's) -> the Sheet's
_MEASURE = dict(layout.MEASURE_VALUES)
_OEDEMA = {"y": layout.YES, "1": layout.YES, "n": layout.NO, "2": layout.NO}


class SofficeMissing(RuntimeError):
    """LibreOffice (soffice) is not installed, so the Sheet's formulas cannot be computed here."""


class RecalcFailed(RuntimeError):
    """LibreOffice ran but wrote no result."""


def _text(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _coded(row: Mapping[str, str | None], name: str, words: dict[str, str]) -> str | None:
    """The Sheet's word for a growth-command code; an unknown code is passed on as typed (the Sheet refuses it)."""
    text = _text(row, name)
    if text.lower() in _MISSING:
        return None
    return words.get(text.lower(), text)


def months_for(age_days: float) -> float:
    """An age in months m with m x 30.4375 == age_days exactly in floating point (the Sheet multiplies it back)."""
    m = age_days / ages.DAYS_PER_MONTH
    for candidate in (m, math.nextafter(m, math.inf), math.nextafter(m, -math.inf)):
        if candidate * ages.DAYS_PER_MONTH == age_days:
            return candidate
    return m


def sheet_row(case: Mapping[str, str | None]) -> dict[str, object]:
    """A growth-command input row as Pengukuran data values (keys of layout.MEASUREMENT_DATA)."""
    row: dict[str, object] = {
        "row_id": _text(case, CASE_ID) or None,
        "sex": _coded(case, "sex", _SEX),
        "measure": _coded(case, "measure", _MEASURE),
        "oedema": _coded(case, "oedema", _OEDEMA),
    }
    for name in ("weight_kg", "lenhei_cm", "headc_cm", "armc_cm"):
        text = _text(case, name)
        row[name] = None if text.lower() in _MISSING else text
    age = _text(case, "age_days")
    if age.lower() not in _MISSING:
        try:
            days = float(age.replace(",", ".") if "." not in age else age)
        except ValueError:
            row["age_months_given"] = age  # text: the Sheet reads no age, as a kader's typo
        else:
            if days.is_integer() and abs(days) < 100_000:
                row["birth_date"] = BIRTH_DATE
                row["measured_on"] = BIRTH_DATE + timedelta(days=int(days))
            else:
                row["age_months_given"] = months_for(days)
    return row


def _soffice(explicit: str | None) -> str:
    found = explicit or shutil.which("soffice")
    if not found:
        raise SofficeMissing(
            "LibreOffice is not installed (no `soffice` on PATH): install the Debian package libreoffice-calc-nogui "
            "(apt-get install --no-install-recommends libreoffice-calc-nogui); scripts/test.sh does this")
    return found


def recalculate(rows: Iterable[Mapping[str, object]], soffice: str | None = None) -> list[dict[str, str]]:
    """Pengukuran data rows -> every column of each row (by key) as headless LibreOffice computed it, as text.

    Raises:
        SofficeMissing: LibreOffice is not installed.
        RecalcFailed: LibreOffice wrote no CSV (its output is in the message).
    """
    tab = formulas.MEASUREMENTS_TAB
    with tempfile.TemporaryDirectory(prefix="tumbuh-recalc-") as tmp:
        source = Path(tmp) / "pengukuran.xlsx"
        workbook.measurement_workbook(rows).save(source)
        lines = recalculated(source, tab.name, soffice)
    if not lines or lines[0] != tab.headers:
        raise RecalcFailed("the Pengukuran CSV does not start with the tab's headers")
    keys = [c.key for c in tab.columns]
    return [dict(zip(keys, line + [""] * (len(keys) - len(line)))) for line in lines[1:]]


def recalculated(path: Path, tab: str, soffice: str | None = None) -> list[list[str]]:
    """One tab of a workbook file as headless LibreOffice computes it (every formula recalculated), as rows of text.

    Raises:
        SofficeMissing: LibreOffice is not installed.
        RecalcFailed: LibreOffice wrote no CSV for that tab (its output is in the message).
    """
    program = _soffice(soffice)
    with tempfile.TemporaryDirectory(prefix="tumbuh-recalc-") as tmp:
        folder = Path(tmp)
        # A private profile: parallel runs (and a desktop LibreOffice) never share one.
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", CSV_FILTER, "--outdir", str(folder / "out"), str(path)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        result = folder / "out" / f"{path.stem}-{tab}.csv"
        if not result.exists():
            raise RecalcFailed(f"LibreOffice wrote no {result.name} (exit {done.returncode}): "
                               f"{(done.stdout + done.stderr).strip()[-2000:]}")
        with result.open(encoding="utf-8", newline="") as f:
            return list(csv.reader(f))


def growth_output(computed: Mapping[str, str]) -> dict[str, str]:
    """One recalculated row in the growth command's words: z as '%.2f', flags 0/1, categories as enum names."""
    out: dict[str, str] = {}
    for z_name, f_name in SCORES:
        z, flag = computed[z_name], computed[f_name]
        out[z_name] = f"{float(z) + 0.0:.2f}" if z else ""
        out[f_name] = str(int(float(flag))) if flag else ""
    for column in CATEGORIES:
        label = computed[column]
        out[column] = formulas.CATEGORY_LABELS[column][label].name if label else ""
    return out


def run(infile, outfile, soffice: str | None = None) -> int:
    """Read growth-command cases from infile, write case_id and the Sheet's answers to outfile; returns the count."""
    cases = list(csv.DictReader(infile))
    computed = recalculate([sheet_row(c) for c in cases], soffice)
    writer = csv.writer(outfile, lineterminator="\n")
    writer.writerow((CASE_ID, *OUTPUT_COLUMNS))
    for n, (case, row) in enumerate(zip(cases, computed, strict=True), start=1):
        answer = growth_output(row)
        writer.writerow((_text(case, CASE_ID) or str(n), *(answer[c] for c in OUTPUT_COLUMNS)))
    return len(cases)


def main() -> int:
    """`python -m shared.sheet recalc`: stdin to stdout; exit 2 when LibreOffice is missing, 1 when it fails."""
    stdin = open(sys.stdin.fileno(), encoding="utf-8-sig", newline="", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False)
    try:
        with stdout:
            run(stdin, stdout)
    except SofficeMissing as exc:
        print(f"recalc: {exc}", file=sys.stderr)
        return 2
    except (RecalcFailed, subprocess.TimeoutExpired) as exc:
        print(f"recalc: LibreOffice failed: {exc}", file=sys.stderr)
        return 1
    return 0
