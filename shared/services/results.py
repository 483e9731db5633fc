"""What a family is told after a measurement, built from an Evaluation and the advice matrix: the status line
(most urgent first), the Permenkes categories in plain words, one sentence per finding, how soon to go and why,
the danger signs, advice for the child's age, and the next check; or a request to measure again. Builds
catalogue replies; no I/O.
"""
from __future__ import annotations

from datetime import date

from shared.domain.advice import Advice
from shared.domain.growth import GainStatus, GrowthAssessment, ages
from shared.flows.messages import Join, Ref, Signed, age_text
from shared.flows.model import Choice, Reply
from shared.services.assessing import Evaluation

AFTER_RESULT = (Choice(id="next:other", key="choice_other_child"), Choice(id="next:menu", key="choice_menu"))
KADER_AFTER_RESULT = (Choice("next:kader", "choice_next_child"), Choice("next:menu", "choice_menu"))
STATUS_IN_HISTORY = 3  # a history line names at most this many findings, most urgent first


def chart_choices(child_id: int, with_wfl: bool = False, shown: str | None = None) -> tuple[Choice, ...]:
    """Buttons that send a child's growth chart: length/height and weight, and BB/TB when asked; the chart
    already `shown` above them gives its place to the next one."""
    wanted = ("lfa", "wfa", "wfl") if with_wfl or shown else ("lfa", "wfa")
    choices = [Choice(id=f"chart:{ind}:{child_id}", key=f"choice_chart_{ind}") for ind in wanted if ind != shown]
    return (*choices, Choice(id="next:menu", key="choice_menu"))[:3]


# The chart that heads a result shows the finding that matters most on the index it was found on (a thin child's
# weight-for-length, a short child's length-for-age), so the picture never says "sesuai" beside the problem.
_CHART_OF = {
    **dict.fromkeys(("severely_wasted", "wasted", "obese", "overweight", "possible_risk_of_overweight"), "wfl"),
    **dict.fromkeys(("severely_stunted", "stunted", "tall"), "lfa"),
    **dict.fromkeys(("severely_underweight", "underweight", "two_t", "not_gained", "large_loss", "weight_down",
                     "risk_of_overweight_unchecked", "risk_of_overweight"), "wfa"),
}
_SCORE_OF_CHART = {"wfl": "weight_for_length", "lfa": "length_for_age", "wfa": "weight_for_age"}


def result_charts(a: GrowthAssessment, advice: Advice | None = None) -> tuple[str, ...]:
    """The charts that may head a result, best first: the index of the most urgent finding that has one, then
    length/height-for-age, then weight-for-age (only indices with a score; with oedema no weight chart)."""
    preferred = [_CHART_OF[f.key] for f in (advice.findings if advice else ()) if f.key in _CHART_OF]
    order = dict.fromkeys([*preferred, "lfa", "wfa"])
    return tuple(c for c in order if getattr(a, _SCORE_OF_CHART[c]).z is not None
                 and not (a.oedema and c != "lfa"))


def result_chart(a: GrowthAssessment, advice: Advice | None = None) -> str | None:
    """The chart sent with a result (see result_charts); None when nothing was measured that a chart shows."""
    return next(iter(result_charts(a, advice)), None)


def remeasure_choices(child_id: int) -> tuple[Choice, ...]:
    """'Measure again' (the same child, today, only what must be re-measured is asked) and the menu."""
    return (Choice(id=f"again:{child_id}", key="choice_measure_again"), Choice(id="next:menu", key="choice_menu"))


# Labels follow the table the z-score was computed on (WHO: length before 731 days, height from then), not how the
# child lay: a 30-month-old measured lying has TB/U and BB/TB (its length was converted, -0.7 cm).
_LABELS = {  # indicator -> (key before 731 days, key from 731 days)
    "length_for_age": ("ind_lfa_pb", "ind_lfa_tb"),
    "weight_for_age": ("ind_wfa", "ind_wfa"),
    "weight_for_length": ("ind_wfl_pb", "ind_wfl_tb"),
    "bmi_for_age": ("ind_bfa", "ind_bfa"),
    "head_circumference_for_age": ("ind_hcfa", "ind_hcfa"),
}
_WEIGHT_BASED = ("weight_for_age", "weight_for_length", "bmi_for_age")
_NORMAL_KEY = {"length_for_age": "cat_normal_lfa", "weight_for_age": "cat_normal_wfa",
               "weight_for_length": "cat_normal_wfl", "bmi_for_age": "cat_normal_wfl",
               "head_circumference_for_age": "cat_normal_hc"}


