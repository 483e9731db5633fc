"""A result's history line names the matrix's findings, most urgent first, in the person's language."""
import pytest

from shared.services import results


@pytest.mark.parametrize("summary, lang, words", [
    ({"findings": []}, "id", "normal, sesuai standar"),
    ({"findings": ["stunted"]}, "id", "pendek"),
    ({"findings": ["oedema", "severely_stunted", "underweight", "not_gained"]}, "id",
     "gizi buruk (edema), sangat pendek, berat badan kurang"),
    ({"findings": ["obese"]}, "en", "obesity"),
    ({"length_for_age": {"category": "stunted"}, "weight_for_length": {"category": "overweight"}}, "en",
     "stunted, overweight"),  # stored before the advice matrix: its Permenkes problems
])
def test_history_names_the_findings_most_urgent_first(summary, lang, words):
    """Each history line says what the matrix found, most urgent first (at most three), or normal."""
    from shared.flows.messages import fmt

    got, gain = results.history_words({**summary, "gain": {"code": "T"}})

    assert fmt(got, lang) == words
    assert fmt(gain, "id") == ", berat tidak naik"
