"""The conversation flows, as data: onboarding (consent), measuring a child (registering one on the way),
language, and the confirmations for STOP and HAPUS. No I/O and no Bahasa text here: prompts are catalogue keys.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, timedelta

from shared.domain import growth
from shared.domain.growth.classify import MUAC_FROM_MONTHS
from shared.domain.growth.input_ranges import ARMC_CM, HEADC_CM, LENHEI_CM, WEIGHT_KG
from shared.flows import parsers as p
from shared.flows.messages import Ref, age_text
from shared.flows.model import Ask, Branch, Choice, Context, Done, Flow

NAME_MAX = 60


# --- parsers bound to this conversation's context -------------------------------------------------------

def _name(text: str, slots: dict, ctx: Context):
    name = " ".join(text.split())
    # Control characters (NUL included) and lone surrogates cannot be stored or shown: not a name.
    if not name or len(name) > NAME_MAX or not any(ch.isalpha() for ch in name) or \
            any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        return p.Invalid("invalid_name", {"max": NAME_MAX})
    return name


def _sex(text: str, slots: dict, ctx: Context):
    return p.parse_sex(text)


def _birth_date(text: str, slots: dict, ctx: Context):
    value = p.parse_date(text, today=ctx.today, earliest=ctx.today - timedelta(days=growth.ages.UNDER_FIVE_LAST_DAY))
    if isinstance(value, p.Invalid) and value.key == "date_too_early":
        return p.Invalid("child_too_old")
    return value


def _age_checked(months) -> float | p.Invalid:
    """An age in months as read, refused at once from 60 months (WHO 2006 covers under-fives)."""
    if isinstance(months, p.Invalid):
        return p.Invalid("child_too_old") if months.key == "number_out_of_range" else months
    return p.Invalid("child_too_old") if months >= growth.ages.UNDER_FIVE_MONTHS else months


def _birth_date_or_age(text: str, slots: dict, ctx: Context):
    """A family's answer to the birth date: the date, or the child's age when the date is not at hand ("1th 3bln",
    "20 bulan"), kept as the age given (the Buku KIA is asked about once, in the next step)."""
    born = _birth_date(text, slots, ctx)
    if not isinstance(born, p.Invalid) or born.key != "invalid_date":
        return born if isinstance(born, p.Invalid) else {"birth_date": born}
    months = p.parse_age_months(text, today=ctx.today)
    if isinstance(months, p.Invalid) and months.key == "invalid_age":
        return born
    months = _age_checked(months)
    return months if isinstance(months, p.Invalid) else {"age_given": months}


def _kia_date(text: str, slots: dict, ctx: Context):
    """The answer to "is the date in the Buku KIA?": the date, "tidak tahu" (the age given stands), or the age
    said again."""
    if " ".join(p.normalise(text).split()) in _NOT_KNOWN_WORDS or text.strip().casefold() in _NOT_KNOWN_WORDS:
        return {"age_months": slots.get("age_given")}
    born = _birth_date(text, slots, ctx)
    if not isinstance(born, p.Invalid):
        return {"birth_date": born}
    months = p.parse_age_months(text, today=ctx.today)
    if isinstance(months, p.Invalid) and months.key == "invalid_age":
        return born
    months = _age_checked(months)
    return months if isinstance(months, p.Invalid) else {"age_given": months, "age_months": months}


def _age_now(text: str, slots: dict, ctx: Context):
    """The age today, in months, of a registered child without a birth date ("15", "1th 3bln")."""
    return _age_checked(p.parse_age_months(text, today=ctx.today, bare_months=True))


def _measured_on(text: str, slots: dict, ctx: Context):
    born = _birth(slots, ctx)
    value = p.parse_date(text, today=ctx.today, earliest=born)
    if isinstance(value, p.Invalid) and value.key == "date_too_early":
        return p.Invalid("measured_before_birth")
    return value


def _number(lo_hi: tuple[float, float], unit: str):
    def parse(text: str, slots: dict, ctx: Context):
        return p.parse_number(text, lo=lo_hi[0], hi=lo_hi[1], unit=unit)
    return parse


def _measure(text: str, slots: dict, ctx: Context):
    return p.parse_measure(text)


def _yes_no(text: str, slots: dict, ctx: Context):
    return p.parse_yes_no(text)


def _pick_child(text: str, slots: dict, ctx: Context):
    options = {str(c["id"]): c["name"] for c in ctx.children}
    value = p.parse_choice(text, options)
    return int(value) if not isinstance(value, p.Invalid) else value


def _phone(text: str, slots: dict, ctx: Context):
    return p.parse_phone(text)


def _whole_words(query: str, name: str) -> bool:
    """Every word typed is a whole word of the name ("fajar" in "Fajar Nugroho", not "rina" in "Karina")."""
    words = name.casefold().split()
    return all(w in words for w in query.split())


def _find_child(text: str, slots: dict, ctx: Context):
    """A kader types (part of) a name: several matches offer a choice, none says so, and one is confirmed with its
    birth date before it is measured ("Betul Fajar (3/1/24)?"). A one-line entry ("Fajar 9,8 76") takes the child
    the name names whole, without the question: the short result shows the name and birth date instead; a name
    only partly typed ("rina" in Karina, a new child perhaps) is asked about, as the wrong child's parent would
    otherwise receive the result."""
    query = " ".join(text.split()).casefold()
    if len(query) < 2:
        return p.Invalid("kader_no_match", {"query": text.strip()})
    matches = [c for c in ctx.children if query in c["name"].casefold()]
    if not matches:
        return p.Invalid("kader_no_match", {"query": text.strip()[:40]})
    whole = [c for c in matches if _whole_words(query, c["name"])]
    if slots.get("one_line") and len(whole) == 1:
        return {"child_id": whole[0]["id"]}
    if len(matches) == 1:
        return {"candidate": matches[0]["id"]}
    return {"matches": [c["id"] for c in matches][:9]}


def _candidate(slots: dict, ctx: Context) -> dict | None:
    return next((c for c in ctx.children if c["id"] == slots.get("candidate")), None)


def _confirm_choices(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    """Yes takes the child the search found; no asks for the name again."""
    return (Choice(id="yes", key="choice_yes", value={"child_id": slots.get("candidate")}),
            Choice(id="no", key="choice_no", value={"candidate": None}))


def _confirm_child(text: str, slots: dict, ctx: Context):
    answer = p.parse_yes_no(text)
    if isinstance(answer, p.Invalid):
        return answer
    return {"child_id": slots.get("candidate")} if answer else {"candidate": None}


def _confirm_params(slots: dict, ctx: Context) -> dict:
    child = _candidate(slots, ctx)
    return {"child": child_label(child) if child else ""}


def _after_find(slots: dict, ctx: Context) -> str:
    if "child_id" not in slots and slots.get("matches"):
        return "pick"
    if "child_id" not in slots and slots.get("candidate") is not None:
        return "confirm"
    return _known_or_new(slots, ctx)


def _posyandu(text: str, slots: dict, ctx: Context):
    """A posyandu by (part of) its name or village; several matches or none ask again with a hint."""
    query = " ".join(text.split()).casefold()
    query = query.removeprefix("posyandu ").strip()
    if len(query) < 2:
        return p.Invalid("posyandu_unknown", {"query": text.strip()[:40]})
    matches = [x["id"] for x in ctx.posyandu if query in x["name"].casefold() or query == x["village"].casefold()]
    if len(matches) != 1:
        return p.Invalid("posyandu_unknown", {"query": text.strip()[:40]})
    return matches[0]


def _match_choices(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    wanted = set(slots.get("matches") or ())
    rows = [Choice(id=f"child:{c['id']}", key="choice_child", value=c["id"], params={"name": child_label(c)})
            for c in ctx.children if c["id"] in wanted]
    return (*rows, Choice(id="child:new", key="choice_new_child", value="new"))


def short_date(day: date | None) -> str:
    """A date as a kader writes it in the register, day first: 3/1/24 (a catalogue text when the birth date is
    not known)."""
    if day is None:
        return Ref("born_unknown_short")
    return f"{day.day}/{day.month}/{day.year % 100:02d}"


def child_label(child: dict) -> str:
    """A child's name with the birth date, so a kader can tell two children of the same name apart."""
    if not child.get("birth_date"):
        return Ref("child_label_born_unknown", name=child["name"])
    return f"{child['name']} ({short_date(date.fromisoformat(child['birth_date']))})"


