"""Short answers in words: sex, yes or no, the measuring position, a menu choice, and greetings to drop."""
from __future__ import annotations

import re
from collections.abc import Mapping

from shared.flows.parsers.tokens import MAX_CHARS, NUM, WORD, Invalid, clean_text, squeeze, squeezed, tokenize


NEGATIONS = frozenset({"tidak", "tdk", "gak", "ga", "gk", "ngak", "engak", "nga", "enga", "ndak", "nda", "bukan",
                       "bkn", "not", "belum", "blm", "jangan", "no"})
MALE_WORDS = frozenset(squeeze(w) for w in (
    "laki", "lakilaki", "lelaki", "cowok", "cowo", "cwo", "cowo", "pria", "putra", "boy", "male", "lk", "son"))
FEMALE_WORDS = frozenset(squeeze(w) for w in (
    "perempuan", "prempuan", "perampuan", "pr", "cewek", "cewe", "cwe", "wanita", "putri", "girl", "female",
    "daughter"))
SEX_LETTERS = {"l": "M", "p": "F", "m": "M", "f": "F"}  # only as the whole answer


def _words(text: str) -> list[str]:
    """Squeezed word tokens ("laki2" → laki laki, "Perempuan!!" → perempuan)."""
    return [squeeze(t.text) for t in tokenize(clean_text(text)) if t.kind == WORD]


def _negated(words: list[str], i: int) -> bool:
    """True when the word just before words[i] negates it ("bukan cowok")."""
    return i > 0 and words[i - 1] in NEGATIONS


def parse_sex(text: str) -> str | Invalid:
    """'M' or 'F' from L/P, laki-laki, cowok, cewek, perempuan, boy/girl… ("P" alone here means perempuan)."""
    words = [w for w in _words(text) if w not in _FILLER_WORDS and w not in _SEX_LABEL_WORDS]
    found = set()
    for i, word in enumerate(words):
        sex = "M" if word in MALE_WORDS else "F" if word in FEMALE_WORDS else None
        if sex and not _negated(words, i):
            found.add(sex)
    if not found and len(words) == 1 and words[0] in SEX_LETTERS:
        found.add(SEX_LETTERS[words[0]])
    return found.pop() if len(found) == 1 else Invalid("invalid_sex")


_YES_WORDS = frozenset(squeeze(w) for w in (
    "ya", "iya", "iye", "y", "yes", "yup", "yep", "ok", "oke", "okey", "okay", "okeh", "sip", "siap", "setuju",
    "boleh", "betul", "benar", "bener", "bnr", "btl", "sudah", "sdh", "udah", "udh", "lanjut", "lanjutkan", "mau",
    "bisa", "sure", "yoi"))
_NO_WORDS = frozenset(squeeze(w) for w in (
    "tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "nda", "no", "n", "nope",
    "jangan", "tolak", "belum", "blm", "bukan", "bkn", "salah"))
_NO_PROBLEM = re.compile(r"\b(?:(?:tidak|tdk|gak|ga|ngak|engak|nga|ndak|nda) ?(?:apa ?apa|papa|masalah)|gapapa|gpp"
                         r"|gp|no problem)\b")  # words are squeezed: "gpp" arrives as "gp"
_YES_EMOJI = frozenset("👍👌✅✔☑🙆")
_NO_EMOJI = frozenset("👎❌✖🙅")


_DONT_KNOW = re.compile(r"\b(?:tidak|tdk|gak|ga|nggak|ngga|enggak|belum|blm|kurang|ndak|gk|don t|do not|dont)\s*"
                        r"(?:tau|tahu|taw|tw|know|yakin|sure|paham|ngerti|mengerti)\b|\b(?:entah|mungkin|maybe|"
                        r"not sure|unsure|ragu)\b")


def parse_yes_no(text: str) -> bool | Invalid:
    """True for ya/iya/ok/boleh…, False for tidak/gak/jangan/belum…; both or neither is invalid_yes_no."""
    if not isinstance(text, str):
        return Invalid("invalid_yes_no")
    # "Tidak tahu" is not a no, and a message with numbers ("baru: Fajar 9,8 76 tidak bengkak") answers something
    # else: neither may answer a question such as "are both feet swollen?".
    if _DONT_KNOW.search(" ".join(_words(text))) or any(ch.isdigit() for ch in text[:MAX_CHARS]):
        return Invalid("invalid_yes_no")
    yes = any(ch in _YES_EMOJI for ch in text[:MAX_CHARS])
    no = any(ch in _NO_EMOJI for ch in text[:MAX_CHARS])
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


# How the child lay or stood to be measured, in any message ("diukur telentang", "TB 76 berdiri").
LYING_WORDS = squeezed("telentang", "terlentang", "berbaring", "baring", "tiduran", "rebahan", "lying")
STANDING_WORDS = squeezed("berdiri", "brdiri", "standing")
# As the answer to "lying or standing?" a few more words name the position. In a free-text message they do not:
# TB/PB and their words label a number (parents write "tb" for any length), and "tidur" may be "susah tidur".
_ANSWER_LYING = LYING_WORDS | squeezed("tidur", "rebah", "recumbent", "pb", "length", "panjang")
_ANSWER_STANDING = STANDING_WORDS | squeezed("tb", "height", "tinggi")