def category_key(indicator: str, category) -> str:
    """The catalogue key naming a category (normal differs by index: 'gizi baik' vs 'normal')."""
    return _NORMAL_KEY[indicator] if category.value == "normal" else f"cat_{category.value}"


def indicator_categories(a) -> dict[str, Ref]:
    """Each index's Permenkes category as a result names it, in _LABELS order: a weight-based one is "not assessed"
    with oedema; an index without a category is left out. The family's result and the kader's short one both say
    these."""
    out: dict[str, Ref] = {}
    for indicator in _LABELS:
        category = getattr(a, indicator).category
        if a.oedema and indicator in _WEIGHT_BASED:
            out[indicator] = Ref("cat_not_assessed_oedema")
        elif category is not None:
            out[indicator] = Ref(category_key(indicator, category))
    return out


def remeasure_replies(name: str, ev: Evaluation, child_id: int) -> tuple[Reply, ...]:
    """Ask to measure again, saying what looked implausible; nothing is classified yet."""
    a, flags = ev.assessment, set(ev.flags)
    height = a.age_days >= ages.HEIGHT_FROM_DAY
    if "standing_before_9_months" in flags:
        detail = Ref("remeasure_standing_young")
    elif "weight_change" in flags and ev.change_kg is not None:
        detail = Ref("remeasure_weight_jump", change=Signed(round(ev.change_kg, 1)))
    elif "length_change" in flags and ev.change_cm is not None:
        detail = Ref("remeasure_length_jump", change=Signed(round(ev.change_cm, 1)))
    else:
        flagged = next((n for n in _LABELS if getattr(a, n).flagged), None)
        label = Ref(_LABELS[flagged][height]) if flagged else Ref("lenhei_pb" if not height else "lenhei_tb")
        detail = Ref("remeasure_flag", indicator=label)
    return (Reply("remeasure", {"name": name, "detail": detail}, remeasure_choices(child_id)),)


def age_words(ev: Evaluation) -> Ref:
    """The child's age as a result shows it: completed months, or "±1 th 3 bln (perkiraan)" when the family gave an
    age instead of the birth date."""
    age = age_text(ev.assessment.age_months)
    return Ref("age_approx", age=age) if ev.approximate else age


def _params(name: str, ev: Evaluation) -> dict:
    """Everything a status, summary or advice sentence may name."""
    gain, a = ev.gain, ev.assessment
    params: dict[str, object] = {"name": name, "armc_cm": a.armc_cm if a.armc_cm is not None else "–"}
    if gain is not None and gain.previous_on is not None:
        params.update(gain_g=gain.gain_g, required_g=gain.required_g if gain.required_g is not None else "–",
                      previous_on=gain.previous_on)
    if gain is not None and gain.loss_g:
        params.update(loss_g=gain.loss_g, loss_pct=gain.loss_pct, loss_from=gain.loss_from)
    return params