def _pick_or_name_child(text: str, slots: dict, ctx: Context):
    """One of the family's children, or a name that is none of them: a new child of that name ("Budi")."""
    picked = _pick_child(text, slots, ctx)
    if any(ch.isdigit() for ch in text):  # a number picks from the list, never names a child
        return {"child_id": picked} if not isinstance(picked, p.Invalid) else picked
    if not isinstance(picked, p.Invalid):
        # A match by part of a word is another child: "Anita" is not Ani (the menu's loose matching would say so).
        chosen = next((c for c in ctx.children if c["id"] == picked), None)
        typed = p.normalise(text).split()
        if chosen is None or all(w in typed for w in p.normalise(chosen["name"]).split()) or not typed:
            return {"child_id": picked}
    name = _name(text, slots, ctx)
    return picked if isinstance(name, p.Invalid) else {"child_id": "new", "name": name}


def _measure_child_choices(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    return tuple(replace(c, value={"child_id": c.value}) for c in _child_choices(slots, ctx))


def _pick_match(text: str, slots: dict, ctx: Context):
    wanted = set(slots.get("matches") or ())
    options = {str(c["id"]): c["name"] for c in ctx.children if c["id"] in wanted}
    value = p.parse_choice(text, options)
    return int(value) if not isinstance(value, p.Invalid) else value


# --- helpers on collected slots ----------------------------------------------------------------------------

def _child(slots: dict, ctx: Context) -> dict | None:
    child_id = slots.get("child_id")
    return next((c for c in ctx.children if c["id"] == child_id), None)


def _birth(slots: dict, ctx: Context) -> date | None:
    child = _child(slots, ctx)
    raw = child["birth_date"] if child else slots.get("birth_date")
    return date.fromisoformat(raw) if isinstance(raw, str) else raw


def _age_given(slots: dict) -> float | None:
    """The age in months a family gave for a child whose birth date is not known (asked today, or brought)."""
    months = slots.get("age_months", slots.get("age_given"))
    return float(months) if isinstance(months, (int, float)) else None


def _age_days(slots: dict, ctx: Context) -> int | None:
    born = _birth(slots, ctx)
    on = slots.get("measured_on")
    on = date.fromisoformat(on) if isinstance(on, str) else ctx.today
    if born:
        return (on - born).days
    months = _age_given(slots)
    return growth.ages.round_up(growth.ages.age_days_from_months(months)) if months is not None else None


def _has(*names: str):
    return lambda slots, ctx: all(slots.get(n) not in (None, "") for n in names)


def _known_child(slots: dict, ctx: Context) -> bool:
    return _child(slots, ctx) is not None


def _child_choices(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    rows = [Choice(id=f"child:{c['id']}", key="choice_child", value=c["id"], params={"name": c["name"]})
            for c in ctx.children[:9]]  # Meta: at most 10 list rows; one is "new child"
    return (*rows, Choice(id="child:new", key="choice_new_child", value="new"))


def _known_or_new(slots: dict, ctx: Context) -> str:
    return "known" if _known_child(slots, ctx) else "new"


# After the child is picked: a known child goes straight to the measuring date (its age asked first when it has no
# birth date), a new one is registered first.
AFTER_CHILD = Branch(_known_or_new, {"known": "age_now", "new": "name"})


def _default_measure(slots: dict, ctx: Context) -> str:
    return growth.ages.usual_measure(_age_days(slots, ctx))


def _measure_params(slots: dict, ctx: Context) -> dict:
    return {"usual_text": Ref("usual_lying" if _default_measure(slots, ctx) == "l" else "usual_standing")}


def _measure_choices(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    lying = Choice(id="measure:l", key="choice_lying", value="l")
    standing = Choice(id="measure:h", key="choice_standing", value="h")
    return (lying, standing) if _default_measure(slots, ctx) == "l" else (standing, lying)


def implied_measure(slots: dict, ctx: Context) -> str | None:
    """How the child was measured: said in words, or implied by the label only where the label matches the usual
    position for the age ("pb" under 2 years is lying, "tb" from 2 years is standing). Parents write "tb" for any
    length, so "tb" under 2 (or "pb" from 2) implies nothing and the position is asked."""
    if slots.get("measure") in ("l", "h"):
        return slots["measure"]
    label = {"pb": "l", "tb": "h"}.get(slots.get("lenhei_label") or "")
    return label if label is not None and label == _default_measure(slots, ctx) else None


def _measure_known(slots: dict, ctx: Context) -> bool:
    return implied_measure(slots, ctx) is not None


def _armc_skipped(slots: dict, ctx: Context) -> bool:
    """LILA is asked from 6 months: there is no LILA cut-off for younger babies (WHO 2013)."""
    age = _age_days(slots, ctx)
    return "armc_cm" in slots or (age is not None and growth.ages.completed_months_from_days(age) < MUAC_FROM_MONTHS)


def _previous_on(text: str, slots: dict, ctx: Context):
    """When the earlier weight the family mentioned was taken: after birth, before this measurement."""
    born = _birth(slots, ctx)
    on = slots.get("measured_on")
    value = p.parse_date(text, today=date.fromisoformat(on) - timedelta(days=1) if on else ctx.today, earliest=born)
    if isinstance(value, p.Invalid) and value.key == "date_too_early":
        return p.Invalid("measured_before_birth")
    if isinstance(value, p.Invalid) and value.key == "date_in_future":
        return p.Invalid("previous_not_before")
    return value


def _previous_params(slots: dict, ctx: Context) -> dict:
    return {"weight_kg": float(slots.get("previous_weight_kg") or 0)}


def _kia_choices(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    return (Choice(id="kia:unknown", key="choice_date_unknown", value={"age_months": slots.get("age_given")}),)


def _kia_params(slots: dict, ctx: Context) -> dict:
    months = _age_given(slots) or 0
    return {"age": age_text(growth.ages.completed_months_from_days(growth.ages.age_days_from_months(months)))}


def _kia_skipped(slots: dict, ctx: Context) -> bool:
    """The Buku KIA is asked about once, only for a new child whose age was given instead of its birth date."""
    return slots.get("age_given") is None or bool(slots.get("birth_date")) or "age_months" in slots \
        or _known_child(slots, ctx)


def _age_now_skipped(slots: dict, ctx: Context) -> bool:
    """Asked only of a registered child without a birth date, when this conversation has no age for it yet."""
    child = _child(slots, ctx)
    return child is None or bool(child.get("birth_date")) or _age_given(slots) is not None


SKIP = Choice(id="skip", key="choice_skip", value=None)
NOT_MEASURED = Choice(id="lenhei:none", key="choice_not_measured", value=None)
_NOT_KNOWN_WORDS = frozenset({"tidak tahu", "tidak tau", "gak tau", "ga tau", "gak tahu", "ga tahu", "nggak tau",
                              "ngga tau", "tdk tahu", "tdk tau", "gatau", "gatau tanggalnya", "tidak tahu tanggalnya",
                              "lupa", "tidak ada", "gak ada", "ga ada", "tidak", "gak", "nggak", "belum", "belum tahu",
                              "don't know", "dont know", "no", "unknown"})
_NOT_MEASURED_WORDS = frozenset({"belum diukur", "belum", "tidak diukur", "gak diukur", "ga diukur", "tidak tahu",
                                 "tidak tau", "gak tau", "ga tau", "belum tahu", "not measured", "don't know"})


def _optional_number(lo_hi: tuple[float, float], unit: str):
    """A measurement that may not have been taken: a number, or "belum diukur" (None: the check goes on without
    it, e.g. with the weight alone for a length)."""
    def parse(text: str, slots: dict, ctx: Context):
        if " ".join(p.normalise(text).split()) in _NOT_MEASURED_WORDS or \
                text.strip().casefold() in _NOT_MEASURED_WORDS:
            return None
        return p.parse_number(text, lo=lo_hi[0], hi=lo_hi[1], unit=unit)
    return parse


def _scores(slots: dict, ctx: Context) -> growth.WhoScores | None:
    """WHO's z-scores of what is known so far (None before sex and age are), to catch a slip at once."""
    age = _age_days(slots, ctx)
    sex = {"M": 1, "F": 2}.get(str(slots.get("sex") or (_child(slots, ctx) or {}).get("sex")))
    if age is None or sex is None or age < 0:
        return None
    lenhei = slots.get("lenhei_cm")
    try:
        return growth.compute(sex, age, weight_kg=slots.get("weight_kg"), lenhei_cm=lenhei,
                              measure=(implied_measure(slots, ctx) or _default_measure(slots, ctx)) if lenhei else None)
    except growth.InvalidMeasurement:
        return None


def _weight_unusual(slots: dict, ctx: Context) -> bool:
    """A weight WHO flags as implausible for the age (weight-for-age z below -6 or above +5), not yet confirmed."""
    if slots.get("weight_checked") or not slots.get("weight_kg"):
        return False
    scores = _scores(slots, ctx)
    return bool(scores is not None and scores.zwei.flag)


def _lenhei_unusual(slots: dict, ctx: Context) -> bool:
    """A length WHO flags for the age (|z| > 6), or with the weight (weight-for-length |z| > 5), not yet confirmed."""
    if slots.get("lenhei_checked") or not slots.get("lenhei_cm"):
        return False
    scores = _scores(slots, ctx)
    return bool(scores is not None and (scores.zlen.flag or scores.zwfl.flag))


def _recheck(slot: str, checked: str, lo_hi: tuple[float, float], unit: str):
    """The answer to "is this number right?": yes sets `checked` and keeps the number, a new number replaces it
    (and is checked again)."""
    def parse(text: str, slots: dict, ctx: Context):
        if p.parse_yes_no(text) is True:
            return {checked: True}
        value = p.parse_number(text, lo=lo_hi[0], hi=lo_hi[1], unit=unit)
        return value if isinstance(value, p.Invalid) else {slot: value}
    return parse


def _right_choice(checked: str) -> tuple[Choice, ...]:
    return (Choice(id="check:right", key="choice_value_right", value={checked: True}),)


def check_known(slots: dict, ctx: Context) -> tuple[dict, tuple[p.Invalid, ...]]:
    """Answers a free-text message brought, checked as their questions check them, before any question is asked:
    a birth date over five years ago ("child_too_old"), or a measuring date before the birth. A wrong answer is
    dropped (its question is then asked) and said why."""
    out, problems = dict(slots), []
    given = out.get("age_given")
    if isinstance(given, (int, float)) and given >= growth.ages.UNDER_FIVE_MONTHS:
        problems.append(p.Invalid("child_too_old"))
        out.pop("age_given")
    born = out.get("birth_date")
    if isinstance(born, str):
        born_on = date.fromisoformat(born)
        if (ctx.today - born_on).days > growth.ages.UNDER_FIVE_LAST_DAY:
            problems.append(p.Invalid("child_too_old"))
            out.pop("birth_date")
        else:
            on = out.get("measured_on")
            if isinstance(on, str) and date.fromisoformat(on) < born_on:
                problems.append(p.Invalid("measured_before_birth"))
                out.pop("measured_on")
    return out, tuple(problems)


def _check_params(slots: dict, ctx: Context) -> dict:
    age = _age_days(slots, ctx) or 0
    weight = slots.get("weight_kg")
    return {"weight_kg": float(weight or 0), "lenhei_cm": float(slots.get("lenhei_cm") or 0),
            "age": age_text(growth.ages.completed_months_from_days(age)),
            "with_weight": Ref("check_with_weight", weight_kg=float(weight)) if weight else ""}
FORGOT = Choice(id="skip", key="choice_forgot", value=None)


def _today_choice(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    return (Choice(id="date:today", key="choice_today", value=ctx.today),)
YES_NO = (Choice(id="yes", key="choice_yes", value=True), Choice(id="no", key="choice_no", value=False))


def _confirmed(slots: dict, ctx: Context) -> str:
    return "yes" if slots["confirmed"] else "no"


# "Is this number right?", asked when WHO would flag it for the child (its `next` is set where it is used).
WEIGHT_CHECK = Ask("check_weight", parse=_recheck("weight_kg", "weight_checked", WEIGHT_KG, "kg"), save_as="*",
                   next="", choices=_right_choice("weight_checked"), prompt_params=_check_params,
                   skip=lambda s, c: not _weight_unusual(s, c))
LENHEI_CHECK = Ask("check_lenhei", parse=_recheck("lenhei_cm", "lenhei_checked", LENHEI_CM, "cm"), save_as="*",
                   next="", choices=_right_choice("lenhei_checked"), prompt_params=_check_params,
                   skip=lambda s, c: not _lenhei_unusual(s, c))

BIRTH_DATE = Ask("ask_birth_date", parse=_birth_date, save_as="birth_date", skip=_has("birth_date"), next="",
                 stuck="stuck_birth_date")
# "Umur 1th 3bln": the age is noted, and the date asked for once from the Buku KIA (a date gives an exact result).
BIRTH_KIA = Ask("ask_birth_kia", parse=_kia_date, save_as="*", choices=_kia_choices, prompt_params=_kia_params,
                skip=_kia_skipped, next="", stuck="stuck_birth_kia")
# A registered child without a birth date measured again: its age today, since months given once go stale.
AGE_NOW = Ask("ask_age_now", parse=_age_now, save_as="age_months", skip=_age_now_skipped, next="measured_on",
              prompt_params=lambda s, c: {"name": (_child(s, c) or {}).get("name", "")}, stuck="stuck_age_now")

# --- flows ---------------------------------------------------------------------------------------------------

ONBOARDING = Flow(
    id="onboarding",
    start="consent",
    steps={
        "consent": Ask(
            "welcome_consent", parse=_yes_no, save_as="consent",
            choices=lambda s, c: (Choice(id="consent:yes", key="choice_agree", value=True),
                                  Choice(id="consent:no", key="choice_disagree", value=False),
                                  Choice(id="consent:id", key="choice_indonesian", value="id")
                                  if s.get("consent", c.lang) == "en"  # the language just chosen, else the current
                                  else Choice(id="consent:en", key="choice_english", value="en")),
            next=Branch(lambda s, c: "language" if s.get("consent") in ("en", "id") else
                        "agree" if s.get("consent") is True else "decline",
                        {"language": "consent", "agree": Done("give_consent"), "decline": Done("decline_consent")}),
        ),
    },
)

MEASURE = Flow(
    id="measure",
    start="child",
    steps={
        "child": Ask("ask_which_child", parse=_pick_or_name_child, save_as="*", choices=_measure_child_choices,
                     skip=lambda s, c: not c.children or _known_child(s, c) or s.get("child_id") == "new"
                     or bool(s.get("birth_date")),
                     next="early_weight_check"),
        # Numbers a free-text message brought that do not fit the child are asked about before the name or
        # anything else (the same checks stand after the weight and the length for answers typed one by one).
        "early_weight_check": replace(WEIGHT_CHECK, next="early_lenhei_check"),
        "early_lenhei_check": replace(LENHEI_CHECK, next="early_kia"),
        # A message that gave an age and no birth date ("umur 1th 3bln"): the Buku KIA is asked about at once.
        "early_kia": replace(BIRTH_KIA, next=AFTER_CHILD),
        "age_now": AGE_NOW,
        "name": Ask("ask_child_name", parse=_name, save_as="name", skip=_has("name"), next="sex", stuck="stuck_name"),
        "sex": Ask("ask_sex", parse=_sex, save_as="sex", skip=_has("sex"), stuck="stuck_sex",
                   choices=(Choice(id="sex:M", key="choice_boy", value="M"),
                            Choice(id="sex:F", key="choice_girl", value="F")),
                   next="birth_date"),
        # A family without the date may give the age instead (WHO Anthro's age in months); asked once about the
        # Buku KIA, the age then stands and the result says it is approximate.
        "birth_date": replace(BIRTH_DATE, parse=_birth_date_or_age, save_as="*", stuck="stuck_birth_date_or_age",
                              skip=lambda s, c: bool(s.get("birth_date")) or _age_given(s) is not None,
                              next="birth_kia"),
        "birth_kia": replace(BIRTH_KIA, next="posyandu"),
        # Optional: which posyandu weighs the child (its kader then see the child in their Sheet).
        "posyandu": Ask("ask_posyandu", parse=_posyandu, save_as="posyandu_id", choices=(SKIP,),
                        skip=lambda s, c: "posyandu_id" in s or _known_child(s, c) or not c.posyandu,
                        next="measured_on"),
        "measured_on": Ask("ask_measured_on", parse=_measured_on, save_as="measured_on",
                           choices=_today_choice, skip=_has("measured_on"), next="weight", stuck="stuck_measured_on"),
        "weight": Ask("ask_weight", parse=_number(WEIGHT_KG, "kg"), save_as="weight_kg", skip=_has("weight_kg"),
                      next="weight_check", stuck="stuck_weight"),
        # A weight WHO would flag for this age is asked about at once, not after six more questions.
        "weight_check": replace(WEIGHT_CHECK, next="previous_on"),
        # "bb turun dari 10,1 jadi 9,7": the earlier weight is the previous weighing; ask when it was taken.
        "previous_on": Ask("ask_previous_on", parse=_previous_on, save_as="previous_on", choices=(FORGOT,),
                           prompt_params=_previous_params,
                           skip=lambda s, c: "previous_on" in s or not s.get("previous_weight_kg"), next="lenhei"),
        # "Belum diukur": a weight-only check (weight-for-age alone, said plainly in the result).
        "lenhei": Ask("ask_lenhei", parse=_optional_number(LENHEI_CM, "cm"), save_as="lenhei_cm", choices=(NOT_MEASURED,),
                      skip=lambda s, c: "lenhei_cm" in s, next="measure", stuck="stuck_lenhei"),
        "measure": Ask("ask_measure", parse=_measure, save_as="measure", choices=_measure_choices,
                       prompt_params=_measure_params, skip=lambda s, c: not s.get("lenhei_cm") or _measure_known(s, c),
                       next="lenhei_check", stuck="stuck_measure"),
        "lenhei_check": replace(LENHEI_CHECK, next="headc"),
        "headc": Ask("ask_headc", parse=_optional_number(HEADC_CM, "cm"), save_as="headc_cm", choices=(SKIP,),
                     skip=lambda s, c: "headc_cm" in s, next="armc"),
        "armc": Ask("ask_armc", parse=_optional_number(ARMC_CM, "cm"), save_as="armc_cm", choices=(SKIP,),
                    skip=_armc_skipped, next="oedema"),
        # Asked for every child, as one tap: kwashiorkor can look well-fed (WHO 2013). A quick entry that said
        # "tidak bengkak" is not asked again.
        "oedema": Ask("ask_oedema", parse=_yes_no, save_as="oedema", choices=YES_NO, skip=_has("oedema"),
                      next=Done("assess_growth"), stuck="stuck_oedema"),
    },
)

_NEW_CHILD = Choice(id="child:new", key="choice_new_child", value={"child_id": "new"})

# Kader register a new child from the KMS or the posyandu register, which has the date: a birth date only.

KADER_MEASURE = Flow(
    id="kader_measure",
    start="find",
    steps={
        "find": Ask("kader_ask_child", parse=_find_child, save_as="*", choices=(_NEW_CHILD,),
                    skip=lambda s, c: "child_id" in s or bool(s.get("matches")),
                    next=Branch(_after_find, {"pick": "pick", "confirm": "confirm", **AFTER_CHILD.to})),
        # One child found by a name typed alone: "Betul Fajar (3/1/24)?" before anything is recorded for it.
        "confirm": Ask("kader_confirm_child", parse=_confirm_child, save_as="*", choices=_confirm_choices,
                       prompt_params=_confirm_params,
                       skip=lambda s, c: "child_id" in s or _candidate(s, c) is None,
                       next=Branch(lambda s, c: _known_or_new(s, c) if "child_id" in s else "find",
                                   {"find": "find", **AFTER_CHILD.to})),
        "pick": Ask("ask_which_child", parse=_pick_match, save_as="child_id", choices=_match_choices,
                    skip=lambda s, c: "child_id" in s, next=AFTER_CHILD),
        "name": MEASURE.steps["name"],
        "sex": MEASURE.steps["sex"],
        "age_now": AGE_NOW,
        "birth_date": replace(BIRTH_DATE, next="parent_phone"),
        "parent_phone": Ask("kader_ask_parent_phone", parse=_phone, save_as="parent_wa_id", choices=(SKIP,),
                            skip=lambda s, c: "parent_wa_id" in s or _known_child(s, c), next="measured_on"),
        **{k: v for k, v in MEASURE.steps.items()
           if k in ("measured_on", "weight", "weight_check", "previous_on", "lenhei", "measure", "lenhei_check",
                    "headc", "armc", "oedema")},
    },
)

LANGUAGE = Flow(
    id="language",
    start="lang",
    steps={"lang": Ask("ask_language", parse=lambda t, s, c: p.parse_choice(t, {"id": "indonesia", "en": "english"}),
                       save_as="lang",
                       choices=(Choice(id="lang:id", key="choice_indonesian", value="id"),
                                Choice(id="lang:en", key="choice_english", value="en")),
                       next=Done("set_language"))},
)

CONFIRM_STOP = Flow(
    id="confirm_stop",
    start="confirm",
    steps={"confirm": Ask("confirm_stop", parse=_yes_no, save_as="confirmed", choices=YES_NO,
                          next=Branch(_confirmed, {"yes": Done("stop_reminders"), "no": Done("cancelled")}))},
)

CONFIRM_DELETE = Flow(
    id="confirm_delete",
    start="confirm",
    steps={"confirm": Ask("confirm_delete", parse=_yes_no, save_as="confirmed",
                          choices=(Choice(id="delete:yes", key="choice_delete_yes", value=True),
                                   Choice(id="delete:no", key="choice_delete_no", value=False)),
                          next=Branch(_confirmed, {"yes": Done("delete_family"), "no": Done("cancelled")}))},
)

HISTORY = Flow(
    id="history",
    start="child",
    steps={"child": Ask("ask_which_child", parse=_pick_child, save_as="child_id",
                        choices=lambda s, c: _child_choices(s, c)[:-1],
                        skip=lambda s, c: len(c.children) <= 1 or _known_child(s, c),
                        next=Done("show_history"))},
)


def _field(text: str, slots: dict, ctx: Context):
    return p.parse_choice(text, {"name": "nama", "sex": "jenis kelamin", "birth_date": "tanggal lahir"})


def _correcting(field: str):
    return lambda s, c: s.get("field") != field


# "UBAH DATA": a family corrects a child's name, sex or birth date (UU 27/2022: the right to correct); every result
# of the child is then recomputed.
CORRECT = Flow(
    id="correct",
    start="child",
    steps={
        "child": replace(HISTORY.steps["child"], next="field"),
        "field": Ask("ask_correct_field", parse=_field, save_as="field",
                     prompt_params=lambda s, c: {"name": (_child(s, c) or {}).get("name", "")},
                     choices=(Choice(id="field:name", key="choice_field_name", value="name"),
                              Choice(id="field:sex", key="choice_field_sex", value="sex"),
                              Choice(id="field:birth_date", key="choice_field_birth_date", value="birth_date")),
                     next="name"),
        "name": replace(MEASURE.steps["name"], skip=_correcting("name"), next="sex"),
        "sex": replace(MEASURE.steps["sex"], skip=_correcting("sex"), next="birth_date"),
        "birth_date": replace(BIRTH_DATE, skip=_correcting("birth_date"), next=Done("correct_child")),
    },
)

FLOWS = {f.id: f for f in (ONBOARDING, MEASURE, KADER_MEASURE, LANGUAGE, CONFIRM_STOP, CONFIRM_DELETE, HISTORY,
                           CORRECT)}
