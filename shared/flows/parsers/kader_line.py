"""A kader's one line a child on posyandu day, read whole: "Fajar 9,8 76 telentang" (a child of the posyandu by
(part of) its name, then the weight and the length) or "baru: Lestari P 12-05-2025 8,1 71 ortu 0812…" (a new
child). Also the phone number a kader types for a parent, and the words that ask for the day's recap.

Pure: `today` is passed in, and nothing here knows the posyandu's children (finding the name is the flow's job).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shared.domain.growth import input_ranges
from shared.flows.parsers.dates import check_date, mask_dates
from shared.flows.parsers.numbers import Quantity, as_weight_kg, read_quantity, round_half_up
from shared.flows.parsers.tokens import DATE, NUM, WORD, Invalid, Tok, clean_text, squeeze, tokenize
from shared.flows.parsers.words import FEMALE_WORDS, LYING_WORDS, MALE_WORDS, NEGATIONS, SEX_LETTERS, STANDING_WORDS, \
    normalise
from shared.flows.parsers.worries import PHRASE_STEMS, find_concerns, find_oedema, phrase_words


@dataclass(frozen=True)
class KaderLine:
    """Everything one line said about a child; None where it said nothing usable (the flow then asks)."""

    new: bool = False  # "baru: ...": a child to register
    query: str = ""  # the name as typed: (part of) a registered child's name, or the new child's name
    sex: str | None = None  # new children only
    birth_date: date | None = None  # new children only
    weight_kg: float | None = None
    lenhei_cm: float | None = None
    lenhei_label: str | None = None  # "pb" or "tb" when the length came with one
    measure: str | None = None  # 'l' or 'h', only when said in words (telentang, berdiri)
    headc_cm: float | None = None
    armc_cm: float | None = None
    oedema: bool | None = None  # False: "tidak bengkak"; True: swelling said (asked properly all the same)
    concerns: tuple[str, ...] = ()
    parent_wa_id: str | None = None  # "ortu 0812…" read as Meta's wa_id
    parent_given: bool = False  # a parent number was written (even one that could not be read)
    problems: tuple[Invalid, ...] = ()

    @property
    def measured(self) -> bool:
        """True when the line carries a weight or a length: it is measured in one go, today."""
        return self.weight_kg is not None or self.lenhei_cm is not None


# --- the parent's number ----------------------------------------------------------------------------------------

_PHONE_JUNK = re.compile(r"[\s\-().]")


def parse_phone(text: str) -> str | Invalid:
    """An Indonesian mobile number as Meta's wa_id: 0812…, +62 812…, 62812… → 62812… (10–15 digits)."""
    digits = _PHONE_JUNK.sub("", text.strip()) if isinstance(text, str) else ""
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits.isdigit() or not digits.startswith("628") or not 10 <= len(digits) <= 15:
        return Invalid("invalid_phone")
    return digits


# "ortu 0812 3456 7890", "hp: +62 812-3456-7890", "wa 0812…": the number after one of these words.
_PHONE_WORD = re.compile(r"(?<![a-z])(?:no\.?\s*)?(?:ortu|hp|wa|telp|tlp|telepon|nomor)(?![a-z])\s*[:.=]?",
                         re.IGNORECASE)
_PHONE_CHUNK = re.compile(r"[+0-9\-().…]+")
_PHONE_DIGITS_MIN = 10  # 08xx xxxx xx: the shortest Indonesian mobile number, leading 0 included
# A bare mobile number, written without separators: never a measurement.
_BARE_PHONE = re.compile(r"(?<![0-9.,])(?:\+?62|0)8[0-9]{7,12}(?![0-9])")


