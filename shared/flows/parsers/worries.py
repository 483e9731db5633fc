"""Worries and oedema said in words (domain-id D7): food refusal, illness, danger signs, swollen feet."""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from shared.flows.parsers.tokens import MAX_CHARS, REDUPLICATION, squeeze, squeezed
from shared.flows.parsers.words import NEGATIONS


_JOINED = re.compile(r"(?<=[a-z])-(?=[a-z])")  # "muntah-muntah", "ubun-ubun", "laki-laki"
_SILENT = re.compile(r"['’`:=()\[\]*_~\"]")  # "won't" is "wont"; "edema: (-)" keeps its "-"; not a pause
_PHRASE_TOKEN = re.compile(r"\n|[a-z]+|[0-9]+(?:[.,][0-9]+)*|-|\S")
_PAUSE, _QUESTION, _NUMBER, _LINE_END = "|", "?", "#", "$"  # a comma or other mark, "?", a number, a line break


def phrase_words(text: str, stems: frozenset[str]) -> list[str]:
    """Squeezed words with marks for pauses, numbers and line ends; "kakinya" → "kaki" when "kaki" is a stem."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    text = REDUPLICATION.sub(r"\1 \1", _SILENT.sub("", _JOINED.sub(" ", text)))
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
            stem = squeeze(raw[:-3]) if raw.endswith("nya") else ""
            words.append(stem if stem in stems else squeeze(raw))
    return words


_BREAKS = frozenset({_PAUSE, _QUESTION, _NUMBER, _LINE_END})
# Colloquial "tak", "kagak" and "tanpa" negate a worry ("tanpa demam") as much as "tidak" does.
_WORRY_NEGATIONS = NEGATIONS | squeezed("tak", "kagak", "kaga", "g", "tanpa", "without", "never", "nggak",
                                        "ngga", "enggak", "engga")


def _negated_before(words: list[str], i: int, skip: frozenset[str]) -> bool:
    """True when a negation comes before words[i] with only `skip` words between ("tidak ada demam")."""
    j = i - 1
    while j >= 0 and words[j] in skip:
        j -= 1
    return j >= 0 and words[j] in _WORRY_NEGATIONS


_SWELLING = squeezed("bengkak", "membengkak", "sembab", "swollen", "swelling", "swell", "swells")
_OEDEMA_WORDS = squeezed("edema", "oedema", "udem", "udema", "edem", "oedem", "odem", "odema")  # names it outright
_FEET = squeezed("kaki", "tungkai", "feet", "foot", "leg", "legs", "ankle", "ankles", "seluruh", "sekujur")
# Swelling from a jab, a fall or a bite is not nutritional oedema, even on a leg (DPT goes into the thigh)...
_SWELLING_CAUSES = squeezed(
    "suntik", "suntikan", "imunisasi", "vaksin", "vaksinasi", "bekas", "jatuh", "terbentur", "kebentur", "digigit",
    "gigitan", "nyamuk", "bisul", "keseleo", "terkilir", "injection", "vaccine", "vaccination", "shot", "bite")
# ...and neither is a swelling of the gums, cheek or eyes alone.
_SWELLING_SITES = squeezed("gusi", "pipi", "mata", "kelopak", "bibir", "leher", "kelenjar", "benjol", "benjolan",
                           "telinga", "gums", "cheek", "eye", "eyes", "lip", "neck")
_OEDEMA_SKIP = squeezed("ada", "terlihat", "tampak", "kelihatan", "tanda", "yg", "yang", "kaki", "tungkai", "di",
                        "kedua", "dua", "punggung", "sama", "sekali", "juga", "jg", "pernah", "lagi", "lg", "any",
                        "sign", "signs", "of", "the", "feet", "legs", "are", "is")
_ABSENT_MARKS = frozenset({"-", "negatif", "neg", "negative", "nihil", "none", "absent"})  # register style: "edema: -"
_OEDEMA_REACH = 4  # a foot word this many words either side belongs to the swelling ("bengkak di kedua kaki")


def find_oedema(words: list[str]) -> bool | None:
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
    "WANT": squeezed("mau", "mw", "mo", "maw", "bisa", "bs", "doyan"),
    "NEGWANT": squeezed("gamau", "gmau", "gamw", "gakmau", "ngamau", "ogah", "emoh", "gabisa", "gbs"),
    "EAT": squeezed("makan", "mkn", "mam", "maem", "mamam", "mkan", "makanan"),
    "APPETITE": squeezed("nafsu", "napsu"),
    "DOWN": squeezed("turun", "kurang", "berkurang", "menurun", "hilang", "ilang", "jelek", "buruk", "rendah"),
    "SUCKLE": squeezed("menyusu", "nyusu", "netek", "nenen", "menetek", "mimik", "asi", "menyusui", "disusui"),
    "ILL": squeezed("sakit", "demam", "panas", "diare", "mencret", "batuk", "pilek", "muntah", "flu", "meriang",
                    "lemas", "lemes", "fever", "sick", "diarrhea", "diarrhoea", "cough", "coughing", "vomit",
                    "vomits", "vomiting", "vomited"),
    "PERSIST": squeezed("terus", "trus", "trs", "terusan", "semua", "smua", "semuanya", "melulu", "mulu", "tiap",
                        "setiap", "stiap"),
    "WEAK": squeezed("lemas", "lemes", "lemah", "lesu", "loyo"),
    "VERY": squeezed("sangat", "sgt", "amat", "terlalu"),
    "VERY_AFTER": squeezed("sekali", "skali", "banget", "bgt", "bngt", "bener", "amat", "parah"),
    "BREATH": squeezed("napas", "nafas", "bernapas", "bernafas"),
    "FAST": squeezed("cepat", "cepet", "cpt", "sesak", "berat", "tersengal", "ngos"),
    "HARD": squeezed("susah", "sulit", "sukar", "susa"),
}
_NOT_REALISE = squeezed("kalau", "klo", "kalo", "kl", "bahwa", "jika", "if", "that")
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
    "ILL": (squeezed("rumah", "rmh"), frozenset()),  # "lahir di rumah sakit" is where, not a worry
    "NEG sadar/sadarkan": (squeezed("saya", "sy", "aku", "aq", "kami", "gue", "gw"), _NOT_REALISE),  # "realise"
    "NEG bisa/bs minum": (frozenset(), squeezed("obat", "vitamin", "puyer", "sirup", "sirop", "jamu")),
    "cant/cannot drink": (frozenset(), squeezed("obat", "medicine")),
}


def _compile_phrase(concern: str, spec: str) -> _Phrase:
    """"NEG WANT EAT" → one set per slot: a named set, or alternatives written "a/b"."""
    slots = tuple(_WORRY_SETS[slot] if slot in _WORRY_SETS else squeezed(*slot.split("/")) for slot in spec.split())
    not_after, not_before = _WORRY_EXCEPTIONS.get(spec, (frozenset(), frozenset()))
    return _Phrase(concern, slots, not_after, not_before)


_WORRY_PHRASES = tuple(_compile_phrase(concern, spec) for concern, spec in _WORRY_PHRASES_SPEC)
# Words allowed between a negation and what it negates: "tidak ada demam", "gak pernah kejang".
_WORRY_SKIP = squeezed("ada", "pernah", "lagi", "lg", "sedang", "sdg", "juga", "jg", "sama", "sekali", "mengalami",
                       "kena", "terkena", "any", "sampai", "sampe")
# For illness words also a list: "tidak batuk pilek", "no fever or cough". Danger signs never hide behind one.
_ILLNESS_SKIP = _WORRY_SKIP | _WORRY_SETS["ILL"] | squeezed("dan", "atau", "maupun", "ataupun", "and", "or", "nor")
PHRASE_STEMS = frozenset().union(*(s for p in _WORRY_PHRASES for s in p.slots), _SWELLING, _OEDEMA_WORDS, _FEET,
                                 _SWELLING_SITES) - _WORRY_NEGATIONS


def find_concerns(words: list[str]) -> tuple[str, ...]:
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
