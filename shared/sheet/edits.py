"""A row a kader typed or changed in the Sheet, read with the chat's own parsers: the same words and numbers are
accepted ("8,9", "P", "perempuan", "3-1-2024"), the same ranges and dates refused, with the same reasons. Pure.

A row is either read (MeasurementRow, ChildRow), incomplete (a new row still being typed: what is missing is said,
gently), or refused (what is wrong, per column, in the catalogue's words).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain.growth import ages, input_ranges
from shared.flows.messages import MESSAGES, render
from shared.flows.parsers.dates import check_date, parse_date
from shared.flows.parsers.numbers import parse_number
from shared.flows.parsers.tokens import Invalid
from shared.flows.parsers.words import parse_measure, parse_sex, parse_yes_no
from shared.sheet import layout
from shared.sheet.layout import Column

_NUMBERS = {"weight_kg": (*input_ranges.WEIGHT_KG, "kg", 2), "lenhei_cm": (*input_ranges.LENHEI_CM, "cm", 1),
            "headc_cm": (*input_ranges.HEADC_CM, "cm", 1), "armc_cm": (*input_ranges.ARMC_CM, "cm", 1),
            "age_months_given": (0.0, 59.9, "bulan", 1)}
_EARLIEST_BIRTH = date(1990, 1, 1)  # a birth date before this is a typo, whatever the child's age


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or missing), as a catalogue key and its values; `column` is its header."""

    column: str
    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RowProblems:
    """Why a row cannot be taken: `incomplete` when it only lacks values (a row still being typed)."""

    problems: tuple[Problem, ...]
    incomplete: bool


@dataclass(frozen=True)
class MeasurementRow:
    """A readable Pengukuran row."""

    row_id: int | None  # Tumbuh's measurement id, None on a row a kader typed
    child_id: int | None
    name: str
    sex: str  # "M" / "F"
    birth_date: date | None
    age_months_given: float | None  # only without a birth date
    measured_on: date
    weight_kg: float | None
    lenhei_cm: float | None
    measure: str | None  # "l" / "h" / None
    headc_cm: float | None
    armc_cm: float | None
    oedema: bool


@dataclass(frozen=True)
class ChildRow:
    """A readable Anak row."""

    row_id: int | None
    name: str
    sex: str
    birth_date: date | None


def _cells(columns: tuple[Column, ...], values: list) -> dict:
    return {c.key: values[i] if i < len(values) else "" for i, c in enumerate(columns)}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_id(value) -> int | None | Invalid:
    """A row's id cell (Tumbuh's): None when empty, Invalid when it is not a positive whole number."""
    text = _text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return Invalid("sheet_bad_id")
    return int(number) if number.is_integer() and number > 0 else Invalid("sheet_bad_id")


def _number(value, key: str) -> float | None | Invalid:
    if _text(value) == "":
        return None
    lo, hi, unit, decimals = _NUMBERS[key]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if lo <= value <= hi:
            return round(float(value), decimals)
        return Invalid("number_out_of_range", {"min": lo, "max": hi, "unit": unit, "value": value})
    return parse_number(_text(value), lo=lo, hi=hi, unit=unit, decimals=decimals)


def _date(value, today: date, earliest: date | None) -> date | None | Invalid:
    if isinstance(value, datetime):
        return check_date(value.date(), today, earliest)
    if isinstance(value, date):
        return check_date(value, today, earliest)
    text = _text(value)
    if not text:
        return None
    try:
        return check_date(date.fromisoformat(text), today, earliest)  # what the Sheet gives for a date cell
    except ValueError:
        return parse_date(text, today=today, earliest=earliest)


def _coded(value, codes: dict, parser) -> str | None | Invalid:
    text = _text(value)
    if not text:
        return None
    by_code = {v.lower(): k for k, v in codes.items()}
    return by_code.get(text.lower()) or parser(text)


def _yes_no(value) -> bool | None | Invalid:
    text = _text(value)
    if not text:
        return None
    if text.lower() in (layout.YES.lower(), layout.NO.lower()):
        return text.lower() == layout.YES.lower()
    return parse_yes_no(text)


def _header(columns: tuple[Column, ...], key: str) -> str:
    return next(c.header for c in columns if c.key == key)


