"""What a family is told after a measurement: the Permenkes categories in plain words, naik / tidak naik,
kind advice, the next check, or a request to measure again. Builds catalogue replies; no I/O.
"""
from __future__ import annotations

from datetime import date, timedelta

from shared.domain import growth
from shared.domain.growth import GainStatus, GrowthAssessment, WeightGain
from shared.flows.messages import Ref
from shared.flows.model import Choice, Reply

NEXT_CHECK_DAYS = 30  # posyandu weighs every month (Juknis KMS)
AFTER_RESULT = (Choice(id="next:other", key="choice_other_child"), Choice(id="next:menu", key="choice_menu"))


def chart_choices(child_id: int, with_wfl: bool = False, shown: str | None = None) -> tuple[Choice, ...]:
    """Buttons that send a child's growth chart (issue 5): length/height and weight, and BB/TB when asked; the
    chart already `shown` above them gives its place to BB/TB."""
    choices = [Choice(id=f"chart:{ind}:{child_id}", key=f"choice_chart_{ind}") for ind in ("lfa", "wfa")
               if ind != shown]
    if with_wfl or shown:
        choices.append(Choice(id=f"chart:wfl:{child_id}", key="choice_chart_wfl"))
    return (*choices, Choice(id="next:menu", key="choice_menu"))[:3]


def result_chart(a: GrowthAssessment) -> str | None:
    """The chart sent with a result (issue 5): the stunting chart when a length/height was measured, else
    weight-for-age; None when neither was measured."""
    if a.length_for_age.z is not None:
        return "lfa"
    return "wfa" if a.weight_for_age.z is not None else None


AFTER_REMEASURE = (Choice(id="next:again", key="choice_measure_again"), Choice(id="next:menu", key="choice_menu"))

_LABELS = {  # indicator → (key when measured lying, key when standing)
    "length_for_age": ("ind_lfa_pb", "ind_lfa_tb"),
    "weight_for_age": ("ind_wfa", "ind_wfa"),
    "weight_for_length": ("ind_wfl_pb", "ind_wfl_tb"),
    "bmi_for_age": ("ind_bfa", "ind_bfa"),
}
_NORMAL_KEY = {"length_for_age": "cat_normal_lfa", "weight_for_age": "cat_normal_wfa",
               "weight_for_length": "cat_normal_wfl", "bmi_for_age": "cat_normal_wfl"}
_SEVERE = {growth.LengthForAge.SEVERELY_STUNTED, growth.WeightForAge.SEVERELY_UNDERWEIGHT,
           growth.WeightForLength.SEVERELY_WASTED}
_OVER = {growth.WeightForLength.OVERWEIGHT, growth.WeightForLength.OBESE}


def category_key(indicator: str, category) -> str:
    """The catalogue key naming a Permenkes category (normal differs by index: 'gizi baik' vs 'normal')."""
    return _NORMAL_KEY[indicator] if category.value == "normal" else f"cat_{category.value}"


def summarise(a: GrowthAssessment) -> dict:
    """The assessment as stored with the measurement (JSON): z-scores, flags and category values."""
    out = {"age_days": a.age_days, "age_months": a.age_months, "bgm": a.below_red_line, "oedema": a.oedema}
    for name in ("length_for_age", "weight_for_age", "weight_for_length", "bmi_for_age",
                 "head_circumference_for_age", "arm_circumference_for_age"):
        r = getattr(a, name)
        out[name] = {"z": r.z, "flag": r.flagged, "category": r.category.value if r.category else None,
                     "status": r.status.value}
    return out


def remeasure_replies(name: str, a: GrowthAssessment | None, gain: WeightGain | None, change_kg: float | None,
                      lying: bool) -> tuple[Reply, ...]:
    """Ask to measure again, saying what looked implausible; nothing is classified."""
    if a is not None and a.standing_before_9_months:
        detail = Ref("remeasure_standing_young")
    elif gain is not None and gain.status is GainStatus.IMPLAUSIBLE and change_kg is not None:
        detail = Ref("remeasure_weight_jump", change=f"{change_kg:+.1f}")
    else:
        flagged = next(n for n in _LABELS if a is not None and getattr(a, n).flagged) if a else "weight_for_age"
        detail = Ref("remeasure_flag", indicator=Ref(_LABELS[flagged][0 if lying else 1]))
    return (Reply("remeasure", {"name": name, "detail": detail}, AFTER_REMEASURE),)


