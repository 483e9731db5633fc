"""The advice matrix over its whole grid: age band x every Permenkes category x oedema x LILA x head x weight gain x
what the family said. Each property is a safety rule from the clinical review (a paediatric-nutrition reading that
found results which could hurt a child), checked on the words as the family reads them, in both languages."""
import itertools
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from shared.domain import advice as matrix
from shared.domain.advice import Situation, Urgency
from shared.domain.growth.classify import ArmCircumference, HeadCircumference, LengthForAge, WeightForAge, \
    WeightForLength
from shared.domain.growth.weight_gain import GainStatus
from shared.flows.messages import EN, ID, render

ROOT = Path(__file__).resolve().parents[3]
AGES = (0, 3, 5, 6, 8, 9, 11, 12, 18, 23, 24, 36, 59)  # both ends of every age band
GAINS = ((None, False, False, False), (GainStatus.GAINED, False, False, False),
         (GainStatus.NOT_GAINED, False, False, False), (GainStatus.NOT_GAINED, True, False, False),
         (GainStatus.NOT_GAINED, False, True, True), (GainStatus.SAME_MONTH, False, False, True))
# none, N, T, 2T, a large loss, a 2 % loss in a same-month re-weigh


def _grid():
    """Every combination of categories (and none) with a few values of the rest: about 60,000 situations."""
    for months, wfa, lfa, wfl, oedema in itertools.product(AGES, (None, *WeightForAge), (None, *LengthForAge),
                                                           (None, *WeightForLength), (False, True)):
        yield Situation(months, wfa, lfa, wfl, oedema=oedema)
    for months, muac, head, (gain, two_t, large, down), concerns, confirmed in itertools.product(
            AGES, (None, *ArmCircumference), (None, *HeadCircumference), GAINS,
            (frozenset(), frozenset({"illness", "food_refusal"}), frozenset({"danger_sign"})), (False, True)):
        if muac is not None and months < 6:
            continue  # classify_muac gives no LILA class under 6 months
        yield Situation(months, WeightForAge.NORMAL, LengthForAge.STUNTED, WeightForLength.NORMAL, muac, head,
                        gain=gain, two_t=two_t, large_loss=large, weight_down=down, confirmed_extreme=confirmed,
                        concerns=concerns)


GRID = [(s, matrix.decide(s)) for s in _grid()]


def _words(key: str, lang: str) -> str:
    """A catalogue text with its placeholders left as they are, lower-cased, for word checks."""
    return (ID if lang == "id" else EN)[key].lower()


def _said(decided: matrix.Advice) -> list[str]:
    """Every catalogue key the family reads for this situation."""
    keys = [*decided.status_keys, *decided.summaries, *decided.advice]
    return keys + [k for k in (decided.tier_key, decided.danger_signs) if k]


# Words that mean food, drink or formula other than breast milk, or a diet: never said about a baby under 6 months
# (PMBA: ASI eksklusif, no water, honey, formula or food; WHO: never advise formula; no diet for an infant).
SOLIDS = {"id": ("mp-asi", "makan", "padat", "bubur", "telur", "ikan", "ayam", "daging", "hati", "minyak", "santan",
                 "camilan", "selingan", "sayur", "buah", "lauk", "formula", "sufor", "kurangi", "oralit"),
          "en": ("complementary", "food", "solid", "egg", "fish", "chicken", "meat", "liver", "oil", "coconut",
                 "snack", "vegetable", "fruit", "formula", "fewer", "ors")}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_babies_under_six_months_are_told_breast_milk_only(lang):
    """No solid-food, formula or diet word reaches a family of a baby under 6 months, whatever the categories."""
    wrong = set()
    for situation, decided in GRID:
        if situation.age_months < 6:
            for key in _said(decided):
                wrong |= {(key, w) for w in SOLIDS[lang] if re.search(rf"\b{re.escape(w)}", _words(key, lang))}

    assert wrong == set()


def test_every_acute_result_names_the_danger_signs_and_today_or_now():
    """Gizi buruk (by WHZ or LILA), oedema, a large loss, BGM or a danger sign: the tier line says today or now,
    and the danger signs are listed."""
    acute = {"oedema", "severely_wasted", "muac_severe", "large_loss", "severely_underweight", "danger_sign",
             "confirmed_extreme"}
    for situation, decided in GRID:
        found = {f.key for f in decided.findings}
        if found & acute:
            assert decided.tier >= Urgency.TODAY and decided.danger_signs, (situation, found)
            line = _words(decided.tier_key, "id")
            assert "hari ini" in line or "sekarang" in line
        if "danger_sign" in found:
            assert decided.tier is Urgency.NOW


