"""Dates as people write them: day first, Indonesian or English month names, two-digit years, "kemarin"."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from shared.flows.parsers.tokens import UNIT_ALTERNATION, Invalid, clean_text, distinct


_MONTHS = {
    **dict.fromkeys(("januari", "january", "jan", "janu", "jnuari"), 1),
    **dict.fromkeys(("februari", "february", "feb", "pebruari", "febuari", "peb", "febr"), 2),
    **dict.fromkeys(("maret", "march", "mar", "mrt"), 3),
    **dict.fromkeys(("april", "apr", "aprl"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "agus", "ags", "agst", "agts", "aug", "agstus"), 8),
    **dict.fromkeys(("september", "sep", "sept", "spt", "september"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct", "okto"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec", "desem"), 12),
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")(?![a-z])"
_SEP = r"\s*([-/.])\s*"
# A two-digit year must not be a number with its unit ("3 januari 12 kg" is not 2012).
_YEAR2 = rf"([0-9]{{2}})(?![0-9]|\s*[.,][0-9]|\s*(?:{UNIT_ALTERNATION})(?![a-z]))"

_ISO_DATE = re.compile(rf"(?<![0-9])([0-9]{{4}}){_SEP}([0-9]{{1,2}})\s*\2\s*([0-9]{{1,2}})(?![0-9])")
_NUMERIC_DATE = re.compile(rf"(?<![0-9.,])([0-9]{{1,2}}){_SEP}([0-9]{{1,2}})\s*\2\s*(?:([0-9]{{4}})(?![0-9])|{_YEAR2})")
_NAMED_DATE = re.compile(
    rf"(?<![0-9.,])([0-9]{{1,2}})(?![0-9])\s*[-/.]?\s*{_MONTH}(?:\s*[-/.]?\s*(?:([0-9]{{4}})(?![0-9])|{_YEAR2}))?")
_MONTH_FIRST_DATE = re.compile(rf"(?<![a-z]){_MONTH}\s*([0-9]{{1,2}})(?![0-9])\s*([0-9]{{4}})(?![0-9])")
_MONTH_YEAR = re.compile(rf"(?<![a-z]){_MONTH}\s*[-/.]?\s*([0-9]{{4}})(?![0-9])")
_RELATIVE_DATE = re.compile(r"\b(hari ini|kemarin|kemaren|kmrn|kmarin|today|yesterday)\b")
_SPACED_DATE = re.compile(r"([0-9]{1,2}) ([0-9]{1,2}) ([0-9]{4})")  # "03 01 2024", only as a whole answer
_COMPACT_DATE = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4})")  # "03012024", only as a whole answer
_COMPACT_ISO = re.compile(r"((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})")  # "20240103"
_LETTERS = re.compile(r"[a-z]+")
_FIRST_CENTURY_YEAR = 1900  # earlier years are typos, not birth dates


class DateHit(NamedTuple):
    """A date found in cleaned text: its span, the date or why not, and whether it is relative ("kemarin")."""

    start: int
    end: int
    value: date | Invalid
    relative: bool


def _make_date(day: int, month: int, year: int, two_digit: bool, today: date) -> date | Invalid:
    """A calendar date, or impossible_date; two-digit years are 20yy unless that year is still to come."""
    if two_digit:
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        if year < _FIRST_CENTURY_YEAR:
            raise ValueError
        return date(year, month, day)
    except ValueError:
        return Invalid("impossible_date", {"day": day, "month": month, "year": year})


def _date_from(kind: str, m: re.Match, today: date) -> date | Invalid:
    if kind == "iso":
        return _make_date(int(m[4]), int(m[3]), int(m[1]), False, today)
    if kind == "numeric":
        four, two = m[4], m[5]
        return _make_date(int(m[1]), int(m[3]), int(four or two), four is None, today)
    if kind == "named":
        four, two = m[3], m[4]
        if four is None and two is None:
            return Invalid("incomplete_date")
        return _make_date(int(m[1]), _MONTHS[m[2]], int(four or two), four is None, today)
    if kind == "month_first":
        return _make_date(int(m[2]), _MONTHS[m[1]], int(m[3]), False, today)
    if kind == "month_year":
        return Invalid("incomplete_date")
    return today if m[1] in ("hari ini", "today") else today - timedelta(days=1)


_DATE_PATTERNS = (("iso", _ISO_DATE), ("numeric", _NUMERIC_DATE), ("named", _NAMED_DATE),
                  ("month_first", _MONTH_FIRST_DATE), ("month_year", _MONTH_YEAR), ("relative", _RELATIVE_DATE))


def find_dates(clean: str, today: date) -> list[DateHit]:
    """Every date written in the text, in order; earlier patterns win where spans overlap."""
    hits: list[DateHit] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(clean):
            if any(m.start() < hit.end and hit.start < m.end() for hit in hits):
                continue
            hits.append(DateHit(m.start(), m.end(), _date_from(kind, m, today), kind == "relative"))
    return sorted(hits)


def mask_dates(clean: str, today: date) -> tuple[str, list[DateHit]]:
    """The text with each date replaced by a "#n" marker (n: its index in the hits), so the numbers in a date are
    not read as a weight or a length, and the dates found."""
    hits = find_dates(clean, today)
    masked = clean
    for index, hit in sorted(enumerate(hits), key=lambda pair: -pair[1].start):
        masked = f"{masked[:hit.start]} #{index} {masked[hit.end:]}"
    return masked, hits


def _whole_answer_date(clean: str, today: date) -> date | Invalid | None:
    """Dates only safe to read when they are the whole answer: "03 01 2024", "03012024", "20240103"."""
    digits = " ".join(_LETTERS.sub(" ", clean).split())
    if m := _SPACED_DATE.fullmatch(digits):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), False, today)
    if m := _COMPACT_ISO.fullmatch(digits):
        return _make_date(int(m[3]), int(m[2]), int(m[1]), False, today)
    if m := _COMPACT_DATE.fullmatch(digits):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), False, today)
    return None


def parse_date(text: str, *, today: date, earliest: date | None = None) -> date | Invalid:
    """A date written day-first (never US month-first), with Indonesian or English month names, or "kemarin"."""
    clean = clean_text(text)
    values = [hit.value for hit in find_dates(clean, today)]
    if not values:
        whole = _whole_answer_date(clean, today)
        values = [whole] if whole is not None else []
    dates = distinct([v for v in values if isinstance(v, date)])
    if not dates:
        return values[0] if values else Invalid("invalid_date")
    if len(dates) > 1:
        return Invalid("ambiguous_date", {"first": dates[0], "second": dates[1]})
    return check_date(dates[0], today, earliest)


def check_date(value: date, today: date, earliest: date | None) -> date | Invalid:
    """The date, or date_in_future / date_too_early (before `earliest`, when given)."""
    if value > today:
        return Invalid("date_in_future", {"date": value, "today": today})
    if earliest is not None and value < earliest:
        return Invalid("date_too_early", {"date": value, "earliest": earliest})
    return value


def looks_like_date(clean: str) -> bool:
    """True when cleaned text holds a date with its year, so its numbers are not a measurement."""
    return any(p.search(clean) for p in (_ISO_DATE, _NUMERIC_DATE)) or bool(
        (m := _NAMED_DATE.search(clean)) and (m[3] or m[4]))
