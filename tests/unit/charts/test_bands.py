"""Chart bands and lines: each colour on the picture is the Permenkes 2/2020 category the chat text names.

Permenkes 2/2020 (reference/domain-id.md D1): BB/U < -3 | -3 s.d. < -2 | -2 s.d. +1 | > +1; PB/U-TB/U < -3 |
-3 s.d. < -2 | -2 s.d. +3 | > +3; BB/PB-BB/TB < -3 | -3 s.d. < -2 | -2 s.d. +1 | > +1 s.d. +2 | > +2 s.d. +3 | > +3.
Buku KIA (D3): BGM is below the red line, the -3 SD line of the weight-for-age chart.
"""
import colorsys
import io
import re
from functools import cache

import numpy as np
import pytest
from PIL import Image

from shared.charts import layout, render
from shared.charts.bands import SCHEMES
from shared.charts.layout import PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, layout_for
from shared.domain.growth.ages import DAYS_PER_MONTH
from shared.domain.growth.zscore import sd_value
from shared.flows.messages import EN, ID

INSIDE_SD = 0.25  # "just inside" a band: a quarter SD from its edge, 8 px or more at the keys sampled below
# Where each chart is sampled: off the grid's ticks, where the SD curves are far apart (the plot is the one
# drawn without points: 0-24 months, or the whole length/height table).
SAMPLE_KEY = {"lfa": round(19.5 * DAYS_PER_MONTH), "wfa": round(19.5 * DAYS_PER_MONTH), "wfl": 102.5, "wfh": 112.5}
COLOUR_WORDS = {"id": {"merah": "red", "kuning": "yellow", "oranye": "orange", "hijau": "green", "abu-abu": "grey"},
                "en": {w: w for w in ("red", "yellow", "orange", "green", "grey")}}
LINE_NAMED = {"id": re.compile(r"garis (merah|kuning|oranye|hijau|abu-abu) \(([^)]*)\)"),
              "en": re.compile(r"\b(red|yellow|orange|green|grey) lines? \(([^)]*)\)")}
CAPTION_PREFIX = {"lfa": "chart_caption_lfa_", "wfa": "chart_caption_wfa_", "wfl": "chart_caption_wfl_"}


@cache
def _pixels(indicator: str, sex: str) -> np.ndarray:
    png = render.render_chart(indicator, sex, [], "id", "Ani")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _colour_name(rgb) -> str:
    """The everyday word for an ink: what a parent would call the line."""
    hue, saturation, _ = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    hue *= 360
    if saturation < 0.15:
        return "grey"
    if hue < 15 or hue >= 345:
        return "red"
    if hue < 40:
        return "orange"
    if hue < 70:
        return "yellow"
    return "green" if hue < 170 else "other"


def _band_at(indicator: str, pixels: np.ndarray, px: float, py: float):
    """The band whose fill the pixels around (px, py) show; a grid line or curve may cover a few of them."""
    column = int(px)
    rows = range(int(py) - 2, int(py) + 3)
    found = {band.category for row in rows for band in SCHEMES[indicator].bands
             if (np.abs(pixels[row, column] - np.array(band.tone.fill)) <= 3).all()}
    assert len(found) == 1, f"{indicator} at ({px:.0f}, {py:.0f}): bands {found}"
    return found.pop()


def _probes(indicator: str) -> list[float]:
    """z just inside each band, on both sides of every edge."""
    edges = [band.high for band in SCHEMES[indicator].bands[:-1]]
    return sorted([e - INSIDE_SD for e in edges] + [e + INSIDE_SD for e in edges])


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("indicator", ["lfa", "wfa", "wfl", "wfh"])
def test_a_point_just_inside_a_band_lies_on_the_colour_of_its_category(indicator, sex):
    """A point a quarter SD inside any band sits on that band's fill, and the band is the classifier's
    category for the point's z, so the picture's edges are the Permenkes edges the text uses."""
    pixels = _pixels(indicator, sex)
    box = layout_for(indicator, sex, [])
    key = SAMPLE_KEY[indicator]

    for z in _probes(indicator):
        value = sd_value(z, *layout.lms_at(indicator, sex, key))
        px, py = box.point_px(key, value)
        assert PLOT_LEFT < px < PLOT_RIGHT and PLOT_TOP < py < PLOT_BOTTOM
        drawn = _band_at(indicator, pixels, px, py)

        assert drawn == SCHEMES[indicator].classify(layout.z_at(indicator, sex, key, value)), z