def test_the_status_line_puts_the_most_urgent_first():
    """By urgency, so the parent reads the most dangerous finding first: oedema / gizi buruk (WHZ or LILA) -> gizi
    kurang -> sangat pendek -> pendek -> BB sangat kurang -> the rest; a child who is pendek and gizi buruk is
    'gizi buruk, pendek', never 'pendek'."""
    order = ["oedema", "severely_wasted", "wasted", "severely_stunted", "stunted", "severely_underweight",
             "underweight"]
    positions = [matrix.STATUS_ORDER.index(k) for k in order]
    both = matrix.decide(Situation(30, WeightForAge.UNDERWEIGHT, LengthForAge.STUNTED,
                                   WeightForLength.SEVERELY_WASTED))

    assert positions == sorted(positions)
    assert matrix.STATUS_ORDER.index("muac_severe") < matrix.STATUS_ORDER.index("wasted")
    assert both.status_keys[:2] == ("status_severely_wasted", "status_stunted")
    for _, decided in GRID:
        ranks = [matrix.STATUS_ORDER.index(f.key) for f in decided.findings]
        assert ranks == sorted(ranks)


def _only(**kw) -> matrix.Advice:
    base = dict(weight_for_age=WeightForAge.NORMAL, length_for_age=LengthForAge.NORMAL,
                weight_for_length=WeightForLength.NORMAL)
    return matrix.decide(Situation(18, **{**base, **kw}))


def test_every_category_has_its_own_sentence_and_only_normal_is_told_to_keep_it_up():
    """Berisiko gizi lebih, risiko BB lebih, tinggi, T... each get a sentence of their own; 'sesuai standar.
    Pertahankan!' is said only when nothing at all was found."""
    cases = {**{f"wfa:{c.value}": _only(weight_for_age=c) for c in WeightForAge},
             **{f"lfa:{c.value}": _only(length_for_age=c) for c in LengthForAge},
             **{f"wfl:{c.value}": _only(weight_for_length=c) for c in WeightForLength},
             **{f"muac:{c.value}": _only(muac=c) for c in ArmCircumference},
             **{f"head:{c.value}": _only(head=c) for c in HeadCircumference},
             "gain:T": _only(gain=GainStatus.NOT_GAINED), "gain:2T": _only(gain=GainStatus.NOT_GAINED, two_t=True),
             "oedema": _only(oedema=True)}
    sentences = {name: decided.summaries for name, decided in cases.items()}
    normal = {n for n in sentences if n.endswith((":normal", ":muac_normal"))}

    assert all(sentences[n] == ("summary_good",) for n in normal)
    problems = {n: s for n, s in sentences.items() if n not in normal}
    assert all("summary_good" not in s for s in problems.values()), problems
    assert len({s for s in problems.values()}) == len(problems)  # no two categories share their words
    for situation, decided in GRID:
        good = "summary_good" if situation.length_for_age is not None or situation.oedema \
            else "summary_good_weight_only"  # without a length, stunting and wasting are not known
        assert (good in decided.summaries) == (not decided.findings)


def test_words_fit_the_childs_age():
    """No 'before age 2' or 'breastfeed to 2 years' for a child over two; MP-ASI words only from 6 to 23 months."""
    for situation, decided in GRID:
        said = " ".join(_words(k, "id") for k in _said(decided))
        if situation.age_months >= 24:
            assert "sebelum umur 2 tahun" not in said and "sampai 2 tahun" not in said and "mp-asi" not in said
        if situation.age_months < 6:
            assert "mp-asi" not in said
        assert decided.advice[-1] == matrix.FEEDING[matrix.age_band(situation.age_months)]


def test_no_child_under_two_is_put_on_a_diet_and_a_thin_child_is_never_told_to_eat_less():
    """Overweight babies and toddlers are told they need no diet; 'eat less' words never meet a thin finding."""
    for situation, decided in GRID:
        said = " ".join(_words(k, "id") for k in decided.advice)
        found = {f.key for f in decided.findings}
        if situation.age_months < 24:
            assert "kurangi" not in said
        if found & {"wasted", "severely_wasted", "muac_severe", "muac_moderate", "underweight", "oedema"}:
            assert "kurangi" not in said and "bukan diet" not in said


def test_every_key_the_matrix_names_exists_in_both_languages_with_the_same_placeholders():
    """Both languages complete for every status, sentence, tier line, danger-sign list and advice."""
    keys = {k for _, decided in GRID for k in _said(decided)}
    keys |= {f"urgent_{t.word}" for t in Urgency if t is not Urgency.ROUTINE}

    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert [k for k in keys if k not in ID or k not in EN] == []
    assert [k for k in keys if fields(ID[k]) != fields(EN[k])] == []
    assert all(render(k, "id", name="Ani", armc_cm=11.0, gain_g=-100, required_g=300, previous_on="x",
                      loss_g=600, loss_pct=6, loss_from="x", reason="x") for k in keys)


def test_the_advice_document_equals_what_its_command_prints():
    """docs/advice.md is generated (make advice-doc): the file in the repository is the command's output."""
    printed = subprocess.run([sys.executable, str(ROOT / "scripts" / "advice_doc.py")], capture_output=True,
                             text=True, check=True, cwd="/").stdout

    assert (ROOT / "docs" / "advice.md").read_text(encoding="utf-8") == printed, "run `make advice-doc`"