def result_replies(name: str, a: GrowthAssessment, gain: WeightGain | None, measured_on: date,
                   weight_kg: float | None, lenhei_cm: float | None,
                   child_id: int | None = None) -> tuple[Reply, ...]:
    """The result in two WhatsApp messages: the categories first, then advice with what to do next (under the
    chart of result_chart(a) when the family's child_id is given, with buttons for the other charts)."""
    lying = a.measure != "h" if a.measure else a.age_days < 731
    replies = [Reply("result_header", {
        "name": name, "age": age_text(a.age_months), "measured_on": measured_on,
        "weight_kg": float(weight_kg) if weight_kg is not None else "–",
        "lenhei_label": Ref("lenhei_pb" if lying else "lenhei_tb"),
        "lenhei_cm": float(a.lenhei_cm if lenhei_cm is None else lenhei_cm) if (lenhei_cm or a.lenhei_cm) else "–",
    })]
    for indicator, labels in _LABELS.items():
        r = getattr(a, indicator)
        if r.category is not None:
            replies.append(Reply("result_line", {"indicator": Ref(labels[0 if lying else 1]),
                                                 "category": Ref(category_key(indicator, r.category))}))
    if gain is not None and gain.status in (GainStatus.GAINED, GainStatus.NOT_GAINED) and gain.interval_days:
        previous_on = measured_on - timedelta(days=gain.interval_days)
        key = "gain_gained" if gain.status is GainStatus.GAINED else "gain_not_gained"
        replies.append(Reply(key, {"gain_g": gain.gain_g, "required_g": gain.required_g, "previous_on": previous_on}))
        if gain.two_t:
            replies.append(Reply("gain_two_t"))
    if a.below_red_line:
        replies.append(Reply("gain_bgm"))
    replies.extend(Reply(key, {"name": name}) for key in _summary_keys(a))
    advice = [Reply(key, {"name": name}) for key in _advice_keys(a, gain)]
    advice[0] = Reply(advice[0].key, advice[0].params, new_message=True)
    advice.append(Reply("next_check", {"next_on": measured_on + timedelta(days=NEXT_CHECK_DAYS)}))
    choices = chart_choices(child_id, shown=result_chart(a)) if child_id else AFTER_RESULT
    advice.append(Reply("not_advice_note", choices=choices))
    return (*replies, *advice)


def headline(a: GrowthAssessment) -> str:
    """The catalogue key of the one category that matters most (for a template's single status word)."""
    for indicator, problem in (("length_for_age", a.stunted), ("weight_for_length", a.wasted),
                               ("weight_for_age", a.underweight)):
        if problem:
            return category_key(indicator, getattr(a, indicator).category)
    over = _categories(a) & _OVER
    if over:
        return category_key("weight_for_length", next(iter(over)))
    return "cat_normal_wfl"


_PROBLEMS = (("length_for_age", {"stunted", "severely_stunted"}), ("weight_for_length", {"wasted", "severely_wasted"}),
             ("weight_for_age", {"underweight", "severely_underweight"}),
             ("weight_for_length", {"overweight", "obese"}))


def history_words(summary: dict) -> tuple[Ref, Ref]:
    """From a stored assessment: every Permenkes problem found (stunting, wasting or overweight, underweight;
    'gizi baik' when there is none) and naik / tidak naik, as catalogue refs."""
    found: list[Ref] = []
    for indicator, problems in _PROBLEMS:
        category = (summary.get(indicator) or {}).get("category")
        if category in problems and Ref(f"cat_{category}") not in found:
            found.append(Ref(f"cat_{category}"))
    if not found:
        found = [Ref("cat_normal_wfl")]
    words = found[0] if len(found) == 1 else Ref(f"join_{len(found)}", **dict(zip("abc", found)))
    code = (summary.get("gain") or {}).get("code")
    return words, Ref(f"gain_word_{code}" if code in ("N", "T") else "gain_word_none")


def age_text(age_months: int) -> Ref:
    """Age in completed months as the Permenkes shows it (bulan penuh), e.g. '1 th 3 bln'."""
    years, months = divmod(age_months, 12)
    if years and months:
        return Ref("age_ym", years=years, months=months)
    return Ref("age_y", years=years) if years else Ref("age_m", months=months)


def _categories(a: GrowthAssessment) -> set:
    return {getattr(a, n).category for n in _LABELS} - {None}


def _summary_keys(a: GrowthAssessment) -> list[str]:
    keys = []
    if a.stunted:
        keys.append("summary_stunted")
    if a.wasted:
        keys.append("summary_wasted")
    if a.underweight and not a.wasted and not a.stunted:
        keys.append("summary_underweight")
    if _categories(a) & _OVER:
        keys.append("summary_over")
    return keys or ["summary_good"]


def _advice_keys(a: GrowthAssessment, gain: WeightGain | None) -> list[str]:
    keys = []
    if _categories(a) & _SEVERE or a.below_red_line or a.oedema or (gain is not None and gain.two_t):
        keys.append("advice_severe")
    if a.stunted:
        keys.append("advice_stunted")
    if a.wasted:
        keys.append("advice_wasted")
    elif a.underweight and not a.stunted:
        keys.append("advice_underweight")
    if _categories(a) & _OVER:
        keys.append("advice_over")
    if not keys:
        keys.append("advice_good")
    keys.append("advice_infant" if a.age_months < 6 else "advice_mpasi" if a.age_months < 24 else None)
    return [k for k in keys if k]