def _take_phone(text: str) -> tuple[str, str | None, bool, list[Invalid]]:
    """The text without the parent's number, the number (or None), whether one was written, and any problem.

    After "ortu"/"hp"/"wa" the number runs over groups of digits ("0812 3456 7890") until it has ten digits, so
    the numbers of the measurement after it stay the measurement's."""
    m = _PHONE_WORD.search(text)
    if m is not None:
        written, end = "", m.end()
        for chunk in re.finditer(r"\S+", text[m.end():]):
            if not _PHONE_CHUNK.fullmatch(chunk.group(0)) or sum(ch.isdigit() for ch in written) >= _PHONE_DIGITS_MIN:
                break
            written, end = written + chunk.group(0), m.end() + chunk.end()
        start = m.start()
    elif (bare := _BARE_PHONE.search(text)) is not None:
        written, start, end = bare.group(0), bare.start(), bare.end()
    else:
        return text, None, False, []
    rest = f"{text[:start]} {text[end:]}"
    value = parse_phone(written.rstrip("…."))
    if isinstance(value, Invalid):
        return rest, None, True, [value]
    return rest, value, True, []


# --- the name at the start of the line ----------------------------------------------------------------------------

_NEW_CHILD = re.compile(r"^\s*(?:anak\s+)?(?:baru|new)(?:\s+child)?(?![a-z])\s*[:\-.,]?\s*", re.IGNORECASE)
# A label word → the field of the number after it, and the "pb"/"tb" it names ("bb tb 9,8 76": one label each).
_LABELS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(("bb", "berat", "brt", "weight"), ("weight_kg", None)),
    **dict.fromkeys(("tb", "tinggi", "tgi", "height"), ("lenhei_cm", "tb")),
    **dict.fromkeys(("pb", "panjang", "pjg", "length"), ("lenhei_cm", "pb")),
    **dict.fromkeys(("lila", "lla", "muac"), ("armc_cm", None)),
    **dict.fromkeys(("lk",), ("headc_cm", None)),
}
_LINGKAR = {"kepala": ("headc_cm", None), "kpl": ("headc_cm", None), "lengan": ("armc_cm", None)}
# Words that end the name: what follows is about the measurement, not the child's name.
_NAME_ENDS = frozenset(_LABELS) | LYING_WORDS | STANDING_WORDS | NEGATIONS | frozenset({
    "kg", "cm", "gr", "gram", "lingkar", "lahir", "lhr", "tgl", "tanggal", "umur", "usia", "diukur", "ditimbang",
    "bengkak", "edema", "oedema", "kaki", "ortu", "hp", "wa", "telp", "nomor", "jk", "sex"})
_NAME_CHARS = frozenset("'’.-")
_DOUBLED = re.compile(r"^([a-z]{2,})2$")  # "laki2"


def _word_key(word: str) -> str:
    """A raw word in lower case, "laki2" as "laki"."""
    low = word.casefold().strip(":,;\"'()")
    doubled = _DOUBLED.match(low)
    return doubled.group(1) if doubled else low


def _ends_name(word: str) -> bool:
    key = _word_key(word)
    return key in _NAME_ENDS or squeeze(key) in _NAME_ENDS


def _name_words(words: list[str]) -> list[str]:
    """The words at the start of the line that make the child's name (letters only, up to the measurement). The
    first word is always the name's, so a child called Lila or Tinggi is not read as a label."""
    out: list[str] = []
    for raw in words:
        word = raw.strip(":,;\"()")
        if not word or any(ch.isdigit() for ch in raw) or not any(ch.isalpha() for ch in word) or \
                not all(ch.isalpha() or ch in _NAME_CHARS for ch in word) or out and _ends_name(word):
            break
        out.append(word)
    return out


def _split_sex(words: list[str]) -> tuple[list[str], str | None]:
    """A new child's name and sex: "Lestari P" (the last L/P letter after the name) or "Lestari perempuan"."""
    for i in range(len(words) - 1, 0, -1):
        if _word_key(words[i]) in SEX_LETTERS:
            return words[:i], SEX_LETTERS[_word_key(words[i])]
    for i in range(len(words) - 1, 0, -1):
        key = squeeze(_word_key(words[i]))
        if key in MALE_WORDS or key in FEMALE_WORDS:
            return words[:i], "M" if key in MALE_WORDS else "F"
    return words, None


# --- the measurement after the name --------------------------------------------------------------------------------

_FIELD_RANGES = {"weight_kg": (*input_ranges.WEIGHT_KG, "kg", 2), "lenhei_cm": (*input_ranges.LENHEI_CM, "cm", 1),
                 "headc_cm": (*input_ranges.HEADC_CM, "cm", 1), "armc_cm": (*input_ranges.ARMC_CM, "cm", 1)}
