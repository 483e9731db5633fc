"""The conversation flows, as data: onboarding (consent), measuring a child (registering one on the way),
language, and the confirmations for STOP and HAPUS. No I/O and no Bahasa text here: prompts are catalogue keys.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

from shared.domain import growth
from shared.domain.growth.classify import MUAC_FROM_MONTHS
from shared.domain.growth.input_ranges import ARMC_CM, HEADC_CM, LENHEI_CM, WEIGHT_KG
from shared.flows import parsers as p
from shared.flows.messages import Ref
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


_PHONE_JUNK = re.compile(r"[\s\-().]")


def _phone(text: str, slots: dict, ctx: Context):
    """An Indonesian mobile number as Meta's wa_id: 0812…, +62 812…, 62812… → 62812… (10–13 digits after 62)."""
    digits = _PHONE_JUNK.sub("", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits.isdigit() or not digits.startswith("628") or not 10 <= len(digits) <= 15:
        return p.Invalid("invalid_phone")
    return digits


def _find_child(text: str, slots: dict, ctx: Context):
    """A kader types (part of) a name: one match picks the child, several offer a choice, none says so."""
    query = " ".join(text.split()).casefold()
    if len(query) < 2:
        return p.Invalid("kader_no_match", {"query": text.strip()})
    matches = [c["id"] for c in ctx.children if query in c["name"].casefold()]
    if not matches:
        return p.Invalid("kader_no_match", {"query": text.strip()[:40]})
    return {"child_id": matches[0]} if len(matches) == 1 else {"matches": matches[:9]}


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
    rows = [Choice(id=f"child:{c['id']}", key="choice_child", value=c["id"], params={"name": _label(c)})
            for c in ctx.children if c["id"] in wanted]
    return (*rows, Choice(id="child:new", key="choice_new_child", value="new"))


def _label(child: dict) -> str:
    """A child's name with the birth date, so a kader can tell two children of the same name apart."""
    born = date.fromisoformat(child["birth_date"])
    return f"{child['name']} ({born.day}/{born.month}/{born.year % 100:02d})"


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


def _age_days(slots: dict, ctx: Context) -> int | None:
    born = _birth(slots, ctx)
    on = slots.get("measured_on")
    on = date.fromisoformat(on) if isinstance(on, str) else ctx.today
    return (on - born).days if born else None


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


# After the child is picked: a known child goes straight to the measuring date, a new one is registered first.
AFTER_CHILD = Branch(_known_or_new, {"known": "measured_on", "new": "name"})


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


SKIP = Choice(id="skip", key="choice_skip", value=None)
FORGOT = Choice(id="skip", key="choice_forgot", value=None)


def _today_choice(slots: dict, ctx: Context) -> tuple[Choice, ...]:
    return (Choice(id="date:today", key="choice_today", value=ctx.today),)
YES_NO = (Choice(id="yes", key="choice_yes", value=True), Choice(id="no", key="choice_no", value=False))


def _confirmed(slots: dict, ctx: Context) -> str:
    return "yes" if slots["confirmed"] else "no"


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
        "child": Ask("ask_which_child", parse=_pick_child, save_as="child_id", choices=_child_choices,
                     skip=lambda s, c: not c.children or _known_child(s, c) or s.get("child_id") == "new"
                     or bool(s.get("birth_date")),
                     next=AFTER_CHILD),
        "name": Ask("ask_child_name", parse=_name, save_as="name", skip=_has("name"), next="sex"),
        "sex": Ask("ask_sex", parse=_sex, save_as="sex", skip=_has("sex"),
                   choices=(Choice(id="sex:M", key="choice_boy", value="M"),
                            Choice(id="sex:F", key="choice_girl", value="F")),
                   next="birth_date"),
        "birth_date": Ask("ask_birth_date", parse=_birth_date, save_as="birth_date", skip=_has("birth_date"),
                          next="posyandu"),
        # Optional: which posyandu weighs the child (its kader then see the child in their Sheet).
        "posyandu": Ask("ask_posyandu", parse=_posyandu, save_as="posyandu_id", choices=(SKIP,),
                        skip=lambda s, c: "posyandu_id" in s or _known_child(s, c) or not c.posyandu,
                        next="measured_on"),
        "measured_on": Ask("ask_measured_on", parse=_measured_on, save_as="measured_on",
                           choices=_today_choice, skip=_has("measured_on"), next="weight"),
        "weight": Ask("ask_weight", parse=_number(WEIGHT_KG, "kg"), save_as="weight_kg", skip=_has("weight_kg"),
                      next="previous_on"),
        # "bb turun dari 10,1 jadi 9,7": the earlier weight is the previous weighing; ask when it was taken.
        "previous_on": Ask("ask_previous_on", parse=_previous_on, save_as="previous_on", choices=(FORGOT,),
                           prompt_params=_previous_params,
                           skip=lambda s, c: "previous_on" in s or not s.get("previous_weight_kg"), next="lenhei"),
        "lenhei": Ask("ask_lenhei", parse=_number(LENHEI_CM, "cm"), save_as="lenhei_cm", skip=_has("lenhei_cm"),
                      next="measure"),
        "measure": Ask("ask_measure", parse=_measure, save_as="measure", choices=_measure_choices,
                       prompt_params=_measure_params, skip=lambda s, c: not s.get("lenhei_cm") or _measure_known(s, c),
                       next="headc"),
        "headc": Ask("ask_headc", parse=_number(HEADC_CM, "cm"), save_as="headc_cm", choices=(SKIP,),
                     skip=lambda s, c: "headc_cm" in s, next="armc"),
        "armc": Ask("ask_armc", parse=_number(ARMC_CM, "cm"), save_as="armc_cm", choices=(SKIP,),
                    skip=_armc_skipped, next="oedema"),
        # Asked for every child, as one tap: kwashiorkor can look well-fed (WHO 2013). A quick entry that said
        # "tidak bengkak" is not asked again.
        "oedema": Ask("ask_oedema", parse=_yes_no, save_as="oedema", choices=YES_NO, skip=_has("oedema"),
                      next=Done("assess_growth")),
    },
)