def _position(words: list[str], i: int) -> str | None:
    """'l' or 'h' for the word at i; a negation flips it ("belum bisa berdiri" was measured lying)."""
    word = words[i]
    position = "l" if word in _ANSWER_LYING else "h" if word in _ANSWER_STANDING else None
    if position and any(w in NEGATIONS for w in words[max(0, i - 2):i]):
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
    return _NOT_ALNUM.sub("", clean_text(text))


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
    kept = [t for t in tokenize(clean_text(text)) if not (t.kind == WORD and t.text in _CHOICE_SKIP)]
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
    "bidan", "kader", "dok", "makasih", "terimakasih", "thanks", "thx", "tq"})
_FILLER_PHRASES = {"selamat": (("selamat", "pagi"), ("selamat", "siang"), ("selamat", "sore"), ("selamat", "malam")),
                   "anak": (("anak", "sy"), ("anak", "saya")), "terima": (("terima", "kasih"),),
                   "good": (("good", "morning"),)}
_CHOICE_SKIP = _CHOICE_FILLER | _FILLER_WORDS
_SEX_LABEL_WORDS = frozenset({"jk", "jenis", "kelamin", "sex", "gender", "anak", "nya", "adalah", "dia", "bayi",
                              "balita", "ini", "yg", "yang", "anaknya", "kak"})
_PUNCTUATION_ONLY = re.compile(r"[-/.,]+")


def normalise(text: str) -> str:
    """Lower-case free text without greetings, filler words, emoji or punctuation noise; numbers and dates kept."""
    words = [w for w in clean_text(text).split() if not _PUNCTUATION_ONLY.fullmatch(w)]
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


_SALAM_WORDS = squeezed("assalamualaikum", "asalamualaikum", "assalamualaikom", "assalamu", "asalamu", "askum",
                        "samlekom", "salamualaikum")
_TIMES_OF_DAY = ("pagi", "siang", "sore", "malam")
_HELLO_WORDS = squeezed("halo", "hallo", "helo", "hello", "hai", "hay", "hi", "hey")


def greeting(text: str) -> str | None:
    """How a message greets, so it can be answered in kind: "salam" (Assalamualaikum…), a time of day
    ("pagi" for "Selamat pagi", "good morning" too), "halo", or None when it does not open with a greeting."""
    words = [squeeze(w) for w in clean_text(text).split()[:6]]
    if any(w in _SALAM_WORDS for w in words) or words[:1] == ["salam"] or words[:2] in (["as", "wr"], ["as", "wb"]):
        return "salam"
    for i, word in enumerate(words[:-1]):
        if word == "selamat" and words[i + 1] in _TIMES_OF_DAY:
            return words[i + 1]
    english = {"morning": "pagi", "afternon": "siang", "evening": "malam"}
    for i, word in enumerate(words[:-1]):
        if word == "god" and words[i + 1] in english:  # "good" squeezed
            return english[words[i + 1]]
    return "halo" if words[:1] and words[0] in _HELLO_WORDS else None


def only_greeting(text: str) -> bool:
    """A message that says nothing but hello (greetings, polite and filler words): it asks for the menu."""
    return greeting(text) is not None and not normalise(text)


_ADDRESS_WORDS = frozenset({"bu", "ibu", "pak", "bapak", "kak", "mbak", "mba", "bunda", "bun", "dear", "hai", "halo"})


def says_kader(text: str) -> bool:
    """Whether a message says its writer is a kader ("saya kader posyandu Melati", "daftar kader", "I am a cadre"),
    not one that addresses a kader ("selamat pagi bu kader")."""
    words = clean_text(text).split()
    return any(w in ("kader", "cadre") and (i == 0 or words[i - 1] not in _ADDRESS_WORDS)
               for i, w in enumerate(words))


_STOP_VERBS = frozenset({"stop", "berhenti", "berhentilah", "jangan", "gak", "ga", "nggak", "tidak", "tdk", "usah",
                         "gausah", "unsubscribe", "unsub", "dont", "don", "t", "do", "not", "no", "more", "cukup"})
_SEND_WORDS = frozenset({"kirim", "kirimi", "kirimin", "mengirim", "ngirim", "dikirim", "send", "sending", "text",
                         "texting", "message", "messages", "pesan", "pesannya", "sms", "chat", "wa", "lagi",
                         "me", "aku", "saya", "sy", "to", "any", "notifikasi", "pengingat", "reminder", "reminders"})
_STOP_OPENERS = frozenset({"stop", "berhenti", "berhentilah", "jangan", "unsubscribe", "unsub", "gak", "ga",
                           "nggak", "tidak", "tdk", "gausah", "dont", "don", "do", "no", "cukup"})


def wants_no_messages(text: str) -> bool:
    """Whether a message asks Tumbuh to stop sending ("jangan kirim lagi", "stop kirim pesan", "berhenti kirim",
    "unsubscribe", "stop sending me messages"): only stop and sending words, opening with a stop word and holding a
    sending word (or being "unsubscribe" alone), so "stop" inside a sentence about the child does not count."""
    words = [w for w in clean_text(text.replace("'", " ").replace("’", " ")).split() if w not in ("tolong", "please", "ya", "dong",
                                                                               "deh", "aja", "saja", "mohon")]
    if words in (["unsubscribe"], ["unsub"]):
        return True
    return (len(words) >= 2 and words[0] in _STOP_OPENERS and all(w in _STOP_VERBS | _SEND_WORDS for w in words)
            and any(w in _SEND_WORDS - {"me", "aku", "saya", "sy", "to", "any", "lagi"} for w in words))
