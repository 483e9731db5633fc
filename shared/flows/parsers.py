"""Pure parsers for how parents and kader write numbers, dates, sex, short answers and worries (domain-id D6, D7).
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
    weight_kg: float | None = None  # the latest weight when the message gives a change ("turun dr 10,1 jd 9,7")
    previous_weight_kg: float | None = None  # the earlier weight of such a change; None without change words
    lenhei_cm: float | None = None
    measure: str | None = None  # 'l' or 'h' only when said in words (telentang, berdiri), never from TB/PB
    lenhei_label: str | None = None  # "tb" or "pb": the label the length came with; None for neither or both
    headc_cm: float | None = None
    armc_cm: float | None = None
    oedema: bool | None = None  # True: swollen feet/legs said; False: "tidak bengkak" said; None: not said
    measured_on: date | None = None
    age_months: float | None = None  # a hint only ("umur 2th 1bln"); the birth date is still asked
    concerns: tuple[str, ...] = ()  # sorted "danger_sign", "food_refusal", "illness": worries, not measurements
    problems: tuple[Invalid, ...] = ()

    def fields(self) -> dict:
        """The measurement fields that were found, by name (concerns and problems excluded)."""
        return {name: getattr(self, name) for name in _ENTRY_FIELDS if getattr(self, name) is not None}

    @property
    def is_empty(self) -> bool:
        """True when nothing about the child's size or dates was found: a message that only says "kaki tidak
        bengkak" is not a measurement (there may still be problems or concerns to answer)."""
        return not any(v for k, v in self.fields().items() if k not in _NOT_ON_THEIR_OWN)


_ENTRY_FIELDS = ("sex", "birth_date", "weight_kg", "previous_weight_kg", "lenhei_cm", "measure", "lenhei_label",
                 "headc_cm", "armc_cm", "oedema", "measured_on", "age_months")
_NOT_ON_THEIR_OWN = frozenset({"oedema", "lenhei_label", "measure"})  # details of a measurement, never one alone

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

