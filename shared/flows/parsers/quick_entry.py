"""One free-text message read whole ("cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm"): every field it gives."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.domain.growth import input_ranges
from shared.flows.parsers.dates import DateHit, check_date, mask_dates
from shared.flows.parsers.numbers import Quantity, as_weight_kg, read_quantity, round_half_up
from shared.flows.parsers.tokens import (
    DATE,
    NEWLINE,
    NUM,
    UNITS,
    WORD,
    Invalid,
    Tok,
    clean_text,
    distinct,
    squeeze,
    squeezed,
    tokenize,
)
from shared.flows.parsers.words import FEMALE_WORDS, LYING_WORDS, MALE_WORDS, NEGATIONS, SEX_LETTERS, STANDING_WORDS
from shared.flows.parsers.worries import PHRASE_STEMS, find_concerns, find_oedema, phrase_words


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

# field → (plausible range, unit, decimals): what a person can plausibly have typed, not WHO's flags.
_FIELD_RANGES = {
    "weight_kg": (*input_ranges.WEIGHT_KG, "kg", 2),
    "lenhei_cm": (*input_ranges.LENHEI_CM, "cm", 1),
    "headc_cm": (*input_ranges.HEADC_CM, "cm", 1),
    "armc_cm": (*input_ranges.ARMC_CM, "cm", 1),
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
_SHORT_SPAN_UNITS = frozenset(w for w, (dim, factor) in UNITS.items() if dim == "months" and factor < 1)

_SLEEP_POSITION = frozenset({"diukur", "sambil", "posisi", "ukur"})  # "diukur tidur" is lying; "susah tidur" is not
_NAME_SEX_WORDS = frozenset({"putra", "putri"})  # also given names: ignored right after "nama"

# Two weights are a history when change words put one after the other: "bb turun dr 10,1 jd 9,7 kg",
# "dari 10,1 kg sekarang 9,7 kg". Without them two weights are a typo to ask about ("bb 9,1 bb 9,5").
_CHANGE_WORDS = squeezed("jadi", "jd", "jdi", "menjadi", "mjd", "sekarang", "skrg", "skg", "skrang", "sekrg",
                         "kini", "tinggal", "turun", "naik", "now", "dropped", "fell", "went", "became", "rose")
_FROM_WORDS = frozenset({"dari", "dr", "from"})
_TO_WORDS = frozenset({"ke", "to"})  # a change only right after "dari": in "bb 9 kg ke posyandu" it is a trip
_FROM_REACH = 3  # "dari" still opens a change this many tokens before the weight ("dari bb 10,1")
# A number right after "naik"/"turun" is how much the weight changed ("naik 3 ons", "turun 1 kg"), not a weight.
_AMOUNT_VERBS = squeezed("naik", "turun", "bertambah", "berkurang", "nambah", "gained", "lost", "gain", "lose",
                         "up", "down")
_AMOUNT_HEDGES = squeezed("sekitar", "sktr", "kira", "kurang", "lebih", "cuma", "hanya", "sebanyak", "hampir",
                          "about", "around", "only", "by", "almost")
_MAX_CHANGE_KG = 2.0  # a month's gain is 0.2-0.9 kg (KBM, domain-id D3); below 2 kg is a weight only for a newborn


def _match_label(toks: list[Tok], i: int) -> tuple[tuple | None, int]:
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
        self.lenhei_labels: list[tuple[float, str | None]] = []  # (lenhei, "tb"/"pb" label it came with)
        self.weight_runs: list[list[float]] = [[]]  # weights, split where a change word stands between two
        self.changed = False  # a change word since the last weight
        self.last_field: str | None = None  # where the last number went: change words follow a weight only
        self.sex_strong: list[str] = []
        self.sex_weak: list[str] = []
        self.measures: list[str] = []
        self.dates: list[tuple[str | None, DateHit]] = []
        self.problems: list[Invalid] = []

    def quantity(self, name: str, q: Quantity, lenhei_label: str | None = None) -> str:
        lo, hi, unit, decimals = _FIELD_RANGES[name]
        value = round_half_up(as_weight_kg(q, lo, hi) if name == "weight_kg" else q.value, decimals)
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


def _scan(toks: list[Tok], hits: list[DateHit]) -> _Collector:
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
            q = read_quantity(toks, i)
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
        word = squeeze(tok.text)
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
            (found.sex_strong if strong else found.sex_weak).append(SEX_LETTERS[tok.text])
        elif (word in MALE_WORDS or word in FEMALE_WORDS) and not (in_name and word in _NAME_SEX_WORDS):
            words = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
            if not any(w in NEGATIONS for w in words):
                found.sex_strong.append("M" if word in MALE_WORDS else "F")
        elif (word in LYING_WORDS or word in STANDING_WORDS
              or word == "tidur" and i > 0 and toks[i - 1].text in _SLEEP_POSITION):
            before = [t.text for t in toks[max(0, i - 2):i] if t.kind == WORD]
            negated = any(w in NEGATIONS for w in before)
            if negated or "bisa" not in before:  # "sudah bisa berdiri" is a milestone, not how it was measured
                position = "h" if word in STANDING_WORDS else "l"
                found.measures.append(("h" if position == "l" else "l") if negated else position)
        if label:
            reach += 1
            if reach > _LABEL_REACH:
                label = None
        i += 1
    return found


def _is_change_amount(toks: list[Tok], i: int, q: Quantity, label: tuple | None) -> bool:
    """True for the number in "naik 3 ons" or "bb turun 1 kg": how much the weight changed, not a weight."""
    weight_label = label is not None and (label == _THEN_WEIGHT or label[:2] == ("field", "weight_kg"))
    if not (q.dim == "kg" or q.dim is None and weight_label):
        return False
    j = i - 1
    while j >= 0 and toks[j].kind == WORD and squeeze(toks[j].text) in _AMOUNT_HEDGES:
        j -= 1
    after_verb = j >= 0 and toks[j].kind == WORD and squeeze(toks[j].text) in _AMOUNT_VERBS
    return after_verb and as_weight_kg(q, *input_ranges.WEIGHT_KG) < _MAX_CHANGE_KG


def _is_span(toks: list[Tok], start: int, end: int) -> bool:
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


def _place_number(found: _Collector, label: tuple | None, q: Quantity, toks: list[Tok], start: int) -> str | None:
    """Give a number to the field its label names, or else to the field its unit implies; returns that field."""
    if label and label[0] == "skip":
        return None
    if label == _THEN_WEIGHT:
        lo, hi, _unit, decimals = _FIELD_RANGES["weight_kg"]
        if q.dim is None:  # a bare number that cannot be a weight is left unread, as any unlabelled one is
            plausible = lo <= round_half_up(as_weight_kg(q, lo, hi), decimals) <= hi
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
    values = distinct(values)
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
    for value in sorted(distinct(unlabelled)):
        if not roles["birth_date"]:
            roles["birth_date"].append(value)
        elif not roles["measured_on"] and value > min(roles["birth_date"]):
            roles["measured_on"].append(value)
        else:
            roles["birth_date"].append(value)
    birth = _single(found, "birth_date", roles["birth_date"])
    measured = _single(found, "measured_on", roles["measured_on"])
    if birth is not None:
        checked = check_date(birth, today, earliest_birth)
        if isinstance(checked, Invalid):
            found.problems.append(Invalid(checked.key, {**checked.params, "field": "birth_date"}))
            birth = None
    if measured is not None:
        checked = check_date(measured, today, birth)
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
    message carries another field, because a bare "P" is a WhatsApp ping. `measure` comes only from words
    (telentang, diukur tidur → 'l'; berdiri → 'h'): parents write "tb" for any length, so a TB/PB label only
    sets `lenhei_label`. Two weights joined by change words ("bb turun dr 10,1 jd 9,7") give `previous_weight_kg`
    and `weight_kg`; "tidak bengkak" or "kedua kaki bengkak" sets `oedema`; `concerns` names food refusal, illness
    and danger signs. A span such as "udah 2 minggu" is not an age. `earliest_birth` optionally bounds the birth date.
    """
    clean = clean_text(text)
    masked, hits = mask_dates(clean, today)
    found = _scan(tokenize(masked), hits)
    birth, measured = _resolve_dates(found, today, earliest_birth)
    weight, previous = _resolve_weights(found)
    values = {name: _single(found, name, found.values[name]) for name in _FIELD_RANGES if name != "weight_kg"}
    measure = _single(found, "measure", found.measures)
    sex = _single(found, "sex", found.sex_strong)
    has_other = birth or measured or weight is not None or any(v is not None for v in values.values())
    if sex is None and not found.sex_strong and found.sex_weak and has_other:
        sex = _single(found, "sex", found.sex_weak)
    words = phrase_words(text, PHRASE_STEMS) if isinstance(text, str) else []
    return QuickEntry(sex=sex, birth_date=birth, weight_kg=weight, previous_weight_kg=previous,
                      lenhei_cm=values["lenhei_cm"], measure=measure,
                      lenhei_label=_resolve_lenhei_label(found, values["lenhei_cm"]), headc_cm=values["headc_cm"],
                      armc_cm=values["armc_cm"], oedema=find_oedema(words), measured_on=measured,
                      age_months=values["age_months"], concerns=find_concerns(words), problems=tuple(found.problems))


def parse_age_months(text: str, *, today: date, bare_months: bool = False) -> float | Invalid:
    """A child's age as parents write it ("umur 1th 3bln", "20 bulan", "1,5 tahun", "2 thn") in months, to one
    decimal, read as a quick entry reads an age (a span such as "udah 2 minggu" is not one).

    Args:
        bare_months: a number without a unit ("15") is months, for a question that asked for months; otherwise it
            is refused ("umur 2": years or months?).

    Returns:
        The months, or Invalid("invalid_age"); an age beyond what anyone types (over 20 years) is the quick
        entry's "number_out_of_range".
    """
    entry = extract_quick_entry(text, today=today)
    if entry.age_months is not None:
        return round_half_up(entry.age_months, 1)
    too_high = next((p for p in entry.problems if p.params.get("field") == "age_months"), None)
    if too_high is not None:
        return too_high
    if bare_months and isinstance(text, str):
        toks = [t for t in tokenize(clean_text(text)) if t.kind != NEWLINE]
        if len(toks) == 1 and toks[0].kind == NUM:
            lo, hi, _unit, _decimals = _FIELD_RANGES["age_months"]
            value = round_half_up(float(toks[0].value), 1)
            if lo <= value <= hi:
                return value
    return Invalid("invalid_age")
