"""Growth chart inputs and words: the cache key, the points a chart refuses, and the caption each point gets (the
drawn pictures, their sizes, colours and pixels, are checked in tests/exhaustive)."""
import pytest

from shared import charts
from shared.charts import caption_for, caption_key, chart_key, layout_for, render_chart, wfl_indicator_for
from shared.charts import captions, render
from shared.flows.messages import EN, ID
from tests.unit.charts.pictures import BOY_LFA


def test_chart_key_changes_with_what_changes_the_picture_only():
    """Same data gives the same key; another point, language, name or sex gives another one."""
    indicator, sex, points = BOY_LFA

    key = chart_key(indicator, sex, points, "id", "Budi")

    assert key == chart_key(indicator, sex, list(points), "id", "Budi")
    assert len(key) == 64
    others = {chart_key(indicator, sex, points[:-1], "id", "Budi"), chart_key(indicator, sex, points, "en", "Budi"),
              chart_key(indicator, sex, points, "id", "Adi"), chart_key(indicator, "F", points, "id", "Budi"),
              chart_key("wfa", sex, [(30, 4.5)], "id", "Budi")}
    assert key not in others and len(others) == 5


def test_emoji_and_minus_signs_are_not_drawn_as_missing_glyph_boxes():
    """A name typed with an emoji loses it, and U+2212 becomes a hyphen the built-in font has."""
    assert render._plain("Ani \U0001F476 Putri") == "Ani Putri"
    assert render._plain("garis \u22122") == "garis -2"


def test_points_outside_the_who_standard_are_refused():
    """A measurement beyond the table (here 61 months, or 130 cm for weight-for-height) is a caller bug."""
    with pytest.raises(ValueError):
        render_chart("lfa", "M", [(1900, 110.0)], "id")
    with pytest.raises(ValueError):
        render_chart("wfh", "M", [(130.0, 25.0)], "id")
    with pytest.raises(ValueError):
        render_chart("lfa", "X", [(100, 60.0)], "id")


@pytest.mark.parametrize("indicator, sex, points", [
    ("lfa", "M", [(100, 60.0), (1900, 110.0)]), ("wfh", "M", [(130.0, 25.0)]), ("lfa", "X", [(100, 60.0)]),
    ("wfa", "F", [(100, 0.0)]), ("bmi", "F", [(100, 15.0)]),
])
def test_the_cheap_point_check_refuses_what_drawing_would(indicator, sex, points):
    """check_points (asked on the webhook's path, where no curve may be computed) refuses exactly what
    layout_for refuses."""
    with pytest.raises(ValueError):
        charts.check_points(indicator, sex, points)
    with pytest.raises(ValueError):
        layout_for(indicator, sex, points)
    charts.check_points("lfa", "M", [(100, 60.0), (1800, 108.0)])  # inside: no error


def test_weight_for_length_before_two_years_and_for_height_after():
    """WHO 2006: the length table up to day 730, the height table from day 731."""
    assert (wfl_indicator_for(730), wfl_indicator_for(731)) == ("wfl", "wfh")


# --------------------------------------------------------------------------- captions


@pytest.mark.parametrize("indicator, z, key", [
    # Permenkes 2/2020 cut-offs on z rounded to 2 decimals: "< -3", "-3 s.d. < -2", "-2 s.d. +3" (TB/U)
    ("lfa", -3.01, "chart_caption_lfa_severely_stunted"),
    ("lfa", -3.0, "chart_caption_lfa_stunted"),
    ("lfa", -2.004, "chart_caption_lfa_normal"),
    ("lfa", 3.0, "chart_caption_lfa_normal"),
    ("lfa", 3.01, "chart_caption_lfa_tall"),
    ("wfa", -2.5, "chart_caption_wfa_underweight"),
    ("wfa", 1.0, "chart_caption_wfa_normal"),  # BB/U normal "-2 SD s.d. +1 SD"
    ("wfa", 1.01, "chart_caption_wfa_risk_of_overweight"),
    ("wfl", -3.5, "chart_caption_wfl_severely_wasted"),
    ("wfh", 1.5, "chart_caption_wfl_possible_risk_of_overweight"),
    ("wfh", 2.5, "chart_caption_wfl_overweight"),
    ("wfl", 3.2, "chart_caption_wfl_obese"),
    ("wfa", None, "chart_caption_none"),
])
def test_caption_follows_the_latest_points_category(indicator, z, key):
    """The sentence names the band the latest point is in, with Permenkes 2/2020's boundaries."""
    assert caption_key(indicator, z) == key


def test_caption_is_in_the_persons_language():
    """The same point reads in Bahasa Indonesia or English from the catalogue."""
    assert caption_for("lfa", -2.4, "id") == ID["chart_caption_lfa_stunted"]
    assert caption_for("lfa", -2.4, "en") == EN["chart_caption_lfa_stunted"]
    assert "-2" in ID["chart_caption_lfa_stunted"] and "-2" in EN["chart_caption_lfa_stunted"]


def test_default_caption_comes_from_the_latest_point():
    """Without a caption the chart says where the oldest-age point lies, computed from the drawn WHO table."""
    indicator, sex, points = BOY_LFA  # 400 days, 71.0 cm: z about -2.3, stunted

    assert render._caption(indicator, sex, list(reversed(points)), "id", None) == ID["chart_caption_lfa_stunted"]


def _chart_keys() -> set[str]:
    keys = {key for key in ID if key.startswith("chart_")}
    return keys


def test_every_chart_key_is_in_both_languages():
    """Each title, axis, sex and caption key exists in Indonesian and English."""
    needed = {caption_key(i, z) for i in ("lfa", "wfa", "wfl", "wfh") for z in (-4, -2.5, 0, 1.5, 2.5, 4, None)}
    for indicator in ("lfa", "wfa", "wfl", "wfh"):
        for sex in ("M", "F"):
            for lang in ("id", "en"):
                assert all(captions.chart_texts(indicator, sex, lang, "Ani").values())
    needed |= {f"chart_title_{i}" for i in ("lfa", "wfa", "wfl", "wfh")} | {"chart_sex_m", "chart_sex_f"}

    assert needed <= set(ID) and needed <= set(EN)
    assert _chart_keys() == {key for key in EN if key.startswith("chart_")}


@pytest.mark.parametrize("lang, table", [("id", ID), ("en", EN)])
def test_chart_words_are_drawable_with_the_built_in_font(lang, table):
    """Words drawn in the picture stay in Latin-1 (no emoji, no U+2212 minus) so no glyph shows as a box."""
    undrawable = [key for key in _chart_keys() if not table[key].isascii() and not _latin1(table[key])]

    assert undrawable == []


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
