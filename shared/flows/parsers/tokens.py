"""What every parser starts from: the Invalid answer, cleaned text, the token stream and the unit words."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from shared.domain.growth import ages


@dataclass(frozen=True)
class Invalid:
    """Why an answer could not be used: a message-catalogue key and the values that fill the message."""

    key: str
    params: dict = field(default_factory=dict)


MAX_CHARS = 4096  # WhatsApp's own text-message limit: anything longer is not something a person typed
_NOISE = re.compile(r"[^a-z0-9,./\-\n ]+")  # emoji, quotes, ?!, *bold*, brackets, ':' and '='
_LOOSE_POINT = re.compile(r"(?<![0-9])[.,]|[.,](?![0-9])")  # sentence punctuation, not a decimal mark
_SPACES = re.compile(r"[ \t]+")
REDUPLICATION = re.compile(r"\b([a-z]{2,})2\b")  # "laki2" is how "laki-laki" is typed
_TOKEN = re.compile(r"\n|#[0-9]+|(?:(?<![0-9a-z])-)?[0-9]+(?:[.,][0-9]+)*|[a-z]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})+")
_MAX_DIGITS = 12  # longer digit runs are phone numbers or NIK, never a measurement

NUM, WORD, DATE, NEWLINE = "num", "word", "date", "newline"


class Tok(NamedTuple):
    """A number (its value, and whether it was written whole), a word, a masked date ("#0") or a line break."""

    kind: str
    text: str
    value: float = 0.0
    is_int: bool = False


def clean_text(text: object) -> str:
    """Lower-case ASCII text keeping only what can carry meaning: words, numbers, date separators, line breaks."""
    if not isinstance(text, str):
        return ""
    text = text[:MAX_CHARS].replace("½", " setengah ")  # NFKC would turn "7½" into "71⁄2"
    text = unicodedata.normalize("NFKC", text).lower().replace("\r", "\n")
    text = _NOISE.sub(" ", text)
    text = _LOOSE_POINT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


_REPEATS = re.compile(r"([a-z])\1+")


def squeeze(word: str) -> str:
    """Collapse repeated letters, so "iyaaa", "okee" and "cewekk" meet their vocabulary."""
    return _REPEATS.sub(r"\1", word)


def squeezed(*words: str) -> frozenset[str]:
    """A vocabulary as squeeze leaves it, so "feet" and "fet" meet."""
    return frozenset(squeeze(w) for w in words)


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


def _number_token(raw: str) -> Tok:
    """A digit token as a number; long digit runs and oddly grouped ones stay words (not measurements)."""
    body = raw.lstrip("-")
    sign = -1.0 if raw.startswith("-") else 1.0
    digits = sum(ch.isdigit() for ch in body)
    if digits > _MAX_DIGITS:
        return Tok(WORD, raw)
    separators = sum(ch in ".," for ch in body)
    if separators == 0:
        return Tok(NUM, raw, sign * float(body), True)
    if separators == 1:
        # A single separator is a decimal mark: "9.100" kg is 9.1 (and 9100 g is 9.1 kg too, so both readings agree).
        return Tok(NUM, raw, sign * float(body.replace(",", ".")), False)
    if _GROUPED.fullmatch(body):  # "1.250.000": thousands grouping
        return Tok(NUM, raw, sign * float(body.replace(".", "").replace(",", "")), True)
    return Tok(WORD, raw)


def tokenize(clean: str) -> list[Tok]:
    """Numbers (digits or words, "9 koma 8", "tujuh setengah"), words, date placeholders and line breaks."""
    raw = _TOKEN.findall(REDUPLICATION.sub(r"\1 \1", clean))
    out: list[Tok] = []
    i = 0
    while i < len(raw):
        word = raw[i]
        if word == "\n":
            out.append(Tok(NEWLINE, word))
        elif word[0] == "#":
            out.append(Tok(DATE, word, float(word[1:])))
        elif word[0].isdigit() or word[0] == "-":
            out.append(_number_token(word))
        elif word in _NUMBER_STARTS:
            value, i = _read_word_number(raw, i)
            out.append(Tok(NUM, str(value), float(value), True))
            continue
        elif word == "koma" and out and out[-1].kind == NUM and out[-1].is_int:
            digits, j = _read_decimal_digits(raw, i + 1)
            if digits:
                out[-1] = _number_token(f"{out[-1].text},{digits}")
                i = j
                continue
            out.append(Tok(WORD, word))
        elif word == "setengah":
            if out and out[-1].kind == NUM and out[-1].is_int and out[-1].value >= 0:
                out[-1] = Tok(NUM, out[-1].text + ",5", out[-1].value + 0.5, False)
            else:
                out.append(Tok(NUM, "0,5", 0.5, False))
        elif word in _ONE_AND_UNIT:
            out += [Tok(NUM, "1", 1.0, True), Tok(WORD, _ONE_AND_UNIT[word])]
        else:
            out.append(Tok(WORD, word))
        i += 1
    return out


# Unit words: word → (dimension, factor to the dimension's base unit: kg, cm or months, in WHO's month).
UNITS: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilogram", "kilogr", "kilos"), ("kg", 1.0)),
    **dict.fromkeys(("g", "gr", "grm", "gram", "grams", "gramm"), ("kg", 0.001)),
    "ons": ("kg", 0.1),  # Indonesian ons = 100 g
    **dict.fromkeys(("cm", "senti", "centi", "sentimeter", "centimeter", "centimetre", "cms"), ("cm", 1.0)),
    **dict.fromkeys(("mm", "milimeter", "millimeter"), ("cm", 0.1)),
    **dict.fromkeys(("m", "meter", "mtr", "metre"), ("cm", 100.0)),
    **dict.fromkeys(("bulan", "bln", "bl", "bulanan", "month", "months", "mo", "mos", "mth"), ("months", 1.0)),
    **dict.fromkeys(("tahun", "thn", "th", "taun", "thun", "tahunan", "year", "years", "yr", "yrs", "y"),
                    ("months", 12.0)),
    **dict.fromkeys(("minggu", "mgg", "mg", "week", "weeks", "wk"), ("months", 7 / ages.DAYS_PER_MONTH)),
    **dict.fromkeys(("hari", "hr", "day", "days"), ("months", 1 / ages.DAYS_PER_MONTH)),
}
UNIT_ALTERNATION = "|".join(sorted(UNITS, key=len, reverse=True))


def distinct(values: list) -> list:
    """Values in first-seen order without repeats (Invalid is unhashable, so no set)."""
    out: list = []
    for value in values:
        if value not in out:
            out.append(value)
    return out