def result_replies(name: str, ev: Evaluation, weight_kg: float | None, lenhei_cm: float | None,
                   measure: str | None, today: date, child_id: int | None = None,
                   staff_notified: bool = False) -> tuple[Reply, ...]:
    """The result in two WhatsApp messages: the status, categories, one sentence per finding, how soon to go and
    the danger signs first; then advice for the child's age and the next check (under the chart of
    result_chart(a) when the family's child_id is given, with buttons for the other charts)."""
    a, advice = ev.assessment, ev.advice
    measured_on = ev.measured_on
    height = a.age_days >= ages.HEIGHT_FROM_DAY
    lying = measure == "l" if measure else not height  # the header names the measurement as it was taken
    params = _params(name, ev)
    replies = [Reply("result_header", {
        "name": name, "age": age_words(ev), "measured_on": measured_on,
        "weight_kg": float(weight_kg) if weight_kg is not None else "–",
        "lenhei_label": Ref("lenhei_pb" if lying else "lenhei_tb"),
        "lenhei_cm": float(lenhei_cm) if lenhei_cm is not None else "–",
    })]
    if ev.backdated:
        replies.append(Reply("backdated_note", {"measured_on": measured_on, "latest_on": ev.latest_on}))
    if ev.approximate:  # the categories are the same; only how sure they are differs, and how to make them exact
        replies.append(Reply("approximate_age_note", {"name": name}))
    replies.append(Reply("result_status", {"status": status_words(advice)}))
    for indicator, category in indicator_categories(a).items():
        replies.append(Reply("result_line", {"indicator": Ref(_LABELS[indicator][height]), "category": category}))
    if a.muac is not None:
        replies.append(Reply("result_line", {"indicator": Ref("ind_lila", armc_cm=a.armc_cm),
                                             "category": Ref(f"cat_{a.muac.value}")}))
    if lenhei_cm is None:  # "belum diukur": only weight-for-age, and the family is told what that leaves out
        replies.append(Reply("weight_only_note", params))
    gain = ev.gain
    if gain is not None and gain.status is GainStatus.GAINED:
        replies.append(Reply("gain_gained", params))
    elif gain is not None and gain.status is GainStatus.SAME_MONTH and gain.previous_on is not None \
            and gain.gain_g is not None and not gain.loss_g:  # a loss is said by its own sentence
        replies.append(Reply("gain_same_month", {"previous_on": gain.previous_on, "change_g": Signed(gain.gain_g)}))
    assert advice is not None  # a result is only given for a measurement that needs no re-measure
    replies.extend(Reply(key, params) for key in advice.summaries)
    if advice.tier_key and advice.reason_key:  # a tier above routine always has its reason
        replies.append(Reply(advice.tier_key, {**params, "reason": Ref(advice.reason_key)}))
    if advice.danger_signs:
        replies.append(Reply(advice.danger_signs))

    second = [Reply(key, params) for key in advice.advice]
    if staff_notified:
        second.append(Reply("staff_notified"))
    overdue = ev.next_on is not None and ev.next_on < today
    second.append(Reply("next_check_overdue" if overdue else "next_check", {"next_on": ev.next_on}))
    choices = chart_choices(child_id, shown=result_chart(a, advice)) if child_id else AFTER_RESULT
    second.append(Reply("not_advice_note", choices=choices))
    second[0] = Reply(second[0].key, second[0].params, second[0].choices, new_message=True)
    return (*replies, *second)


def status_words(advice: Advice | None) -> Join:
    """The status line's words, most urgent first."""
    keys = advice.status_keys if advice is not None else ("status_normal",)
    return Join(Ref(k) for k in keys)


def headline(advice: Advice) -> str:
    """The catalogue key of the one finding that matters most (for a template's single status word)."""
    return advice.status_keys[0]


_PROBLEMS = (("length_for_age", {"stunted", "severely_stunted"}), ("weight_for_length", {"wasted", "severely_wasted"}),
             ("weight_for_age", {"underweight", "severely_underweight"}),
             ("weight_for_length", {"overweight", "obese"}))


def history_words(summary: dict) -> tuple[Join | Ref, Ref]:
    """From a stored assessment: the findings of the advice matrix, most urgent first ('normal' when none), and
    naik / tidak naik, as catalogue refs. Rows stored before the matrix name their Permenkes problems."""
    if "findings" in summary:
        keys = [f"status_{k}" for k in summary["findings"][:STATUS_IN_HISTORY]] or ["status_normal"]
        words: Join | Ref = Join(Ref(k) for k in keys)
    else:
        found: list[Ref] = []
        for indicator, problems in _PROBLEMS:
            category = (summary.get(indicator) or {}).get("category")
            if category in problems and Ref(f"cat_{category}") not in found:
                found.append(Ref(f"cat_{category}"))
        words = Join(found or [Ref("cat_normal_wfl")])
    code = (summary.get("gain") or {}).get("code")
    return words, Ref(f"gain_word_{code}" if code in ("N", "T") else "gain_word_none")




def kader_replies(replies: tuple[Reply, ...], child_id: int, remeasure: bool, parent_note: str | None,
                  claim_noted: bool) -> tuple[Reply, ...]:
    """A result as the kader reads it: the parent's buttons give way to "recorded", whether the parent was told or
    why not (parent_note, a catalogue key), or their number noted as a claim, and the next child (or, for a value to
    re-measure, measuring again)."""
    last = replies[-1]
    after = (remeasure_choices(child_id)[0], KADER_AFTER_RESULT[0]) if remeasure else KADER_AFTER_RESULT
    return (*replies[:-1], Reply(last.key, last.params, ()), Reply("kader_saved"),
            *((Reply(parent_note),) if parent_note else ()),
            *((Reply("kader_parent_claim_noted"),) if claim_noted else ()),
            Reply("choice_prompt_next", {}, after))
