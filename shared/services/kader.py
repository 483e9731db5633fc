"""Posyandu day for a kader, as pure functions: what a one-line entry fills in, the short result a kader reads
(one message: who, how old, the Permenkes categories and status, how soon to refer, whether the parent was told),
the day's recap (REKAP), and the examples the kader's menu and help show. Builds catalogue replies; no I/O.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Sequence

from shared.domain.advice import Urgency
from shared.domain.growth import GrowthAssessment, ages, tables
from shared.domain.model import Child, Measurement
from shared.flows.definitions import NAME_MAX, short_date
from shared.flows.examples import months_before
from shared.flows.messages import Join, Ref
from shared.flows.model import Choice, Reply
from shared.flows.parsers import KaderLine
from shared.services import results
from shared.services.assessing import Entry, Evaluation

RECAP_CHOICE = Choice("kader:recap", "choice_kader_recap")
LINE_AFTER_RESULT = (RECAP_CHOICE, Choice("next:menu", "choice_menu"))
RECAP_AFTER = (Choice("kader:measure", "choice_kader_measure"), Choice("next:menu", "choice_menu"))

# indicator -> (short label before 731 days, from 731 days): the register's abbreviations, in the register's order.
# Labels follow the table the z-score was computed on, as the family's result does (results.result_replies).
_SHORT_LABELS = {
    "weight_for_age": ("kader_ind_wfa", "kader_ind_wfa"),
    "length_for_age": ("kader_ind_lfa_pb", "kader_ind_lfa_tb"),
    "weight_for_length": ("kader_ind_wfl_pb", "kader_ind_wfl_tb"),
    "bmi_for_age": ("kader_ind_bfa", "kader_ind_bfa"),
    "head_circumference_for_age": ("kader_ind_hcfa", "kader_ind_hcfa"),
}

# Examples in the kader's menu and help: healthy children of today's age (as flows.examples does for families), so
# a kader who tries one is not alarmed. (sex, completed months, how measured.)
_EXAMPLE_KNOWN = ("M", 14)
_EXAMPLE_NEW = ("F", 10)


def examples(today: date) -> dict:
    """The menu's and help's example lines ("Fajar 9,8 76 telentang", "baru: Lestari P …") as catalogue refs."""
    def sizes(sex: str, months: int) -> tuple[date, float, float]:
        born = months_before(today, months)
        age = ages.age_days_between(born, today)
        code = tables.MALE if sex == "M" else tables.FEMALE
        return born, round(tables.median("wfa", code, age), 1), round(tables.median("lhfa", code, age))

    _, weight, length = sizes(*_EXAMPLE_KNOWN)
    born, new_weight, new_length = sizes(*_EXAMPLE_NEW)
    return {"example": Ref("kader_example_line", weight_kg=weight, lenhei_cm=float(length)),
            "example_new": Ref("kader_example_new", birth_date=f"{born.day}-{born.month}-{born.year}",
                               weight_kg=new_weight, lenhei_cm=float(new_length))}


# --- one line a child ----------------------------------------------------------------------------------------------

def registered_already(line: KaderLine, children: Sequence[Child]) -> Child | None:
    """The posyandu's child a "baru: …" line describes again (same name, sex and birth date): measured, not
    registered twice."""
    if not line.new or line.birth_date is None or not line.query:
        return None
    name = " ".join(line.query.split()).casefold()
    same = [c for c in children if c.birth_date == line.birth_date and (line.sex is None or c.sex == line.sex)
            and " ".join(c.name.split()).casefold() == name]
    return same[0] if len(same) == 1 else None


def line_slots(line: KaderLine, today: date, known: Child | None = None) -> dict:
    """The slots a one-line entry fills for the kader's measuring flow. A line with a weight or a length is measured
    today, in one go: what it leaves out of the optional measures (head, LILA) is not asked, and a new child without
    a parent's number is registered without one. Oedema is asked unless the line says "tidak bengkak"; the position
    unless the line implies it. `known` is the registered child a "baru" line turned out to be."""
    slots: dict = {}
    if line.measured:
        slots.update(one_line=True, measured_on=today.isoformat(), headc_cm=line.headc_cm, armc_cm=line.armc_cm)
        slots.update({k: v for k in ("weight_kg", "lenhei_cm", "measure", "lenhei_label")
                      if (v := getattr(line, k)) is not None})
        if line.oedema is False:  # only "tidak bengkak" spares the question; a swelling said is asked properly
            slots["oedema"] = False
        if line.concerns:
            slots["concerns"] = list(line.concerns)
    if known is not None:
        slots["child_id"] = known.id
    elif line.new:
        slots["child_id"] = "new"
        if line.query and len(line.query) <= NAME_MAX:
            slots["name"] = line.query
        if line.sex:
            slots["sex"] = line.sex
        if line.birth_date:
            slots["birth_date"] = line.birth_date.isoformat()
        if line.parent_wa_id:
            slots["parent_wa_id"] = line.parent_wa_id
        elif line.measured and not line.parent_given:
            slots["parent_wa_id"] = None  # the one-line form leaves the number out on purpose: not asked
    return slots


def _categories(a: GrowthAssessment) -> Join:
    """The Permenkes categories in the register's abbreviations: "BB/U berat badan normal, PB/U pendek, …"."""
    height = a.age_days >= ages.HEIGHT_FROM_DAY
    categories = results.indicator_categories(a)
    parts = [Ref("kader_category", indicator=Ref(labels[height]), category=categories[indicator])
             for indicator, labels in _SHORT_LABELS.items() if indicator in categories]
    if a.muac is not None:
        parts.append(Ref("kader_category", indicator=Ref("ind_lila", armc_cm=a.armc_cm),
                         category=Ref(f"cat_{a.muac.value}")))
    return Join(parts)


