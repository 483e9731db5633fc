"""Pure parsers for how parents and kader write numbers, dates, sex and short answers (domain-id D6).
No I/O, no clock (``today`` is passed in), no environment: each returns a value or ``Invalid``, never raises.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple


@dataclass(frozen=True)
class Invalid:
    """Why an answer could not be used: a message-catalogue key and the values that fill the message."""

    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class QuickEntry:
    """Everything one free-text message said about a child; None where it said nothing usable."""

    sex: str | None = None
    birth_date: date | None = None
    weight_kg: float | None = None
    lenhei_cm: float | None = None
    measure: str | None = None
    headc_cm: float | None = None
    armc_cm: float | None = None
    measured_on: date | None = None
    age_months: float | None = None  # a hint only ("umur 2th 1bln"); the birth date is still asked
    problems: tuple[Invalid, ...] = ()

    def fields(self) -> dict:
        """The fields that were found, by name (problems excluded)."""
        return {name: getattr(self, name) for name in _ENTRY_FIELDS if getattr(self, name) is not None}

    @property
    def is_empty(self) -> bool:
        """True when no field was found (there may still be problems to explain)."""
        return not self.fields()


_ENTRY_FIELDS = ("sex", "birth_date", "weight_kg", "lenhei_cm", "measure", "headc_cm", "armc_cm", "measured_on",
                 "age_months")

# --- cleaning and tokens ------------------------------------------------------------------------------------

_MAX_CHARS = 4096  # WhatsApp's own text-message limit: anything longer is not something a person typed
_NOISE = re.compile(r"[^a-z0-9,./\-\n ]+")  # emoji, quotes, ?!, *bold*, brackets, ':' and '='
_LOOSE_POINT = re.compile(r"(?<![0-9])[.,]|[.,](?![0-9])")  # sentence punctuation, not a decimal mark
_SPACES = re.compile(r"[ \t]+")
_REDUPLICATION = re.compile(r"\b([a-z]{2,})2\b")  # "laki2" is how "laki-laki" is typed
_TOKEN = re.compile(r"\n|#[0-9]+|(?:(?<![0-9a-z])-)?[0-9]+(?:[.,][0-9]+)*|[a-z]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})+")
_THOUSANDS = re.compile(r"[0-9]{1,3}[.,][0-9]{3}")
_MAX_DIGITS = 12  # longer digit runs are phone numbers or NIK, never a measurement

NUM, WORD, DATE, NEWLINE = "num", "word", "date", "newline"


class _Tok(NamedTuple):
    kind: str
    text: str
    value: float = 0.0
    is_int: bool = False


def _clean(text: object) -> str:
    """Lower-case ASCII text keeping only what can carry meaning: words, numbers, date separators, line breaks."""
    if not isinstance(text, str):
        return ""
    text = text[:_MAX_CHARS].replace("½", " setengah ")  # NFKC would turn "7½" into "71⁄2"
    text = unicodedata.normalize("NFKC", text).lower().replace("\r", "\n")
    text = _NOISE.sub(" ", text)
    text = _LOOSE_POINT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


_REPEATS = re.compile(r"([a-z])\1+")


def _squeeze(word: str) -> str:
    """Collapse repeated letters, so "iyaaa", "okee" and "cewekk" meet their vocabulary."""
    return _REPEATS.sub(r"\1", word)


_DIGIT_WORDS = {"nol": 0, "kosong": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
                "tujuh": 7, "delapan": 8, "sembilan": 9}
_NUMBER_STARTS = frozenset(_DIGIT_WORDS) | {"sepuluh", "sebelas", "seratus", "seribu"}
_ONE_AND_UNIT = {"setahun": "tahun", "sebulan": "bulan", "seminggu": "minggu", "sekilo": "kg", "sehari": "hari"}


def _read_word_number(raw: list[str], i: int) -> tuple[int, int]:
    """Read an Indonesian number-word run from raw[i] ("delapan puluh dua" → 82); returns (value, next index)."""
    total = hundreds = small = 0
    last = ""
    j = i
    while j < len(raw):
        word = raw[j]
        if word in _DIGIT_WORDS:
            if last not in ("", "tens", "hundreds", "thousands"):
                break  # "dua tiga" is two numbers, not 23
            small += _DIGIT_WORDS[word]
            last = "digit"
        elif word in ("sepuluh", "sebelas"):
            if last not in ("", "hundreds", "thousands"):
                break
            small += 10 if word == "sepuluh" else 11
            last = "teen"
        elif word in ("belas", "puluh"):
            if last != "digit" or small >= 10:
                break
            small = small + 10 if word == "belas" else small * 10
            last = "teen" if word == "belas" else "tens"
        elif word == "ratus":
            if last != "digit" or small >= 10 or hundreds:
                break
            hundreds, small, last = small * 100, 0, "hundreds"
        elif word == "seratus":
            if last not in ("", "thousands"):
                break
            hundreds, last = 100, "hundreds"
        elif word == "ribu":
            if last in ("", "thousands") or total:
                break
            total, hundreds, small, last = (hundreds + small) * 1000, 0, 0, "thousands"
        elif word == "seribu":
            if last:
                break
            total, last = 1000, "thousands"
        else:
            break
        j += 1
    return total + hundreds + small, j


def _read_decimal_digits(raw: list[str], i: int) -> tuple[str, int]:
    """Digits after "koma", read one by one ("koma dua lima" → "25", "koma 08" → "08")."""
    if i < len(raw) and raw[i].isdigit():
        return raw[i], i + 1
    digits = ""
    while i < len(raw) and raw[i] in _DIGIT_WORDS:
        digits += str(_DIGIT_WORDS[raw[i]])
        i += 1
    return digits, i


def _number_token(raw: str) -> _Tok:
    """A digit token as a number; long digit runs and oddly grouped ones stay words (not measurements)."""
    body = raw.lstrip("-")
    sign = -1.0 if raw.startswith("-") else 1.0
    digits = sum(ch.isdigit() for ch in body)
    if digits > _MAX_DIGITS:
        return _Tok(WORD, raw)
    separators = sum(ch in ".," for ch in body)
    if separators == 0:
        return _Tok(NUM, raw, sign * float(body), True)
    if separators == 1:
        # A single separator is a decimal mark: "9.100" kg is 9.1 (and 9100 g is 9.1 kg too, so both readings agree).
        return _Tok(NUM, raw, sign * float(body.replace(",", ".")), False)
    if _GROUPED.fullmatch(body):  # "1.250.000": thousands grouping
        return _Tok(NUM, raw, sign * float(body.replace(".", "").replace(",", "")), True)
    return _Tok(WORD, raw)


def _tokens(clean: str) -> list[_Tok]:
    """Numbers (digits or words, "9 koma 8", "tujuh setengah"), words, date placeholders and line breaks."""
    raw = _TOKEN.findall(_REDUPLICATION.sub(r"\1 \1", clean))
    out: list[_Tok] = []
    i = 0
    while i < len(raw):
        word = raw[i]
        if word == "\n":
            out.append(_Tok(NEWLINE, word))
        elif word[0] == "#":
            out.append(_Tok(DATE, word, float(word[1:])))
        elif word[0].isdigit() or word[0] == "-":
            out.append(_number_token(word))
        elif word in _NUMBER_STARTS:
            value, i = _read_word_number(raw, i)
            out.append(_Tok(NUM, str(value), float(value), True))
            continue
        elif word == "koma" and out and out[-1].kind == NUM and out[-1].is_int:
            digits, j = _read_decimal_digits(raw, i + 1)
            if digits:
                out[-1] = _number_token(f"{out[-1].text},{digits}")
                i = j
                continue
            out.append(_Tok(WORD, word))
        elif word == "setengah":
            if out and out[-1].kind == NUM and out[-1].is_int and out[-1].value >= 0:
                out[-1] = _Tok(NUM, out[-1].text + ",5", out[-1].value + 0.5, False)
            else:
                out.append(_Tok(NUM, "0,5", 0.5, False))
        elif word in _ONE_AND_UNIT:
            out += [_Tok(NUM, "1", 1.0, True), _Tok(WORD, _ONE_AND_UNIT[word])]
        else:
            out.append(_Tok(WORD, word))
        i += 1
    return out


# --- units and quantities -----------------------------------------------------------------------------------

_MONTH_DAYS = 30.4375  # 365.25 / 12, the month length WHO anthro uses to turn days into months

# word → (dimension, factor to the dimension's base unit: kg, cm or months)
_UNITS: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilogram", "kilogr", "kilos"), ("kg", 1.0)),
    **dict.fromkeys(("g", "gr", "grm", "gram", "grams", "gramm"), ("kg", 0.001)),
    "ons": ("kg", 0.1),  # Indonesian ons = 100 g
    **dict.fromkeys(("cm", "senti", "centi", "sentimeter", "centimeter", "centimetre", "cms"), ("cm", 1.0)),
    **dict.fromkeys(("mm", "milimeter", "millimeter"), ("cm", 0.1)),
    **dict.fromkeys(("m", "meter", "mtr", "metre"), ("cm", 100.0)),
    **dict.fromkeys(("bulan", "bln", "bl", "bulanan", "month", "months", "mo", "mos", "mth"), ("months", 1.0)),
    **dict.fromkeys(("tahun", "thn", "th", "taun", "thun", "tahunan", "year", "years", "yr", "yrs", "y"),
                    ("months", 12.0)),
    **dict.fromkeys(("minggu", "mgg", "mg", "week", "weeks", "wk"), ("months", 7 / _MONTH_DAYS)),
    **dict.fromkeys(("hari", "hr", "day", "days"), ("months", 1 / _MONTH_DAYS)),
}
_UNIT_ALTERNATION = "|".join(sorted(_UNITS, key=len, reverse=True))


class _Quantity(NamedTuple):
    value: float
    dim: str | None  # None when no unit was written
    is_int: bool
    end: int  # index of the token after the quantity


def _scaled(tok: _Tok, factor: float) -> float:
    """A number in its unit; "3.200 gram" groups thousands, because nobody weighs a child in fractions of a gram."""
    if factor == 0.001 and _THOUSANDS.fullmatch(tok.text):
        return float(tok.text.replace(".", "").replace(",", ""))
    return tok.value


def _read_quantity(toks: list[_Tok], i: int) -> _Quantity:
    """The number at toks[i] with its unit, adding parts such as "12 kg 500 gram" or "2 th 1 bln"."""
    tok = toks[i]
    j = i + 1
    if j >= len(toks) or toks[j].kind != WORD or toks[j].text not in _UNITS:
        return _Quantity(tok.value, None, tok.is_int, j)
    dim, factor = _UNITS[toks[j].text]
    value = _scaled(tok, factor) * factor
    j += 1
    while j + 1 < len(toks) and toks[j].kind == NUM and toks[j + 1].kind == WORD and toks[j + 1].text in _UNITS:
        next_dim, next_factor = _UNITS[toks[j + 1].text]
        if next_dim != dim or next_factor >= factor:
            break
        value += _scaled(toks[j], next_factor) * next_factor
        factor = next_factor
        j += 2
    return _Quantity(value, dim, False, j)


def _round(value: float, decimals: int) -> float:
    """Round half up as people do ("8,25" → 8.3), not to even."""
    decimals = max(0, min(int(decimals), 6))
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


# --- dates ----------------------------------------------------------------------------------------------------

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
_YEAR2 = rf"([0-9]{{2}})(?![0-9]|\s*[.,][0-9]|\s*(?:{_UNIT_ALTERNATION})(?![a-z]))"

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


class _DateHit(NamedTuple):
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


def _find_dates(clean: str, today: date) -> list[_DateHit]:
    """Every date written in the text, in order; earlier patterns win where spans overlap."""
    hits: list[_DateHit] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(clean):
            if any(m.start() < hit.end and hit.start < m.end() for hit in hits):
                continue
            hits.append(_DateHit(m.start(), m.end(), _date_from(kind, m, today), kind == "relative"))
    return sorted(hits)


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


def _distinct(values: list) -> list:
    """Values in first-seen order without repeats (Invalid is unhashable, so no set)."""
    out: list = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def parse_date(text: str, *, today: date, earliest: date | None = None) -> date | Invalid:
    """A date written day-first (never US month-first), with Indonesian or English month names, or "kemarin"."""
    clean = _clean(text)
    values = [hit.value for hit in _find_dates(clean, today)]
    if not values:
        whole = _whole_answer_date(clean, today)
        values = [whole] if whole is not None else []
    dates = _distinct([v for v in values if isinstance(v, date)])
    if not dates:
        return values[0] if values else Invalid("invalid_date")
    if len(dates) > 1:
        return Invalid("ambiguous_date", {"first": dates[0], "second": dates[1]})
    return _check_date(dates[0], today, earliest)


def _check_date(value: date, today: date, earliest: date | None) -> date | Invalid:
    if value > today:
        return Invalid("date_in_future", {"date": value, "today": today})
    if earliest is not None and value < earliest:
        return Invalid("date_too_early", {"date": value, "earliest": earliest})
    return value


# --- numbers ----------------------------------------------------------------------------------------------------

# A number right after one of these words is that kind of quantity even without a unit ("bb 8 tb 76").
_LABEL_DIMS = {"bb": "kg", "berat": "kg", "brt": "kg", "tb": "cm", "pb": "cm", "tinggi": "cm", "panjang": "cm",
               "pjg": "cm", "lk": "cm", "lila": "cm", "lingkar": "cm", "umur": "months", "usia": "months"}
_LABEL_CONTINUES = frozenset({"badan", "nya", "kepala", "lengan", "atas", "anak", "sekarang", "skrg"})


def _looks_like_date(clean: str) -> bool:
    return any(p.search(clean) for p in (_ISO_DATE, _NUMERIC_DATE)) or bool(
        (m := _NAMED_DATE.search(clean)) and (m[3] or m[4]))


def parse_number(text: str, *, lo: float, hi: float, unit: str = "", decimals: int = 1) -> float | Invalid:
    """One number in `unit`: decimal comma or point, number words, unit or none, grams into kg.

    A single separator is always a decimal mark ("9.100" kg = 9.1, the same as 9100 g); with unit "kg", a whole
    number above `hi` that lands in range as grams is read as grams ("9100" → 9.1). Numbers labelled or unit-marked
    as another quantity ("tb 76" when asking kg) are skipped; if nothing else is left the answer is wrong_unit.
    """
    clean = _clean(text)
    if _looks_like_date(clean):
        return Invalid("invalid_number")
    toks = _tokens(clean)
    target = _UNITS.get(unit.lower().strip()) if isinstance(unit, str) else None
    found: list[_Quantity] = []
    other_units: list[str] = []
    label_dim = None
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind != NUM:
            if tok.kind == WORD and tok.text in _LABEL_DIMS:
                label_dim = _LABEL_DIMS[tok.text]
            elif not (tok.kind == WORD and tok.text in _LABEL_CONTINUES):
                label_dim = None
            i += 1
            continue
        quantity = _read_quantity(toks, i)
        i = quantity.end
        dim = quantity.dim or label_dim
        label_dim = None
        if target and dim and dim != target[0]:
            other_units.append(dim)
            continue
        if quantity.dim:  # into the unit asked; with no unit asked, the number as typed
            quantity = quantity._replace(value=quantity.value / target[1] if target else tok.value)
        found.append(quantity)
    if not found:
        if other_units:
            return Invalid("wrong_unit", {"unit": unit, "given": other_units[0]})
        return Invalid("invalid_number")
    values = _distinct([_round(q.value, decimals) for q in found])
    if len(values) > 1:
        return Invalid("ambiguous_number", {"first": values[0], "second": values[1]})
    value = found[0].value
    if (target == ("kg", 1.0) and found[0].dim is None and found[0].is_int and value > hi
            and lo <= value / 1000 <= hi):
        value /= 1000  # "9100" for a weight in kg: written in grams, as birth weights usually are
    value = _round(value, decimals)
    if not lo <= value <= hi:
        return Invalid("number_out_of_range", {"min": lo, "max": hi, "unit": unit, "value": value})
    return value


# --- words: sex, yes/no, measuring position, menus, filler ------------------------------------------------------

_NEGATIONS = frozenset({"tidak", "tdk", "gak", "ga", "gk", "ngak", "engak", "nga", "enga", "ndak", "nda", "bukan",
                        "bkn", "not", "belum", "blm", "jangan", "no"})
_MALE_WORDS = frozenset(_squeeze(w) for w in (
    "laki", "lakilaki", "lelaki", "cowok", "cowo", "cwo", "cowo", "pria", "putra", "boy", "male", "lk", "son"))
_FEMALE_WORDS = frozenset(_squeeze(w) for w in (
    "perempuan", "prempuan", "perampuan", "pr", "cewek", "cewe", "cwe", "wanita", "putri", "girl", "female",
    "daughter"))
_SEX_LETTERS = {"l": "M", "p": "F", "m": "M", "f": "F"}  # only as the whole answer


def _words(text: str) -> list[str]:
    """Squeezed word tokens ("laki2" → laki laki, "Perempuan!!" → perempuan)."""
    return [_squeeze(t.text) for t in _tokens(_clean(text)) if t.kind == WORD]


def _negated(words: list[str], i: int) -> bool:
    """True when the word just before words[i] negates it ("bukan cowok")."""
    return i > 0 and words[i - 1] in _NEGATIONS


def parse_sex(text: str) -> str | Invalid:
    """'M' or 'F' from L/P, laki-laki, cowok, cewek, perempuan, boy/girl… ("P" alone here means perempuan)."""
    words = [w for w in _words(text) if w not in _FILLER_WORDS and w not in _SEX_LABEL_WORDS]
    found = set()
    for i, word in enumerate(words):
        sex = "M" if word in _MALE_WORDS else "F" if word in _FEMALE_WORDS else None
        if sex and not _negated(words, i):
            found.add(sex)
    if not found and len(words) == 1 and words[0] in _SEX_LETTERS:
        found.add(_SEX_LETTERS[words[0]])
    return found.pop() if len(found) == 1 else Invalid("invalid_sex")


_YES_WORDS = frozenset(_squeeze(w) for w in (
    "ya", "iya", "iye", "y", "yes", "yup", "yep", "ok", "oke", "okey", "okay", "okeh", "sip", "siap", "setuju",
    "boleh", "betul", "benar", "bener", "bnr", "btl", "sudah", "sdh", "udah", "udh", "lanjut", "lanjutkan", "mau",
    "bisa", "sure", "yoi"))
_NO_WORDS = frozenset(_squeeze(w) for w in (
    "tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "nda", "no", "n", "nope",
    "jangan", "tolak", "belum", "blm", "bukan", "bkn", "salah"))
_NO_PROBLEM = re.compile(r"\b(?:(?:tidak|tdk|gak|ga|ngak|engak|nga|ndak|nda) ?(?:apa ?apa|papa|masalah)|gapapa|gpp"
                         r"|gp|no problem)\b")  # words are squeezed: "gpp" arrives as "gp"
_YES_EMOJI = frozenset("👍👌✅✔☑🙆")
_NO_EMOJI = frozenset("👎❌✖🙅")


def parse_yes_no(text: str) -> bool | Invalid:
    """True for ya/iya/ok/boleh…, False for tidak/gak/jangan/belum…; both or neither is invalid_yes_no."""
    if not isinstance(text, str):
        return Invalid("invalid_yes_no")
    yes = any(ch in _YES_EMOJI for ch in text[:_MAX_CHARS])
    no = any(ch in _NO_EMOJI for ch in text[:_MAX_CHARS])
    words = _words(text)
    joined = " ".join(words)
    if _NO_PROBLEM.search(joined):  # "gapapa", "tidak apa-apa": a yes dressed as a no
        yes = True
        words = _NO_PROBLEM.sub(" ", joined).split()
    i = 0
    while i < len(words):
        if words[i] in _NO_WORDS:
            no = True
            i += 2 if i + 1 < len(words) and words[i + 1] in _YES_WORDS else 1  # "gak boleh" is one no
            continue
        yes = yes or words[i] in _YES_WORDS
        i += 1
    return yes if yes != no else Invalid("invalid_yes_no")


_LYING_WORDS = frozenset(_squeeze(w) for w in (
    "telentang", "terlentang", "berbaring", "baring", "tidur", "tiduran", "rebahan", "rebah", "pb", "lying",
    "length", "panjang", "recumbent"))
_STANDING_WORDS = frozenset(_squeeze(w) for w in ("berdiri", "brdiri", "tb", "standing", "height", "tinggi"))


def _position(words: list[str], i: int) -> str | None:
    """'l' or 'h' for the word at i; a negation flips it ("belum bisa berdiri" was measured lying)."""
    word = words[i]
    position = "l" if word in _LYING_WORDS else "h" if word in _STANDING_WORDS else None
    if position and any(w in _NEGATIONS for w in words[max(0, i - 2):i]):
        position = "h" if position == "l" else "l"
    return position


def parse_measure(text: str) -> str | Invalid:
    """'l' (lying: telentang, berbaring, PB…) or 'h' (standing: berdiri, TB…)."""
    words = _words(text)
    found = {p for i in range(len(words)) if (p := _position(words, i))}
    return found.pop() if len(found) == 1 else Invalid("invalid_measure")


_CHOICE_FILLER = frozenset({"pilih", "pilihan", "no", "nomor", "nomer", "nmr", "angka", "opsi", "yang", "yg",
                            "aku", "mau", "ke", "option", "number"})
_ORDINALS = {"pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6, "ketujuh": 7,
             "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10, "first": 1, "second": 2, "third": 3}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _squash(text: str) -> str:
    return _NOT_ALNUM.sub("", _clean(text))


def parse_choice(text: str, options: Mapping[str, str | tuple[str, ...]]) -> str | Invalid:
    """The id of the option picked by its 1-based number, its id, or its label (case and spacing ignored).

    A label may be a string or a tuple of alternative labels. A bare number is the position in the menu as shown
    (ids such as database keys are never shown), then an exact id, then an exact label; last, a unique label that
    starts with the answer (3+ characters) or appears whole in it.
    """
    ids = list(options)
    invalid = Invalid("invalid_choice", {"count": len(ids)})
    whole = _squash(text)
    if not whole:
        return invalid
    kept = [t for t in _tokens(_clean(text)) if not (t.kind == WORD and t.text in _CHOICE_SKIP)]
    core = _NOT_ALNUM.sub("", "".join(t.text for t in kept))
    if len(kept) == 1 and (kept[0].kind == NUM and kept[0].is_int or kept[0].text in _ORDINALS):
        position = int(kept[0].value) if kept[0].kind == NUM else _ORDINALS[kept[0].text]
        if 1 <= position <= len(ids):
            return ids[position - 1]
    labels = {key: [_squash(label) for label in ((value,) if isinstance(value, str) else tuple(value or ()))]
              for key, value in options.items()}
    for answer in (whole, core):
        for key in ids:
            if answer == _squash(key):
                return key
    for answer in (whole, core):
        matches = [key for key in ids if answer in labels[key]]
        if len(matches) == 1:
            return matches[0]
    if len(core) >= 3:
        matches = [key for key in ids if any(label.startswith(core) or len(label) >= 3 and label in whole
                                             for label in labels[key] if label)]
        if len(matches) == 1:
            return matches[0]
    return invalid


_FILLER_WORDS = frozenset({
    "assalamualaikum", "asalamualaikum", "assalamualaikom", "assalamu", "asalamu", "alaikum", "alaikom",
    "askum", "ass", "wr", "wb", "wrwb", "warahmatullahi", "wabarakatuh", "salam", "halo", "hallo", "helo",
    "hello", "hai", "hay", "hi", "kak", "kakak", "ka", "bun", "bunda", "bu", "pak", "mom", "moms", "min", "admin",
    "mimin", "mohon", "tolong", "dong", "donk", "ya", "yah", "sy", "saya", "nih", "deh", "sih", "permisi", "maaf",
    "bidan", "dok", "makasih", "terimakasih", "thanks", "thx", "tq"})
_FILLER_PHRASES = {"selamat": (("selamat", "pagi"), ("selamat", "siang"), ("selamat", "sore"), ("selamat", "malam")),
                   "anak": (("anak", "sy"), ("anak", "saya")), "terima": (("terima", "kasih"),),
                   "good": (("good", "morning"),)}
_CHOICE_SKIP = _CHOICE_FILLER | _FILLER_WORDS
_SEX_LABEL_WORDS = frozenset({"jk", "jenis", "kelamin", "sex", "gender", "anak", "nya", "adalah", "dia", "bayi",
                              "balita", "ini", "yg", "yang", "anaknya", "kak"})
_PUNCTUATION_ONLY = re.compile(r"[-/.,]+")


def normalise(text: str) -> str:
    """Lower-case free text without greetings, filler words, emoji or punctuation noise; numbers and dates kept."""
    words = [w for w in _clean(text).split() if not _PUNCTUATION_ONLY.fullmatch(w)]
    out: list[str] = []
    i = 0
    while i < len(words):
        phrase = next((p for p in _FILLER_PHRASES.get(words[i], ()) if tuple(words[i:i + len(p)]) == p), None)
        if phrase:
            i += len(phrase)
            continue
        if words[i] not in _FILLER_WORDS:
            out.append(words[i])
        i += 1
    return " ".join(out)


# --- quick entry -------------------------------------------------------------------------------------------------

# field → (plausible range, unit, decimals): what a person can plausibly have typed, not WHO's flags.
_FIELD_RANGES = {
    "weight_kg": (0.5, 60.0, "kg", 2),
    "lenhei_cm": (35.0, 200.0, "cm", 1),
    "headc_cm": (25.0, 60.0, "cm", 1),
    "armc_cm": (5.0, 35.0, "cm", 1),
    "age_months": (0.0, 240.0, "months", 2),
}
_FIELD_DIMS = {"weight_kg": "kg", "lenhei_cm": "cm", "headc_cm": "cm", "armc_cm": "cm", "age_months": "months"}
_UNLABELLED_LENHEI = (40.0, 130.0)  # an unlabelled "76 cm" is a length/height only in this band

# phrase → label: ("field", name, implied measure) | ("date", role) | ("skip",) | ("sex",) | ("name",)
_LABELS: dict[tuple[str, ...], tuple] = {
    **dict.fromkeys([("bb",), ("berat",), ("berat", "badan"), ("brt",), ("bbnya",), ("beratnya",)],
                    ("field", "weight_kg", None)),
    **dict.fromkeys([("tb",), ("tinggi",), ("tinggi", "badan"), ("tbnya",), ("tingginya",), ("tgi",)],
                    ("field", "lenhei_cm", "h")),
    **dict.fromkeys([("pb",), ("panjang",), ("panjang", "badan"), ("pbnya",), ("panjangnya",), ("pjg",)],
                    ("field", "lenhei_cm", "l")),
    **dict.fromkeys([("pb", "tb"), ("tb", "pb")], ("field", "lenhei_cm", None)),
    # "BB/TB 9,1/76": two numbers, weight first
    ("bb", "tb"): ("field", "weight_kg", None, ("field", "lenhei_cm", "h")),
    ("bb", "pb"): ("field", "weight_kg", None, ("field", "lenhei_cm", "l")),
    **dict.fromkeys([("lk",), ("lingkar", "kepala"), ("lingkar", "kpl"), ("lkep",), ("lknya",)],
                    ("field", "headc_cm", None)),
    **dict.fromkeys([("lila",), ("lla",), ("lingkar", "lengan"), ("lingkar", "lengan", "atas"), ("lilanya",)],
                    ("field", "armc_cm", None)),
    **dict.fromkeys([("umur",), ("usia",), ("umurnya",), ("usianya",), ("age",)], ("field", "age_months", None)),
    **dict.fromkeys([("lahir",), ("tgl", "lahir"), ("tanggal", "lahir"), ("tl",), ("ttl",), ("lhr",),
                     ("tgl", "lhr"), ("kelahiran",), ("dob",), ("born",), ("birth",), ("lahirnya",)],
                    ("date", "birth_date")),
    **dict.fromkeys([("diukur",), ("ditimbang",), ("tgl", "ukur"), ("tanggal", "ukur"), ("tgl", "timbang"),
                     ("tanggal", "timbang"), ("tgl", "penimbangan"), ("tanggal", "penimbangan"), ("penimbangan",),
                     ("pengukuran",), ("timbang",), ("ukur",), ("measured",)], ("date", "measured_on")),
    # Birth weight/length, NIK, phone, birth order: numbers that are not this visit's measurements.
    **dict.fromkeys([("bb", "lahir"), ("berat", "lahir"), ("berat", "badan", "lahir"), ("pb", "lahir"),
                     ("panjang", "lahir"), ("tb", "lahir"), ("bbl",), ("pbl",), ("nik",), ("hp",), ("wa",),
                     ("anak", "ke"), ("rt",), ("rw",)], ("skip",)),
    **dict.fromkeys([("jk",), ("jenis", "kelamin"), ("kelamin",), ("sex",), ("gender",)], ("sex",)),
    **dict.fromkeys([("nama",), ("name",)], ("name",)),
}
_LABELS_BY_FIRST = {first: sorted(((k, v) for k, v in _LABELS.items() if k[0] == first), key=lambda kv: -len(kv[0]))
                    for first in {k[0] for k in _LABELS}}  # longest phrase first, looked up by its first word
_LABEL_REACH = 4  # a label still applies this many words later ("lahir di rs bunda 3-1-2024")
_PAST_SPAN = frozenset({"terakhir", "lalu", "belakangan", "kemarin", "ini", "yg", "yang"})  # "2 bulan terakhir"
_ENTRY_LYING = frozenset({"telentang", "terlentang", "berbaring", "baring", "rebahan", "lying"})
_ENTRY_STANDING = frozenset({"berdiri", "brdiri", "standing"})
_NAME_SEX_WORDS = frozenset({"putra", "putri"})  # also given names: ignored right after "nama"


def _match_label(toks: list[_Tok], i: int) -> tuple[tuple | None, int]:
    """The longest label phrase starting at toks[i]; "lk" is head circumference only when a number follows."""
    for phrase, label in _LABELS_BY_FIRST.get(toks[i].text, ()):
        words = toks[i:i + len(phrase)]
        if tuple(t.text for t in words) != phrase or any(t.kind != WORD for t in words):
            continue
        if phrase == ("lk",) and not (i + 1 < len(toks) and toks[i + 1].kind == NUM):
            return None, i
        return label, i + len(phrase)
    return None, i


class _Collector:
    """What the scan of a quick entry found, before conflicts are resolved."""

    def __init__(self) -> None:
        self.values: dict[str, list] = {name: [] for name in _FIELD_RANGES}
        self.implied: list[tuple[float, str | None]] = []  # (lenhei, measure its label implies)
        self.sex_strong: list[str] = []
        self.sex_weak: list[str] = []
        self.measures: list[str] = []
        self.dates: list[tuple[str | None, _DateHit]] = []
        self.problems: list[Invalid] = []

    def quantity(self, name: str, q: _Quantity, measure: str | None = None) -> None:
        lo, hi, unit, decimals = _FIELD_RANGES[name]
        value = q.value
        if name == "weight_kg" and q.dim is None and q.is_int and value > hi and lo <= value / 1000 <= hi:
            value /= 1000  # "bb 9100": grams
        value = _round(value, decimals)
        if not lo <= value <= hi:
            self.problems.append(Invalid("number_out_of_range",
                                         {"field": name, "min": lo, "max": hi, "unit": unit, "value": value}))
            return
        self.values[name].append(value)
        if name == "lenhei_cm":
            self.implied.append((value, measure))


def _scan(toks: list[_Tok], hits: list[_DateHit]) -> _Collector:
    found = _Collector()
    label: tuple | None = None
    reach = 0
    in_name = False
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == NEWLINE:
            label, in_name = None, False
            i += 1
            continue
        if tok.kind == DATE:
            role = label[1] if label and label[0] == "date" else None
            found.dates.append((role, hits[int(tok.value)]))
            label, in_name = None, False
            i += 1
            continue
        if tok.kind == NUM:
            q = _read_quantity(toks, i)
            _place_number(found, label, q, toks, q.end)
            label, in_name = (label[3] if label and len(label) > 3 else None), False
            i = q.end
            continue
        matched, j = _match_label(toks, i)
        if matched:
            label, reach, in_name = matched, 0, matched[0] == "name"
            i = j
            continue
        word = _squeeze(tok.text)
        if tok.text in ("l", "p"):
            strong = bool(label and label[0] == "sex")
            (found.sex_strong if strong else found.sex_weak).append(_SEX_LETTERS[tok.text])
        elif (word in _MALE_WORDS or word in _FEMALE_WORDS) and not (in_name and word in _NAME_SEX_WORDS):
            words = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
            if not any(w in _NEGATIONS for w in words):
                found.sex_strong.append("M" if word in _MALE_WORDS else "F")
        elif word in _ENTRY_LYING or word in _ENTRY_STANDING:
            before = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
            negated = any(w in _NEGATIONS for w in before)
            if negated or "bisa" not in before:  # "sudah bisa berdiri" is a milestone, not how it was measured
                position = "l" if word in _ENTRY_LYING else "h"
                found.measures.append(("h" if position == "l" else "l") if negated else position)
        if label:
            reach += 1
            if reach > _LABEL_REACH:
                label = None
        i += 1
    return found


def _place_number(found: _Collector, label: tuple | None, q: _Quantity, toks: list[_Tok], end: int) -> None:
    """Give a number to the field its label names, or else to the field its unit implies."""
    if label and label[0] == "skip":
        return
    if label and label[0] == "date":
        if q.dim is None and q.is_int and 1900 <= q.value <= 2100:  # "lahir 2023": a year without day and month
            found.problems.append(Invalid("incomplete_date", {"field": label[1]}))
            return
        label = None
    if label and label[0] == "field" and (q.dim is None or q.dim == _FIELD_DIMS[label[1]]):
        if q.dim is not None or label[1] != "age_months":  # "umur 2" without a unit: years or months?
            found.quantity(label[1], q, label[2])
        return
    if label and label[0] == "field" and q.dim != "months":
        found.problems.append(Invalid("wrong_unit", {"field": label[1], "unit": _FIELD_RANGES[label[1]][2],
                                                     "given": q.dim}))
        return
    if q.dim == "kg":
        found.quantity("weight_kg", q)
    elif q.dim == "cm" and _UNLABELLED_LENHEI[0] <= q.value <= _UNLABELLED_LENHEI[1]:
        found.quantity("lenhei_cm", q)
    elif q.dim == "months" and not (end < len(toks) and toks[end].kind == WORD and toks[end].text in _PAST_SPAN):
        found.quantity("age_months", q)


def _single(found: _Collector, name: str, values: list):
    """The one value given for a field, or None with a conflicting_values problem when two differ."""
    values = _distinct(values)
    if len(values) > 1:
        found.problems.append(Invalid("conflicting_values", {"field": name, "first": values[0], "second": values[1]}))
        return None
    return values[0] if values else None


def _resolve_dates(found: _Collector, today: date, earliest_birth: date | None) -> tuple[date | None, date | None]:
    roles: dict[str, list[date]] = {"birth_date": [], "measured_on": []}
    unlabelled: list[date] = []
    for role, hit in found.dates:
        if isinstance(hit.value, Invalid):
            guess = role or ("measured_on" if roles["birth_date"] else "birth_date")
            found.problems.append(Invalid(hit.value.key, {**hit.value.params, "field": guess}))
        elif role:
            roles[role].append(hit.value)
        elif hit.relative:  # "kemarin", "hari ini": when the child was weighed
            roles["measured_on"].append(hit.value)
        else:
            unlabelled.append(hit.value)
    # Unlabelled dates: a birth comes before a measurement, so the earliest fills the birth date first.
    for value in sorted(_distinct(unlabelled)):
        if not roles["birth_date"]:
            roles["birth_date"].append(value)
        elif not roles["measured_on"] and value > min(roles["birth_date"]):
            roles["measured_on"].append(value)
        else:
            roles["birth_date"].append(value)
    birth = _single(found, "birth_date", roles["birth_date"])
    measured = _single(found, "measured_on", roles["measured_on"])
    if birth is not None:
        checked = _check_date(birth, today, earliest_birth)
        if isinstance(checked, Invalid):
            found.problems.append(Invalid(checked.key, {**checked.params, "field": "birth_date"}))
            birth = None
    if measured is not None:
        checked = _check_date(measured, today, birth)
        if isinstance(checked, Invalid):
            key = "measured_before_birth" if checked.key == "date_too_early" else checked.key
            params = {"birth_date": birth, "measured_on": measured} if key == "measured_before_birth" else {
                **checked.params, "field": "measured_on"}
            found.problems.append(Invalid(key, params))
            measured = None
    return birth, measured


def extract_quick_entry(text: str, *, today: date, earliest_birth: date | None = None) -> QuickEntry:
    """Every labelled or unit-marked field in one message ("cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm").

    Unlabelled numbers without a unit are ignored (they get asked). A lone "L"/"P" counts as the sex only when the
    message carries another field, because a bare "P" is a WhatsApp ping. TB/tinggi imply standing and PB/panjang
    lying, but explicit words (telentang, berdiri) win. `earliest_birth` optionally bounds the birth date.
    """
    clean = _clean(text)
    hits = _find_dates(clean, today)
    masked = clean
    for index, hit in sorted(enumerate(hits), key=lambda pair: -pair[1].start):
        masked = f"{masked[:hit.start]} #{index} {masked[hit.end:]}"
    found = _scan(_tokens(masked), hits)
    birth, measured = _resolve_dates(found, today, earliest_birth)
    values = {name: _single(found, name, found.values[name]) for name in _FIELD_RANGES}
    measure = _single(found, "measure", found.measures)
    if measure is None and not found.measures and values["lenhei_cm"] is not None:
        implied = [m for value, m in found.implied if value == values["lenhei_cm"] and m]
        measure = _single(found, "measure", implied)
    sex = _single(found, "sex", found.sex_strong)
    has_other = birth or measured or any(v is not None for v in values.values())
    if sex is None and not found.sex_strong and found.sex_weak and has_other:
        sex = _single(found, "sex", found.sex_weak)
    return QuickEntry(sex=sex, birth_date=birth, weight_kg=values["weight_kg"], lenhei_cm=values["lenhei_cm"],
                      measure=measure, headc_cm=values["headc_cm"], armc_cm=values["armc_cm"], measured_on=measured,
                      age_months=values["age_months"], problems=tuple(found.problems))