_FIELD_DIMS = {"weight_kg": "kg", "lenhei_cm": "cm", "headc_cm": "cm", "armc_cm": "cm"}
_BARE_ORDER = ("weight_kg", "lenhei_cm")  # numbers without a label or unit: the weight first, then the length


class _Found:
    """What the scan of the measurement read, before it is checked."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {name: [] for name in _FIELD_RANGES}
        self.labels: dict[float, str] = {}  # a length and the "pb"/"tb" it came with
        self.bare: list[Quantity] = []
        self.measures: list[str] = []
        self.sexes: list[str] = []
        self.dates: list[int] = []
        self.numbers = 0
        self.problems: list[Invalid] = []


def _scan(toks: list[Tok], new: bool) -> _Found:
    found = _Found()
    labels: list[tuple[str, str | None]] = []  # "bb tb 9,8 76": each number takes the next label
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == DATE:
            found.dates.append(int(tok.value))
        elif tok.kind == NUM:
            found.numbers += 1
            q = read_quantity(toks, i)
            field, label = labels.pop(0) if labels else (None, None)
            if field is not None and q.dim is not None and q.dim != _FIELD_DIMS[field]:
                field, label = None, None  # the unit says what it is: "bb 76 cm" is a length
            if field is None and q.dim == "kg":
                field = "weight_kg"
            elif field is None and q.dim == "cm":
                field = "lenhei_cm"
            if field is not None:
                found.values[field].append(as_weight_kg(q, *_FIELD_RANGES[field][:2]) if field == "weight_kg"
                                           else q.value)
                if label:
                    found.labels[found.values[field][-1]] = label
            elif q.dim is None:
                found.bare.append(q)
            else:  # months, days...: not a measurement of this line
                found.problems.append(Invalid("kader_line_unread", {"value": round_half_up(q.value, 2)}))
            i = q.end
            continue
        elif tok.kind == WORD:
            word = squeeze(tok.text)
            if tok.text in _LABELS:
                labels.append(_LABELS[tok.text])
            elif tok.text == "lingkar" and i + 1 < len(toks) and toks[i + 1].text in _LINGKAR:
                labels.append(_LINGKAR[toks[i + 1].text])
                i += 1
            elif word in LYING_WORDS or word in STANDING_WORDS:
                before = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
                if "bisa" not in before:  # "sudah bisa berdiri" is a milestone, not how it was measured
                    position = "h" if word in STANDING_WORDS else "l"
                    negated = any(w in NEGATIONS for w in before)
                    found.measures.append(("l" if position == "h" else "h") if negated else position)
            elif new and (tok.text in ("l", "p") or word in MALE_WORDS or word in FEMALE_WORDS) and \
                    not any(t.text in NEGATIONS for t in toks[max(0, i - 2):i]):
                found.sexes.append(SEX_LETTERS[tok.text] if tok.text in ("l", "p") else
                                   "M" if word in MALE_WORDS else "F")
        i += 1
    return found


def _in_range(found: _Found, name: str, value: float) -> float | None:
    lo, hi, unit, decimals = _FIELD_RANGES[name]
    value = round_half_up(value, decimals)
    if not lo <= value <= hi:
        found.problems.append(Invalid("number_out_of_range",
                                      {"field": name, "min": lo, "max": hi, "unit": unit, "value": value}))
        return None
    return value


def _place_bare(found: _Found) -> None:
    """Numbers without a label or unit fill the weight, then the length. Two of them the wrong way round ("76 9,8")
    are turned when only that reading fits; more than the open fields is a line not to guess at."""
    open_fields = [name for name in _BARE_ORDER if not found.values[name]]
    bare = list(found.bare)
    if len(bare) > len(open_fields):
        found.problems.append(Invalid("kader_line_ambiguous", {"count": len(bare)}))
        return
    if open_fields == list(_BARE_ORDER) and len(bare) == 2:
        w_lo, w_hi = input_ranges.WEIGHT_KG
        l_lo, l_hi = input_ranges.LENHEI_CM
        first, second = bare[0].value, bare[1].value
        if not w_lo <= first <= w_hi and l_lo <= first <= l_hi and w_lo <= second <= w_hi:
            bare.reverse()
    for name, q in zip(open_fields, bare):
        found.values[name].append(as_weight_kg(q, *_FIELD_RANGES[name][:2]) if name == "weight_kg" else q.value)


def _one(found: _Found, name: str, values: list):
    """The one value given, or None with a conflicting_values problem when two differ."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1:
        found.problems.append(Invalid("conflicting_values", {"field": name, "first": distinct[0],
                                                             "second": distinct[1]}))
        return None
    return distinct[0] if distinct else None