def line_result(child: Child, ev: Evaluation, entry: Entry, parent_note: str | None,
                staff_notified: bool = False) -> tuple[Reply, ...]:
    """A one-line entry's result as the kader reads it, in one message: name and birth date (to see that it is the
    right child), age, the numbers as read, the categories and status line of the advice matrix, how soon to refer
    and why (said plainly), whether the parent was told or why not (`parent_note`, a catalogue key), and "next?".
    A value to re-measure says so instead, with "measure again"."""
    a = ev.assessment
    height = a.age_days >= ages.HEIGHT_FROM_DAY
    lying = entry.measure == "l" if entry.measure else not height
    head = {"name": child.name, "born": short_date(child.birth_date), "age": results.age_words(ev),
            "weight_kg": float(entry.weight_kg) if entry.weight_kg is not None else "–",
            "lenhei_label": Ref("lenhei_pb" if lying else "lenhei_tb"),
            "lenhei_cm": float(entry.lenhei_cm) if entry.lenhei_cm is not None else "–"}
    advice = ev.advice
    if advice is None:
        (remeasure,) = results.remeasure_replies(child.name, ev, child.id)
        return (Reply("kader_line_head", head), Reply(remeasure.key, remeasure.params),
                Reply("kader_line_next", choices=(results.remeasure_choices(child.id)[0], *LINE_AFTER_RESULT)))
    code = ev.gain.status.code if ev.gain is not None else None
    replies = [Reply("kader_line_result", {**head, "gain": Ref(f"gain_word_{code}" if code in ("N", "T") else
                                                               "gain_word_none"),
                                           "categories": _categories(a), "status": results.status_words(advice)})]
    if advice.tier > Urgency.ROUTINE and advice.reason_key:
        replies.append(Reply(f"kader_urgent_{advice.tier.word}", {"name": child.name,
                                                                  "reason": Ref(advice.reason_key)}))
    if staff_notified:
        replies.append(Reply("staff_notified"))
    if parent_note:
        replies.append(Reply(parent_note))
    replies.append(Reply("kader_line_next", choices=LINE_AFTER_RESULT))
    return tuple(replies)


# --- the day's recap ------------------------------------------------------------------------------------------------

_TIER_RANK = {Urgency.NOW.word: 4, Urgency.TODAY.word: 3, Urgency.SOON.word: 1}
_REMEASURE_RANK = 2  # a value to measure again is the kader's own task today: after the referrals for today
_WHEN = {Urgency.NOW.word: "recap_when_now", Urgency.TODAY.word: "recap_when_today",
         Urgency.SOON.word: "recap_when_soon"}