# phrase → label: ("field", name, lenhei label) | ("date", role) | ("skip",) | ("sex",) | ("name",).
# A TB/PB label only records the word used: parents write "tb" for any length, a baby's measured lying too,
# so the measuring position comes from words such as "telentang" or "berdiri", never from the label.
_LABELS: dict[tuple[str, ...], tuple] = {
    **dict.fromkeys([("bb",), ("berat",), ("berat", "badan"), ("brt",), ("bbnya",), ("beratnya",), ("weight",)],
                    ("field", "weight_kg", None)),
    **dict.fromkeys([("tb",), ("tinggi",), ("tinggi", "badan"), ("tbnya",), ("tingginya",), ("tgi",)],
                    ("field", "lenhei_cm", "tb")),
    **dict.fromkeys([("pb",), ("panjang",), ("panjang", "badan"), ("pbnya",), ("panjangnya",), ("pjg",)],
                    ("field", "lenhei_cm", "pb")),
    **dict.fromkeys([("pb", "tb"), ("tb", "pb")], ("field", "lenhei_cm", None)),
    # "BB/TB 9,1/76": two numbers, weight first
    ("bb", "tb"): ("field", "weight_kg", None, ("field", "lenhei_cm", "tb")),
    ("bb", "pb"): ("field", "weight_kg", None, ("field", "lenhei_cm", "pb")),
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
_THEN_WEIGHT = ("then",)  # after "bb 10,1 turun jadi", a bare number is the newer weight


def _squeezed(*words: str) -> frozenset[str]:
    """A vocabulary as _squeeze leaves it, so "feet" and "fet" meet."""
    return frozenset(_squeeze(w) for w in words)


# A span of time is not an age: "2 bulan terakhir", "udah 2 minggu", "selama 3 hari", "sejak 2 minggu".
_PAST_SPAN = frozenset({"terakhir", "lalu", "belakangan", "kemarin", "ini", "yg", "yang"})  # after the number
_SPAN_BEFORE = frozenset({"udah", "sudah", "sdh", "udh", "selama", "sejak", "since", "for"})  # before it
_SPAN_HEDGES = frozenset({"sekitar", "hampir", "lebih", "kurang", "kira", "about", "almost", "over", "nearly"})
_ALREADY = frozenset({"udah", "sudah", "sdh", "udh"})
# ...but "anak sy sudah 16 bulan" is how old the child is. Weeks and days after "sudah" stay a span even then:
# "anak sy udah 2 minggu GTM" is how long the worry has lasted.
_CHILD_WORDS = frozenset({"anak", "anaknya", "anakku", "bayi", "bayinya", "bayiku", "dia", "adek", "adik", "dede",
                          "kecil", "putra", "putri", "putraku", "putriku", "baby", "son", "daughter"})
_CHILD_FILLER = frozenset({"sy", "saya", "aku", "ku", "kami", "ini", "yg", "yang", "skrg", "sekarang"})
_SHORT_SPAN_UNITS = frozenset(w for w, (dim, factor) in _UNITS.items() if dim == "months" and factor < 1)

_ENTRY_LYING = frozenset({"telentang", "terlentang", "berbaring", "baring", "tiduran", "rebahan", "lying"})
_ENTRY_STANDING = frozenset({"berdiri", "brdiri", "standing"})
_SLEEP_POSITION = frozenset({"diukur", "sambil", "posisi", "ukur"})  # "diukur tidur" is lying; "susah tidur" is not
_NAME_SEX_WORDS = frozenset({"putra", "putri"})  # also given names: ignored right after "nama"

# Two weights are a history when change words put one after the other: "bb turun dr 10,1 jd 9,7 kg",
# "dari 10,1 kg sekarang 9,7 kg". Without them two weights are a typo to ask about ("bb 9,1 bb 9,5").
_CHANGE_WORDS = _squeezed("jadi", "jd", "jdi", "menjadi", "mjd", "sekarang", "skrg", "skg", "skrang", "sekrg",
                          "kini", "tinggal", "turun", "naik", "now", "dropped", "fell", "went", "became", "rose")
_FROM_WORDS = frozenset({"dari", "dr", "from"})
_TO_WORDS = frozenset({"ke", "to"})  # a change only right after "dari": in "bb 9 kg ke posyandu" it is a trip
_FROM_REACH = 3  # "dari" still opens a change this many tokens before the weight ("dari bb 10,1")
# A number right after "naik"/"turun" is how much the weight changed ("naik 3 ons", "turun 1 kg"), not a weight.
_AMOUNT_VERBS = _squeezed("naik", "turun", "bertambah", "berkurang", "nambah", "gained", "lost", "gain", "lose",
                          "up", "down")
_AMOUNT_HEDGES = _squeezed("sekitar", "sktr", "kira", "kurang", "lebih", "cuma", "hanya", "sebanyak", "hampir",
                           "about", "around", "only", "by", "almost")
_MAX_CHANGE_KG = 2.0  # a month's gain is 0.2-0.9 kg (KBM, domain-id D3); below 2 kg is a weight only for a newborn


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


def _grams_to_kg(name: str, q: _Quantity) -> float:
    """The value as a weight in kg: a whole number above the range that lands in it as grams is grams ("bb 9100")."""
    lo, hi, _unit, _decimals = _FIELD_RANGES[name]
    if name == "weight_kg" and q.dim is None and q.is_int and q.value > hi and lo <= q.value / 1000 <= hi:
        return q.value / 1000
    return q.value


class _Collector:
    """What the scan of a quick entry found, before conflicts are resolved."""

    def __init__(self) -> None:
        self.values: dict[str, list] = {name: [] for name in _FIELD_RANGES}
        self.lenhei_labels: list[tuple[float, str | None]] = []  # (lenhei, "tb"/"pb" label it came with)
        self.weight_runs: list[list[float]] = [[]]  # weights, split where a change word stands between two
        self.changed = False  # a change word since the last weight
        self.last_field: str | None = None  # where the last number went: change words follow a weight only
        self.sex_strong: list[str] = []
        self.sex_weak: list[str] = []
        self.measures: list[str] = []
        self.dates: list[tuple[str | None, _DateHit]] = []
        self.problems: list[Invalid] = []

    def quantity(self, name: str, q: _Quantity, lenhei_label: str | None = None) -> str:
        lo, hi, unit, decimals = _FIELD_RANGES[name]
        value = _round(_grams_to_kg(name, q), decimals)
        if not lo <= value <= hi:
            self.problems.append(Invalid("number_out_of_range",
                                         {"field": name, "min": lo, "max": hi, "unit": unit, "value": value}))
            return name
        self.values[name].append(value)
        if name == "weight_kg":
            if self.changed and self.weight_runs[-1]:
                self.weight_runs.append([])
            self.weight_runs[-1].append(value)
            self.changed = False
        if name == "lenhei_cm":
            self.lenhei_labels.append((value, lenhei_label))
        return name


def _scan(toks: list[_Tok], hits: list[_DateHit]) -> _Collector:
    found = _Collector()
    label: tuple | None = None
    reach = 0
    in_name = False
    from_at = -_FROM_REACH - 1  # index of the last "dari"
    weight_after_from = False  # the last weight followed "dari", so "ke" may name the next one
    words_since_number = 0  # a change word belongs to the weight only within a label's reach of it
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
            placed = None if _is_change_amount(toks, i, q, label) else _place_number(found, label, q, toks, i)
            found.last_field, words_since_number = placed, 0
            if placed == "weight_kg":
                weight_after_from = i - from_at <= _FROM_REACH
            label, in_name = (label[3] if label and len(label) > 3 else None), False
            i = q.end
            continue
        matched, j = _match_label(toks, i)
        if matched:
            label, reach, in_name = matched, 0, matched[0] == "name"
            i = j
            continue
        word = _squeeze(tok.text)
        words_since_number += 1
        near_weight = found.last_field == "weight_kg" and words_since_number <= _LABEL_REACH
        if word in _FROM_WORDS:
            from_at = i
        elif near_weight and (word in _CHANGE_WORDS or word in _TO_WORDS and weight_after_from):
            found.changed = True
            label, reach = _THEN_WEIGHT, 0
            i += 1
            continue
        if tok.text in ("l", "p"):
            strong = bool(label and label[0] == "sex")
            (found.sex_strong if strong else found.sex_weak).append(_SEX_LETTERS[tok.text])
        elif (word in _MALE_WORDS or word in _FEMALE_WORDS) and not (in_name and word in _NAME_SEX_WORDS):
            words = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
            if not any(w in _NEGATIONS for w in words):
                found.sex_strong.append("M" if word in _MALE_WORDS else "F")
        elif (word in _ENTRY_LYING or word in _ENTRY_STANDING
              or word == "tidur" and i > 0 and toks[i - 1].text in _SLEEP_POSITION):
            before = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
            negated = any(w in _NEGATIONS for w in before)
            if negated or "bisa" not in before:  # "sudah bisa berdiri" is a milestone, not how it was measured
                position = "h" if word in _ENTRY_STANDING else "l"
                found.measures.append(("h" if position == "l" else "l") if negated else position)
        if label:
            reach += 1
            if reach > _LABEL_REACH:
                label = None
        i += 1
    return found


def _is_change_amount(toks: list[_Tok], i: int, q: _Quantity, label: tuple | None) -> bool:
    """True for the number in "naik 3 ons" or "bb turun 1 kg": how much the weight changed, not a weight."""
    weight_label = label is not None and (label == _THEN_WEIGHT or label[:2] == ("field", "weight_kg"))
    if not (q.dim == "kg" or q.dim is None and weight_label):
        return False
    j = i - 1
    while j >= 0 and toks[j].kind == WORD and _squeeze(toks[j].text) in _AMOUNT_HEDGES:
        j -= 1
    after_verb = j >= 0 and toks[j].kind == WORD and _squeeze(toks[j].text) in _AMOUNT_VERBS
    return after_verb and _grams_to_kg("weight_kg", q) < _MAX_CHANGE_KG


def _is_span(toks: list[_Tok], start: int, end: int) -> bool:
    """True when a number of months, weeks or days is how long something lasted, not the child's age."""
    if end < len(toks) and toks[end].kind == WORD and toks[end].text in _PAST_SPAN:
        return True
    j = start - 1
    while j >= 0 and toks[j].kind == WORD and toks[j].text in _SPAN_HEDGES:
        j -= 1
    if j < 0 or toks[j].kind != WORD or toks[j].text not in _SPAN_BEFORE:
        return False
    if toks[j].text not in _ALREADY or toks[start + 1].text in _SHORT_SPAN_UNITS:
        return True
    k = j - 1
    while k >= 0 and toks[k].kind == WORD and toks[k].text in _CHILD_FILLER:
        k -= 1
    return not (k >= 0 and toks[k].kind == WORD and toks[k].text in _CHILD_WORDS)


def _place_number(found: _Collector, label: tuple | None, q: _Quantity, toks: list[_Tok], start: int) -> str | None:
    """Give a number to the field its label names, or else to the field its unit implies; returns that field."""
    if label and label[0] == "skip":
        return None
    if label == _THEN_WEIGHT:
        lo, hi, _unit, decimals = _FIELD_RANGES["weight_kg"]
        if q.dim is None:  # a bare number that cannot be a weight is left unread, as any unlabelled one is
            plausible = lo <= _round(_grams_to_kg("weight_kg", q), decimals) <= hi
            return found.quantity("weight_kg", q) if plausible else None
        label = None  # "jadi 76 cm": the unit says what it is
    if label and label[0] == "date":
        if q.dim is None and q.is_int and 1900 <= q.value <= 2100:  # "lahir 2023": a year without day and month
            found.problems.append(Invalid("incomplete_date", {"field": label[1]}))
            return None
        label = None
    if label and label[0] == "field" and (q.dim is None or q.dim == _FIELD_DIMS[label[1]]):
        if q.dim is not None or label[1] != "age_months":  # "umur 2" without a unit: years or months?
            return found.quantity(label[1], q, label[2])
        return None
    if label and label[0] == "field" and q.dim != "months":
        found.problems.append(Invalid("wrong_unit", {"field": label[1], "unit": _FIELD_RANGES[label[1]][2],
                                                     "given": q.dim}))
        return None
    if q.dim == "kg":
        return found.quantity("weight_kg", q)
    if q.dim == "cm" and _UNLABELLED_LENHEI[0] <= q.value <= _UNLABELLED_LENHEI[1]:
        return found.quantity("lenhei_cm", q)
    if q.dim == "months" and not _is_span(toks, start, q.end):
        return found.quantity("age_months", q)
    return None


def _single(found: _Collector, name: str, values: list):
    """The one value given for a field, or None with a conflicting_values problem when two differ."""
    values = _distinct(values)
    if len(values) > 1:
        found.problems.append(Invalid("conflicting_values", {"field": name, "first": values[0], "second": values[1]}))
        return None
    return values[0] if values else None


def _resolve_weights(found: _Collector) -> tuple[float | None, float | None]:
    """The latest weight and, when change words ordered two of them, the one before it."""
    runs = [_single(found, "weight_kg", run) for run in found.weight_runs if run]
    if not runs:
        return None, None
    weight = runs[-1]
    # With three ("dari 10,5 jadi 10,1 sekarang 9,7"), the one just before now is the weighing to compare with.
    previous = runs[-2] if len(runs) > 1 and weight is not None else None
    return weight, previous


def _resolve_lenhei_label(found: _Collector, lenhei: float | None) -> str | None:
    """"tb" or "pb" when the length came with one of them; None when with neither or both."""
    labels = {label for value, label in found.lenhei_labels if label and value == lenhei}
    return labels.pop() if len(labels) == 1 else None


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


# --- worries and oedema said in words (domain-id D7) -------------------------------------------------------------

_JOINED = re.compile(r"(?<=[a-z])-(?=[a-z])")  # "muntah-muntah", "ubun-ubun", "laki-laki"
_SILENT = re.compile(r"['’`:=()\[\]*_~\"]")  # "won't" is "wont"; "edema: (-)" keeps its "-"; not a pause
_PHRASE_TOKEN = re.compile(r"\n|[a-z]+|[0-9]+(?:[.,][0-9]+)*|-|\S")
_PAUSE, _QUESTION, _NUMBER, _LINE_END = "|", "?", "#", "$"  # a comma or other mark, "?", a number, a line break


def _phrase_words(text: str, stems: frozenset[str]) -> list[str]:
    """Squeezed words with marks for pauses, numbers and line ends; "kakinya" → "kaki" when "kaki" is a stem."""
    text = unicodedata.normalize("NFKC", text[:_MAX_CHARS]).lower()
    text = _REDUPLICATION.sub(r"\1 \1", _SILENT.sub("", _JOINED.sub(" ", text)))
    words = []
    for raw in _PHRASE_TOKEN.findall(text):
        if raw == "\n":
            words.append(_LINE_END)
        elif raw in ("-", _QUESTION):
            words.append(raw)
        elif raw[0].isdigit():
            words.append(_NUMBER)
        elif not raw[0].isalpha():
            words.append(_PAUSE)
        else:  # the suffix goes before squeezing: "makannya" would squeeze to "makanya"
            stem = _squeeze(raw[:-3]) if raw.endswith("nya") else ""
            words.append(stem if stem in stems else _squeeze(raw))
    return words


_BREAKS = frozenset({_PAUSE, _QUESTION, _NUMBER, _LINE_END})
# Colloquial "tak", "kagak" and "tanpa" negate a worry ("tanpa demam") as much as "tidak" does.
_WORRY_NEGATIONS = _NEGATIONS | _squeezed("tak", "kagak", "kaga", "g", "tanpa", "without", "never", "nggak",
                                          "ngga", "enggak", "engga")


def _negated_before(words: list[str], i: int, skip: frozenset[str]) -> bool:
    """True when a negation comes before words[i] with only `skip` words between ("tidak ada demam")."""
    j = i - 1
    while j >= 0 and words[j] in skip:
        j -= 1
    return j >= 0 and words[j] in _WORRY_NEGATIONS


_SWELLING = _squeezed("bengkak", "membengkak", "sembab", "swollen", "swelling", "swell", "swells")
_OEDEMA_WORDS = _squeezed("edema", "oedema", "udem", "udema", "edem", "oedem", "odem", "odema")  # names it outright
_FEET = _squeezed("kaki", "tungkai", "feet", "foot", "leg", "legs", "ankle", "ankles", "seluruh", "sekujur")
# Swelling from a jab, a fall or a bite is not nutritional oedema, even on a leg (DPT goes into the thigh)...
_SWELLING_CAUSES = _squeezed(
    "suntik", "suntikan", "imunisasi", "vaksin", "vaksinasi", "bekas", "jatuh", "terbentur", "kebentur", "digigit",
    "gigitan", "nyamuk", "bisul", "keseleo", "terkilir", "injection", "vaccine", "vaccination", "shot", "bite")
# ...and neither is a swelling of the gums, cheek or eyes alone.
_SWELLING_SITES = _squeezed("gusi", "pipi", "mata", "kelopak", "bibir", "leher", "kelenjar", "benjol", "benjolan",
                            "telinga", "gums", "cheek", "eye", "eyes", "lip", "neck")
_OEDEMA_SKIP = _squeezed("ada", "terlihat", "tampak", "kelihatan", "tanda", "yg", "yang", "kaki", "tungkai", "di",
                         "kedua", "dua", "punggung", "sama", "sekali", "juga", "jg", "pernah", "lagi", "lg", "any",
                         "sign", "signs", "of", "the", "feet", "legs", "are", "is")
_ABSENT_MARKS = frozenset({"-", "negatif", "neg", "negative", "nihil", "none", "absent"})  # register style: "edema: -"
_OEDEMA_REACH = 4  # a foot word this many words either side belongs to the swelling ("bengkak di kedua kaki")


def _find_oedema(words: list[str]) -> bool | None:
    """True when swollen feet/legs (or "edema") are stated, False for "tidak bengkak"; None if unsaid or both."""
    said: set[bool] = set()
    for i, word in enumerate(words):
        if word not in _SWELLING and word not in _OEDEMA_WORDS:
            continue
        lo = hi = i
        while lo > 0 and i - lo < _OEDEMA_REACH and words[lo - 1] not in _BREAKS:
            lo -= 1
        while hi + 1 < len(words) and hi - i < _OEDEMA_REACH and words[hi + 1] not in _BREAKS:
            hi += 1
        near = set(words[lo:hi + 1])
        if near & _SWELLING_CAUSES or near & _SWELLING_SITES and not near & _FEET:
            continue
        if _negated_before(words, i, _OEDEMA_SKIP) or i + 1 < len(words) and words[i + 1] in _ABSENT_MARKS:
            said.add(False)
            continue
        clause_end = next((j for j in range(i + 1, len(words)) if words[j] in _BREAKS), len(words))
        after = words[i + 1:clause_end]
        negation_after = next((j for j, w in enumerate(after) if w in _WORRY_NEGATIONS), None)
        if negation_after is not None:
            # "bengkak tidak ada" / "edema: tidak" at the end of a clause is an answer; "bengkak gak ya" is a question
            if after[negation_after + 1:] in ([], ["ada"]) and words[clause_end:clause_end + 1] != [_QUESTION]:
                said.add(False)
            continue
        if word in _OEDEMA_WORDS or near & _FEET:
            said.add(True)
    return said.pop() if len(said) == 1 else None


class _Phrase(NamedTuple):
    """One way of naming a worry: a word set per slot, matched word by word."""

    concern: str
    slots: tuple[frozenset[str], ...]
    not_after: frozenset[str] = frozenset()  # the phrase means something else after these ("rumah sakit")
    not_before: frozenset[str] = frozenset()  # ...or before these ("tidak sadar kalau", "tidak bisa minum obat")


_WORRY_SETS = {
    "NEG": _WORRY_NEGATIONS,
    "WANT": _squeezed("mau", "mw", "mo", "maw", "bisa", "bs", "doyan"),
    "NEGWANT": _squeezed("gamau", "gmau", "gamw", "gakmau", "ngamau", "ogah", "emoh", "gabisa", "gbs"),
    "EAT": _squeezed("makan", "mkn", "mam", "maem", "mamam", "mkan", "makanan"),
    "APPETITE": _squeezed("nafsu", "napsu"),
    "DOWN": _squeezed("turun", "kurang", "berkurang", "menurun", "hilang", "ilang", "jelek", "buruk", "rendah"),
    "SUCKLE": _squeezed("menyusu", "nyusu", "netek", "nenen", "menetek", "mimik", "asi", "menyusui", "disusui"),
    "ILL": _squeezed("sakit", "demam", "panas", "diare", "mencret", "batuk", "pilek", "muntah", "flu", "meriang",
                     "lemas", "lemes", "fever", "sick", "diarrhea", "diarrhoea", "cough", "coughing", "vomit",
                     "vomits", "vomiting", "vomited"),
    "PERSIST": _squeezed("terus", "trus", "trs", "terusan", "semua", "smua", "semuanya", "melulu", "mulu", "tiap",
                         "setiap", "stiap"),
    "WEAK": _squeezed("lemas", "lemes", "lemah", "lesu", "loyo"),
    "VERY": _squeezed("sangat", "sgt", "amat", "terlalu"),
    "VERY_AFTER": _squeezed("sekali", "skali", "banget", "bgt", "bngt", "bener", "amat", "parah"),
    "BREATH": _squeezed("napas", "nafas", "bernapas", "bernafas"),
    "FAST": _squeezed("cepat", "cepet", "cpt", "sesak", "berat", "tersengal", "ngos"),
    "HARD": _squeezed("susah", "sulit", "sukar", "susa"),
}
_NOT_REALISE = _squeezed("kalau", "klo", "kalo", "kl", "bahwa", "jika", "if", "that")
_WORRY_PHRASES_SPEC = (
    # "GTM" (gerakan tutup mulut): the child refuses food (domain-id D6); "makan" alone is no worry.
    ("food_refusal", "gtm"), ("food_refusal", "tutup mulut"), ("food_refusal", "NEG WANT EAT"),
    ("food_refusal", "NEGWANT EAT"), ("food_refusal", "HARD EAT"), ("food_refusal", "malas/males EAT"),
    ("food_refusal", "menolak/mogok EAT"), ("food_refusal", "APPETITE EAT DOWN"),
    ("food_refusal", "NEG APPETITE EAT"), ("food_refusal", "NEG ada APPETITE EAT"),
    ("food_refusal", "DOWN APPETITE EAT"), ("food_refusal", "NEG mau/mw/mo minum"), ("food_refusal", "NEGWANT minum"),
    ("food_refusal", "wont/doesnt/dont/isnt/not/cant/cannot/refuses/refusing/refuse eat/eating/food"),
    ("food_refusal", "refuses/refusing/refuse to eat"), ("food_refusal", "poor/no/lost appetite"),
    ("food_refusal", "loss of appetite"),
    ("illness", "ILL"), ("illness", "bab/berak/pup cair"),
    # MTBS general danger signs and D7's other urgent signs: bawa ke puskesmas/IGD sekarang.
    ("danger_sign", "kejang/step/stip/convulsion/convulsions/convulsing/seizure/seizures"),
    ("danger_sign", "muntah PERSIST"), ("danger_sign", "selalu/slalu muntah"),
    ("danger_sign", "memuntahkan semua/semuanya/apapun"), ("danger_sign", "muntah apa saja/aja/pun"),
    ("danger_sign", "vomit/vomits/vomiting everything/all"), ("danger_sign", "keeps/kept vomiting"),
    ("danger_sign", "NEG sadar/sadarkan"), ("danger_sign", "pingsan/unconscious/fainted"),
    ("danger_sign", "VERY WEAK"), ("danger_sign", "WEAK VERY_AFTER"),
    ("danger_sign", "lunglai/letargi/letargis/lethargic"),
    ("danger_sign", "NEG WANT SUCKLE"), ("danger_sign", "NEGWANT SUCKLE"), ("danger_sign", "NEG WANT minum asi"),
    ("danger_sign", "NEGWANT minum asi"), ("danger_sign", "NEG bisa/bs minum"),
    ("danger_sign", "wont/cant/cannot/not/refuses breastfeed/breastfeeding/nurse/nursing"),
    ("danger_sign", "cant/cannot drink"), ("danger_sign", "unable to drink"),
    ("danger_sign", "sesak"), ("danger_sign", "BREATH FAST"), ("danger_sign", "HARD BREATH"),
    ("danger_sign", "tarikan dinding dada"), ("danger_sign", "cant/cannot breathe"),
    ("danger_sign", "breathing fast/hard"), ("danger_sign", "fast/difficult/difficulty/trouble breathing"),
    ("danger_sign", "short/shortness of breath"),
    ("danger_sign", "mata/ubun cekung"), ("danger_sign", "sunken eyes/eye"), ("danger_sign", "eyes sunken"),
)
_WORRY_EXCEPTIONS = {
    "ILL": (_squeezed("rumah", "rmh"), frozenset()),  # "lahir di rumah sakit" is where, not a worry
    "NEG sadar/sadarkan": (_squeezed("saya", "sy", "aku", "aq", "kami", "gue", "gw"), _NOT_REALISE),  # "realise"
    "NEG bisa/bs minum": (frozenset(), _squeezed("obat", "vitamin", "puyer", "sirup", "sirop", "jamu")),
    "cant/cannot drink": (frozenset(), _squeezed("obat", "medicine")),
}


def _compile_phrase(concern: str, spec: str) -> _Phrase:
    """"NEG WANT EAT" → one set per slot: a named set, or alternatives written "a/b"."""
    slots = tuple(_WORRY_SETS[slot] if slot in _WORRY_SETS else _squeezed(*slot.split("/")) for slot in spec.split())
    not_after, not_before = _WORRY_EXCEPTIONS.get(spec, (frozenset(), frozenset()))
    return _Phrase(concern, slots, not_after, not_before)


_WORRY_PHRASES = tuple(_compile_phrase(concern, spec) for concern, spec in _WORRY_PHRASES_SPEC)
# Words allowed between a negation and what it negates: "tidak ada demam", "gak pernah kejang".
_WORRY_SKIP = _squeezed("ada", "pernah", "lagi", "lg", "sedang", "sdg", "juga", "jg", "sama", "sekali", "mengalami",
                        "kena", "terkena", "any", "sampai", "sampe")
# For illness words also a list: "tidak batuk pilek", "no fever or cough". Danger signs never hide behind one.
_ILLNESS_SKIP = _WORRY_SKIP | _WORRY_SETS["ILL"] | _squeezed("dan", "atau", "maupun", "ataupun", "and", "or", "nor")
_PHRASE_STEMS = frozenset().union(*(s for p in _WORRY_PHRASES for s in p.slots), _SWELLING, _OEDEMA_WORDS, _FEET,
                                  _SWELLING_SITES) - _WORRY_NEGATIONS


def _find_concerns(words: list[str]) -> tuple[str, ...]:
    """The worries a message names (food_refusal, illness, danger_sign), sorted; negated ones are left out."""
    found: set[str] = set()
    for i in range(len(words)):
        for phrase in _WORRY_PHRASES:
            n = len(phrase.slots)
            if phrase.concern in found or i + n > len(words):
                continue
            if not all(words[i + k] in slot for k, slot in enumerate(phrase.slots)):
                continue
            if i > 0 and words[i - 1] in phrase.not_after or i + n < len(words) and words[i + n] in phrase.not_before:
                continue
            opens_negated = phrase.slots[0] in (_WORRY_NEGATIONS, _WORRY_SETS["NEGWANT"])
            skip = _ILLNESS_SKIP if phrase.concern == "illness" else _WORRY_SKIP
            if not opens_negated and _negated_before(words, i, skip):
                continue
            found.add(phrase.concern)
    return tuple(sorted(found))


def extract_quick_entry(text: str, *, today: date, earliest_birth: date | None = None) -> QuickEntry:
    """Every labelled or unit-marked field in one message ("cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm").

    Unlabelled numbers without a unit are ignored (they get asked). A lone "L"/"P" counts as the sex only when the
    message carries another field, because a bare "P" is a WhatsApp ping. `measure` comes only from words
    (telentang, diukur tidur → 'l'; berdiri → 'h'): parents write "tb" for any length, so a TB/PB label only
    sets `lenhei_label`. Two weights joined by change words ("bb turun dr 10,1 jd 9,7") give `previous_weight_kg`
    and `weight_kg`; "tidak bengkak" or "kedua kaki bengkak" sets `oedema`; `concerns` names food refusal, illness
    and danger signs. A span such as "udah 2 minggu" is not an age. `earliest_birth` optionally bounds the birth date.
    """
    clean = _clean(text)
    hits = _find_dates(clean, today)
    masked = clean
    for index, hit in sorted(enumerate(hits), key=lambda pair: -pair[1].start):
        masked = f"{masked[:hit.start]} #{index} {masked[hit.end:]}"
    found = _scan(_tokens(masked), hits)
    birth, measured = _resolve_dates(found, today, earliest_birth)
    weight, previous = _resolve_weights(found)
    values = {name: _single(found, name, found.values[name]) for name in _FIELD_RANGES if name != "weight_kg"}
    measure = _single(found, "measure", found.measures)
    sex = _single(found, "sex", found.sex_strong)
    has_other = birth or measured or weight is not None or any(v is not None for v in values.values())
    if sex is None and not found.sex_strong and found.sex_weak and has_other:
        sex = _single(found, "sex", found.sex_weak)
    words = _phrase_words(text, _PHRASE_STEMS) if isinstance(text, str) else []
    return QuickEntry(sex=sex, birth_date=birth, weight_kg=weight, previous_weight_kg=previous,
                      lenhei_cm=values["lenhei_cm"], measure=measure,
                      lenhei_label=_resolve_lenhei_label(found, values["lenhei_cm"]), headc_cm=values["headc_cm"],
                      armc_cm=values["armc_cm"], oedema=_find_oedema(words), measured_on=measured,
                      age_months=values["age_months"], concerns=_find_concerns(words), problems=tuple(found.problems))