@pytest.mark.parametrize("indicator", ["lfa", "wfa", "wfl"])
def test_every_band_of_a_chart_has_its_own_fill_and_every_category_a_band(indicator):
    """One band per category in the classifier's order, no two alike, so a colour names one category."""
    scheme = SCHEMES[indicator]
    categories = [band.category for band in scheme.bands]
    fills = [band.tone.fill for band in scheme.bands]

    assert categories == list(type(categories[0])) and len(set(fills)) == len(fills)


def test_the_red_line_on_the_weight_for_age_chart_is_the_minus_three_line():
    """The KMS 'garis merah' (BGM below it) is -3 SD: it is the only red line on the weight-for-age chart."""
    red = next(line.rgb for line in SCHEMES["wfa"].lines if line.sd == -3)
    key = SAMPLE_KEY["wfa"]
    for sex in ("M", "F"):
        box = layout_for("wfa", sex, [])
        px, py_expected = box.point_px(key, sd_value(-3, *layout.lms_at("wfa", sex, key)))
        column = _pixels("wfa", sex)[PLOT_TOP:PLOT_BOTTOM, int(px)]

        rows = np.nonzero((np.abs(column - np.array(red)) <= 40).all(axis=1))[0] + PLOT_TOP

        assert _colour_name(red) == "red"
        assert 2 <= len(rows) <= 6 and rows.max() - rows.min() <= 5  # one line about 4 px thick, and no other
        assert abs(rows.mean() + 0.5 - py_expected) <= 1.5


@pytest.mark.parametrize("indicator, labels", [
    ("lfa", ["-3", "-2", "0", "+3"]), ("wfa", ["-3", "-2", "0", "+1"]),
    ("wfl", ["-3", "-2", "0", "+1", "+2", "+3"]), ("wfh", ["-3", "-2", "0", "+1", "+2", "+3"]),
])
def test_lines_are_drawn_at_the_category_edges_and_the_green_median(indicator, labels):
    """Each chart draws a line at each of its own category edges plus the median, labelled as drawn."""
    scheme = SCHEMES[indicator]
    lines = sorted(scheme.lines, key=lambda line: line.sd)

    assert [line.label for line in lines] == labels
    assert {line.sd for line in lines} == {band.high for band in scheme.bands[:-1]} | {0}
    assert _colour_name(next(line.rgb for line in lines if line.sd == 0)) == "green"


@pytest.mark.parametrize("lang, table", [("id", ID), ("en", EN)])
@pytest.mark.parametrize("indicator", ["lfa", "wfa", "wfl"])
def test_each_caption_names_its_bands_edges_in_the_colours_drawn(indicator, lang, table):
    """Every category's sentence names at least one line bounding its band, by the colour and SD drawn."""
    scheme = SCHEMES[indicator]
    ink = {line.sd: _colour_name(line.rgb) for line in scheme.lines}
    for band in scheme.bands:
        text = table[CAPTION_PREFIX[indicator] + band.category.value]

        named = [(COLOUR_WORDS[lang][word], float(sd)) for word, inside in LINE_NAMED[lang].findall(text)
                 for sd in re.findall(r"[+-]\d+", inside)]

        assert named, text
        assert all(sd in (band.low, band.high) and ink[sd] == colour for colour, sd in named), text


@pytest.mark.parametrize("lang, table", [("id", ID), ("en", EN)])
def test_every_caption_fits_the_lines_under_the_chart(lang, table):
    """No caption is cut: each wraps to at most CAPTION_LINES lines of the picture's width."""
    font = render._font(render.CAPTION_PX)
    width = (layout.WIDTH_PX - 2 * render.MARGIN) * render.SUPERSAMPLE

    too_long = [key for key in table if key.startswith("chart_caption_")
                if len(render._wrap(render._plain(table[key]), font, width)) > render.CAPTION_LINES]

    assert too_long == []
