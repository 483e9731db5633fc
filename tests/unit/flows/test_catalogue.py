"""The message catalogue: both languages complete, choices within Meta's limits (each message's parameters are
compared key by key in tests/exhaustive)."""
import re

import pytest

from shared.flows import definitions
from shared.flows.engine import choices_of
from shared.flows.messages import EN, ID, Ref, fmt, render
from shared.flows.model import Context
from shared.services import conversation, results
from tests.words import code_names

BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24


def test_english_has_every_indonesian_key_and_no_other():
    """Every message exists in both languages, so switching language never falls back silently."""
    assert set(EN) == set(ID)


def _all_choices():
    ctx = Context(today=__import__("datetime").date(2025, 1, 1),
                  children=({"id": 1, "name": "Ani", "sex": "F", "birth_date": "2024-01-03"},))
    for flow in definitions.FLOWS.values():
        for step in flow.steps.values():
            yield from choices_of(step, {}, ctx)
    yield from conversation.MENU_CHOICES
    yield from results.AFTER_RESULT + results.remeasure_choices(1) + results.chart_choices(1, with_wfl=True)
    yield from conversation.KADER_CHOICES + results.KADER_AFTER_RESULT


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_button_title_fits_meta_limit(lang):
    """Static choice titles fit a reply button (20) or, for the menus (parent's and kader's), a list row (24), in
    UTF-16 units."""
    too_long = []
    for choice in _all_choices():
        title = render(choice.key, lang, **choice.params)
        limit = ROW_TITLE_MAX if choice.id.startswith(("menu:", "kader:")) else BUTTON_TITLE_MAX
        if len(title.encode("utf-16-le")) // 2 > limit:
            too_long.append((choice.key, title))

    assert too_long == []


def test_every_prompt_and_hint_key_of_every_flow_is_in_the_catalogue():
    """Flows name only keys the catalogue has."""
    ctx = Context(today=__import__("datetime").date(2025, 1, 1))
    missing = [step.prompt for flow in definitions.FLOWS.values() for step in flow.steps.values()
               if step.prompt not in ID]
    missing += [c.key for c in _all_choices() if c.key not in ID]

    assert missing == [] and ctx


def test_numbers_use_a_decimal_comma_in_indonesian_and_a_point_in_english():
    """9.1 kg reads '9,1' in Bahasa Indonesia and '9.1' in English; whole numbers lose the decimals."""
    assert (fmt(9.1, "id"), fmt(9.1, "en"), fmt(76.0, "id")) == ("9,1", "9.1", "76")


def test_dates_use_month_names():
    """Dates are written the way people read them, with the month's name in the person's language."""
    from datetime import date

    assert (fmt(date(2024, 1, 3), "id"), fmt(date(2024, 8, 17), "en")) == ("3 Januari 2024", "17 August 2024")


def test_nested_references_render_in_the_same_language():
    """A category named inside a result line is rendered in the line's language."""
    assert render("result_line", "en", indicator=Ref("ind_lfa_tb"), category=Ref("cat_stunted")) == \
        "• Height-for-age (TB/U): *stunted*"


def test_a_change_keeps_its_sign_and_the_persons_decimal_mark():
    """A re-measure request says "+0,6 kg" in Bahasa Indonesia and "-10 cm" without a stray decimal."""
    from shared.flows.messages import Signed

    assert (fmt(Signed(0.6), "id"), fmt(Signed(-10.0), "en"), fmt(Signed(0.0), "id")) == ("+0,6", "-10", "0")


@pytest.mark.parametrize("lang,table", [("id", ID), ("en", EN)])
def test_no_catalogue_text_shows_a_code_name(lang, table):
    """Code names (weight_kg) never reach a person: every message's own words, its placeholders aside, hold none.
    (The golden conversations check every reply actually sent: tests/integration/conftest.py.)"""
    shown = {key: code_names(re.sub(r"\{[a-z_]+\}", "", text)) for key, text in table.items()}
    assert {key: names for key, names in shown.items() if names} == {}


def test_a_code_name_is_caught():
    assert code_names("Berat weight_kg belum terbaca {x}") == ["weight_kg", "{", "}"]
    assert code_names("_cewek lahir 3-1-2024_ bb 9,1") == []
