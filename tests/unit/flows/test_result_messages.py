"""Every result fits Meta's shape: two messages at most, the second a reply-button message (which the chart
heads) with a body within Meta's 1024, whatever the categories, in both languages."""
import itertools
from datetime import date, timedelta

import pytest

from shared.domain import growth
from shared.services import results
from shared.services.replies import to_messages
from shared.whatsapp.outgoing import Buttons, Text
from shared.whatsapp.payloads import BUTTONS_BODY_MAX, char_len

BORN = date(2024, 1, 3)
LONG_NAME = "Muhammad Rizky Pratama Putra"


def _results():
    """A grid over age, weight and length (with and without oedema) that reaches every Permenkes category."""
    for sex, months, weight, length, oedema in itertools.product(
            (1, 2), (1, 8, 20, 40), [w / 2 for w in range(2, 50, 2)], range(45, 120, 5), (False, True)):
        on = BORN + timedelta(days=round(months * 30.44))
        try:
            a = growth.assess_growth_on(sex, BORN, on, weight_kg=weight, lenhei_cm=float(length), oedema=oedema)
        except growth.OutsideGrowthStandard:
            continue
        if not a.needs_remeasure:
            yield a, on, weight, float(length)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_result_is_two_messages_the_second_with_buttons_for_the_chart(lang):
    seen = set()
    worst = 0
    for a, on, weight, length in _results():
        two_t = growth.WeightGain(growth.GainStatus.NOT_GAINED, a.age_months, 30, -100, 300, two_t=True)
        for gain in (None, two_t):
            replies = results.result_replies(LONG_NAME, a, gain, on, weight, length, child_id=123456)
            messages = to_messages(replies, lang)
            assert len(messages) == 2, [m.body[:60] for m in messages]
            first, second = messages
            assert isinstance(first, Text) and isinstance(second, Buttons)
            worst = max(worst, char_len(second.body))
            seen.update(c for c in (a.length_for_age.category, a.weight_for_length.category) if c)
    assert worst <= BUTTONS_BODY_MAX
    assert {growth.LengthForAge.SEVERELY_STUNTED, growth.WeightForLength.SEVERELY_WASTED,
            growth.WeightForLength.OBESE} <= seen  # the grid reached the longest advice


@pytest.mark.parametrize("categories, lang, words", [
    ({}, "id", "gizi baik"),
    ({"length_for_age": "stunted"}, "id", "pendek"),
    ({"length_for_age": "severely_stunted", "weight_for_length": "wasted", "weight_for_age": "underweight"}, "id",
     "sangat pendek, gizi kurang, berat badan kurang"),
    ({"weight_for_length": "obese", "weight_for_age": "normal"}, "en", "obese"),
    ({"length_for_age": "stunted", "weight_for_length": "overweight"}, "en", "stunted, overweight"),
])
def test_history_names_every_problem_category(categories, lang, words):
    """Each history line says all that is wrong (Permenkes words), or 'gizi baik' when nothing is."""
    from shared.flows.messages import fmt

    summary = {name: {"category": value} for name, value in categories.items()}
    got, gain = results.history_words({**summary, "gain": {"code": "T"}})

    assert fmt(got, lang) == words
    assert fmt(gain, "id") == ", berat tidak naik"