def read_measurement(values: list, today: date) -> MeasurementRow | RowProblems:
    """A Pengukuran row's data cells, read and checked as the chat checks an answer."""
    cols = layout.MEASUREMENT_DATA
    cell = _cells(cols, values)
    problems: list[Problem] = []
    missing: list[Problem] = []

    def take(key: str, read):
        value = read(cell[key])
        if isinstance(value, Invalid):
            problems.append(Problem(_header(cols, key), value.key, value.params))
            return None
        return value

    row_id, child_id = take("row_id", read_id), take("child_id", read_id)
    name = _text(cell["child_name"])
    sex = take("sex", lambda v: _coded(v, layout.SEX_VALUES, parse_sex))
    born = take("birth_date", lambda v: _date(v, today, _EARLIEST_BIRTH))
    measured_on = take("measured_on", lambda v: _date(v, today, _EARLIEST_BIRTH))
    if born is not None and measured_on is not None and measured_on < born:
        problems.append(Problem(_header(cols, "measured_on"), "measured_before_birth"))
        measured_on = None
    age_given = take("age_months_given", lambda v: _number(v, "age_months_given"))
    numbers = {k: take(k, lambda v, k=k: _number(v, k)) for k in ("weight_kg", "lenhei_cm", "headc_cm", "armc_cm")}
    measure = take("measure", lambda v: _coded(v, layout.MEASURE_VALUES, parse_measure))
    oedema = take("oedema", _yes_no)
    for key, value in (("child_name", name), ("sex", sex), ("measured_on", measured_on)):
        if value in (None, "") and not any(p.column == _header(cols, key) for p in problems):
            missing.append(Problem(_header(cols, key), "sheet_missing"))
    if born is None and age_given is None and not any(p.column in (_header(cols, "birth_date"),
                                                                   _header(cols, "age_months_given"))
                                                      for p in problems):
        missing.append(Problem(_header(cols, "birth_date"), "sheet_missing_age"))
    if numbers["weight_kg"] is None and numbers["lenhei_cm"] is None and not problems:
        missing.append(Problem(_header(cols, "weight_kg"), "sheet_missing_measurement"))
    if born is not None and measured_on is not None and not problems:
        if ages.completed_months(born, measured_on) >= ages.UNDER_FIVE_MONTHS:
            problems.append(Problem(_header(cols, "birth_date"), "sheet_over_five"))
    if problems or missing or sex is None or measured_on is None:
        return RowProblems(tuple(problems + missing), incomplete=not problems)
    return MeasurementRow(row_id, child_id, name, sex, born, None if born else age_given, measured_on,
                          numbers["weight_kg"], numbers["lenhei_cm"], measure, numbers["headc_cm"],
                          numbers["armc_cm"], bool(oedema))


def read_child(values: list, today: date) -> ChildRow | RowProblems:
    """An Anak row's data cells (identity only: the rest is Tumbuh's)."""
    cols = layout.CHILD_DATA
    cell = _cells(cols, values)
    problems: list[Problem] = []
    row_id, sex, born = read_id(cell["row_id"]), _coded(cell["sex"], layout.SEX_VALUES, parse_sex), \
        _date(cell["birth_date"], today, _EARLIEST_BIRTH)
    for key, value in (("row_id", row_id), ("sex", sex), ("birth_date", born)):
        if isinstance(value, Invalid):
            problems.append(Problem(_header(cols, key), value.key, value.params))
    name = _text(cell["name"])
    missing = [Problem(_header(cols, k), "sheet_missing") for k, v in (("name", name), ("sex", sex))
               if v in (None, "") and not any(p.column == _header(cols, k) for p in problems)]
    if problems or missing or isinstance(row_id, Invalid) or isinstance(born, Invalid) or not isinstance(sex, str):
        return RowProblems(tuple(problems + missing), incomplete=not problems)
    return ChildRow(row_id, name, sex, born)


SHEET_LANGUAGE = "id"


def note_text(found: RowProblems, lang: str = SHEET_LANGUAGE) -> str:
    """What the Catatan Tumbuh cell says about a row Tumbuh could not take: each problem with its column, in the
    chat's words (a Sheet-specific wording where the chat's speaks of buttons), or what a new row still lacks."""
    if found.incomplete:
        items = ", ".join(render(p.key, lang, column=p.column) for p in found.problems)
        return render("sheet_note_incomplete", lang, items=items)
    return " ".join(render("sheet_note_problem", lang, column=p.column, why=_why(p, lang)) for p in found.problems)


def _why(p: Problem, lang: str) -> str:
    key = f"sheet_{p.key}" if f"sheet_{p.key}" in MESSAGES[lang] else p.key
    return render(key, lang, **p.params).replace("*", "")  # WhatsApp's bold marks mean nothing in a cell
