"""Every result fits Meta's shape: two messages at most, the second a reply-button message (which the chart
heads) with a body within Meta's 1024, whatever the categories, findings and worries, in both languages."""
import itertools
from datetime import date, timedelta

import pytest

from shared.domain import growth
from shared.domain.model import Child, Measurement
from shared.services import assessing, results
from shared.services.replies import to_messages
from shared.whatsapp.outgoing import Buttons, Text
from shared.whatsapp.payloads import BUTTONS_BODY_MAX, char_len

BORN = date(2024, 1, 3)
LONG_NAME = "Muhammad Rizky Pratama Putra"
CHILD = {"M": Child(1, LONG_NAME, "M", BORN), "F": Child(2, LONG_NAME, "F", BORN)}
EVERY_WORRY = ("danger_sign", "food_refusal", "illness")


def _evaluations():
    """A grid over age, weight, length, LILA, head, oedema, a month's weight loss and worries that reaches every
    finding the matrix has (checked below)."""
    for sex, months, weight, length, oedema in itertools.product(
            "MF", (1, 4, 7, 10, 20, 40), [w / 2 for w in range(2, 50, 3)], range(45, 120, 6), (False, True)):
        on = BORN + timedelta(days=round(months * 30.44))
        variants = [assessing.Entry(on, weight, float(length), oedema=oedema)]
        if months >= 6:
            variants.append(assessing.Entry(on, weight, float(length), headc_cm=40.0, armc_cm=11.0, oedema=oedema,
                                            concerns=EVERY_WORRY))
        earlier = Measurement(CHILD[sex].id, on - timedelta(days=31), weight * 1.08, float(length) - 1, None, id=9)
        for entry in variants:
            for history in ([], [earlier]):
                try:
                    ev = assessing.evaluate(CHILD[sex], entry, history, on)
                except growth.OutsideGrowthStandard:
                    continue
                if ev.advice is not None:
                    yield ev, entry


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_result_is_two_messages_the_second_with_buttons_for_the_chart(lang):
    """However many findings a child has, the result is two messages and the advice fits one button message."""
    seen, worst = set(), 0
    for ev, entry in _evaluations():
        replies = results.result_replies(LONG_NAME, ev, entry.weight_kg, entry.lenhei_cm, None, entry.measured_on,
                                         child_id=123456, staff_notified=True)

        messages = to_messages(replies, lang)

        assert len(messages) == 2, [m.body[:60] for m in messages]
        first, second = messages
        assert isinstance(first, Text) and isinstance(second, Buttons)
        worst = max(worst, char_len(second.body))
        seen.update(f.key for f in ev.advice.findings)
    assert worst <= BUTTONS_BODY_MAX
    assert seen >= {"oedema", "severely_wasted", "muac_severe", "large_loss", "severely_stunted", "obese",
                    "danger_sign", "food_refusal", "illness", "head_small"}, seen  # the grid reached the longest