_NEW_CHILD = Choice(id="child:new", key="choice_new_child", value={"child_id": "new"})

KADER_MEASURE = Flow(
    id="kader_measure",
    start="find",
    steps={
        "find": Ask("kader_ask_child", parse=_find_child, save_as="*", choices=(_NEW_CHILD,),
                    skip=lambda s, c: "child_id" in s or bool(s.get("matches")),
                    next=Branch(lambda s, c: "pick" if s.get("matches") and "child_id" not in s else
                                _known_or_new(s, c), {"pick": "pick", **AFTER_CHILD.to})),
        "pick": Ask("ask_which_child", parse=_pick_match, save_as="child_id", choices=_match_choices,
                    skip=lambda s, c: "child_id" in s, next=AFTER_CHILD),
        "name": MEASURE.steps["name"],
        "sex": MEASURE.steps["sex"],
        "birth_date": replace(MEASURE.steps["birth_date"], next="parent_phone"),
        "parent_phone": Ask("kader_ask_parent_phone", parse=_phone, save_as="parent_wa_id", choices=(SKIP,),
                            skip=lambda s, c: "parent_wa_id" in s or _known_child(s, c), next="measured_on"),
        **{k: v for k, v in MEASURE.steps.items()
           if k in ("measured_on", "weight", "previous_on", "lenhei", "measure", "headc", "armc", "oedema")},
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
        "birth_date": replace(MEASURE.steps["birth_date"], skip=_correcting("birth_date"),
                              next=Done("correct_child")),
    },
)

FLOWS = {f.id: f for f in (ONBOARDING, MEASURE, KADER_MEASURE, LANGUAGE, CONFIRM_STOP, CONFIRM_DELETE, HISTORY,
                           CORRECT)}