def read_kader_line(text: str, *, today: date, earliest_birth: date | None = None) -> KaderLine | None:
    """A kader's line about one child, or None when the text is no such line (a name alone, a greeting...).

    Known child: "<name> <weight> <length> [telentang|berdiri]", with or without labels and units ("bb 9,8 tb 76",
    "9.8kg 76cm"); bare numbers are the weight, then the length. New child: "baru: <name> <L|P> <birth date>
    <weight> <length> [ortu|hp|wa <number>]". "tidak bengkak" answers the oedema question; a swelling said is
    asked properly all the same. `earliest_birth` bounds the birth date (a child under five).
    """
    if not isinstance(text, str) or not text.strip():
        return None
    body = text[:4096]
    opener = _NEW_CHILD.match(body)
    new = bool(opener)
    if opener:
        body = body[opener.end():]
    body, parent, parent_given, problems = _take_phone(body)
    if not new:  # a number is recorded only with a new child (the service says so): not asked for either
        parent, problems = None, []
    words = body.split()
    name_words = _name_words(words)
    rest = " ".join(words[len(name_words):])
    sex = None
    if new:
        name_words, sex = _split_sex(name_words)
    clean = clean_text(rest)
    masked, hits = mask_dates(clean, today)
    found = _scan(tokenize(masked), new)
    found.problems[:0] = problems
    if not new and not found.numbers and not found.dates:
        return None  # a name alone (or words): a search, answered by the flow
    _place_bare(found)
    values = {}
    for name in _FIELD_RANGES:
        value = _one(found, name, found.values[name])
        values[name] = _in_range(found, name, value) if value is not None else None
    birth = None
    if new and found.dates:
        first = hits[found.dates[0]].value
        checked = check_date(first, today, earliest_birth) if isinstance(first, date) else first
        if isinstance(checked, Invalid):
            key = "child_too_old" if checked.key == "date_too_early" else checked.key
            found.problems.append(Invalid(key, {**checked.params, "field": "birth_date"}))
        else:
            birth = checked
    elif found.dates:
        found.problems.append(Invalid("kader_line_today_only"))
    sexes = list(dict.fromkeys([*([sex] if sex else []), *found.sexes]))
    if len(sexes) > 1:  # both said: asked, with the usual hint
        found.problems.append(Invalid("invalid_sex"))
    measures = list(dict.fromkeys(found.measures))
    if len(measures) > 1:
        found.problems.append(Invalid("invalid_measure"))
    lenhei = values["lenhei_cm"]
    words_found = phrase_words(rest, PHRASE_STEMS)
    return KaderLine(
        new=new, query=" ".join(name_words), sex=sexes[0] if len(sexes) == 1 else None, birth_date=birth,
        weight_kg=values["weight_kg"], lenhei_cm=lenhei,
        lenhei_label=next((label for value, label in found.labels.items()
                           if lenhei is not None and round_half_up(value, 1) == lenhei), None),
        measure=measures[0] if len(measures) == 1 else None, headc_cm=values["headc_cm"], armc_cm=values["armc_cm"],
        oedema=find_oedema(words_found), concerns=find_concerns(words_found), parent_wa_id=parent,
        parent_given=parent_given, problems=tuple(found.problems))


_RECAP_WORDS = frozenset({"rekap", "rekap hari ini", "rekapan", "rekap posyandu", "ringkasan", "ringkasan hari ini",
                          "selesai", "sudah selesai", "recap", "summary", "done"})


def asks_recap(text: str) -> bool:
    """Whether a kader's message asks for the day's recap ("REKAP", "rekap hari ini", "ringkasan", "selesai")."""
    return isinstance(text, str) and normalise(text) in _RECAP_WORDS