# Notes of ports.UnitOfWork.posyandu_day that say the full result did not reach the parent.
_NOT_TOLD = ("no_number", "claim_pending", "stopped", "unreachable", "template", "not_sent")
RECAP_MESSAGE_CHARS = 3000  # WhatsApp's text limit is 4096: a long recap goes out as several messages
NAMES_PER_LINE = 40


def _rank(m: Measurement) -> int:
    return _REMEASURE_RANK if m.review == "remeasure" else _TIER_RANK.get((m.assessment or {}).get("tier", ""), 0)


def recap_replies(rows: Sequence[tuple[Child, Measurement, str]], posyandu: str, today: date) -> list[Reply]:
    """REKAP: the children measured today (latest measurement each), those who need attention most urgent first
    with the matrix's status words and how soon, the others, and whose parent did not get the full result and why
    (`rows` as UnitOfWork.posyandu_day gives them). The last reply is always the "next?" question with its
    buttons, so a caller with a question of its own to ask can put that in its place."""
    if not rows:
        return [Reply("recap_none", {"posyandu": posyandu}), Reply("recap_next", choices=RECAP_AFTER)]
    attention = sorted(((c, m) for c, m, _ in rows if _rank(m) > 0),
                       key=lambda cm: (-_rank(cm[1]), cm[0].name.casefold(), cm[0].id))
    others = sorted(((c, m) for c, m, _ in rows if _rank(m) == 0), key=lambda cm: (cm[0].name.casefold(), cm[0].id))
    paged: list[tuple[Reply, int]] = [(Reply("recap_header", {"posyandu": posyandu, "today": today, "count": len(rows),
                                                              "risk": len(attention)}), 120 + len(posyandu))]
    if attention:
        paged.append((Reply("recap_risk_header"), 60))
    for child, m in attention:
        if m.review == "remeasure":
            status: Ref | Join = Ref("recap_remeasure")
            when: Ref | str = ""
        else:
            status, _gain = results.history_words(m.assessment or {})
            when = Ref(_WHEN[m.assessment["tier"]])
        paged.append((Reply("recap_line", {"name": child.name, "born": short_date(child.birth_date),
                                           "status": status, "when": when}), len(child.name) + 200))
    for start in range(0, len(others), NAMES_PER_LINE):
        names = [_other(c, m) for c, m in others[start:start + NAMES_PER_LINE]]
        paged.append((Reply("recap_others", {"names": Join(names)}),
                      sum(len(c.name) + 40 for c, _ in others[start:start + NAMES_PER_LINE])))
    not_told = sorted(((c, note) for c, _, note in rows if note in _NOT_TOLD),
                      key=lambda cn: (cn[0].name.casefold(), cn[0].id))
    if not_told:
        paged.append((Reply("recap_parent_header"), 60))
        paged += [(Reply("recap_parent_line", {"name": c.name, "why": Ref(f"recap_parent_{note}")}),
                   len(c.name) + 80) for c, note in not_told]
    else:
        paged.append((Reply("recap_parent_all_sent"), 60))
    return [*_paged(paged), Reply("recap_next", choices=RECAP_AFTER)]


def _other(child: Child, m: Measurement) -> Ref | str:
    """A child without a referral: the name, with the matrix's words when it found something routine ("tinggi")."""
    if not (m.assessment or {}).get("findings"):
        return child.name
    status, _gain = results.history_words(m.assessment)
    return Ref("recap_name_status", name=child.name, status=status)


def _paged(sized: list[tuple[Reply, int]]) -> list[Reply]:
    """Start a new WhatsApp message where the text so far would pass RECAP_MESSAGE_CHARS (sizes are estimates of
    the rendered text: a name is typed, status words are at most three findings)."""
    out: list[Reply] = []
    used = 0
    for reply, size in sized:
        if used and used + size > RECAP_MESSAGE_CHARS:
            reply, used = replace(reply, new_message=True), 0
        used += size
        out.append(reply)
    return out
