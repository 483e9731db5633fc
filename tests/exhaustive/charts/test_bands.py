"""Chart bands and lines on the drawn picture: each colour is the Permenkes 2/2020 category the chat text names.

Permenkes 2/2020 (reference/domain-id.md D1): BB/U < -3 | -3 s.d. < -2 | -2 s.d. +1 | > +1; PB/U-TB/U < -3 |
-3 s.d. < -2 | -2 s.d. +3 | > +3; BB/PB-BB/TB < -3 | -3 s.d. < -2 | -2 s.d. +1 | > +1 s.d. +2 | > +2 s.d. +3 | > +3.
Buku KIA (D3): BGM is below the red line, the -3 SD line of the weight-for-age chart.
"""
import io
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
from tests.unit.charts.pictures import colour_name

INSIDE_SD = 0.25  # "just inside" a band: a quarter SD from its edge, 8 px or more at the keys sampled below
# Where each chart is sampled: off the grid's ticks, where the SD curves are far apart (the plot is the one
# drawn without points: 0-24 months, or the whole length/height table).
SAMPLE_KEY = {"lfa": round(19.5 * DAYS_PER_MONTH), "wfa": round(19.5 * DAYS_PER_MONTH), "wfl": 102.5, "wfh": 112.5}


@cache
def _pixels(indicator: str, sex: str) -> np.ndarray:
    png = render.render_chart(indicator, sex, [], "id", "Ani")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


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


def test_the_red_line_on_the_weight_for_age_chart_is_the_minus_three_line():
    """The KMS 'garis merah' (BGM below it) is -3 SD: it is the only red line on the weight-for-age chart."""
    red = next(line.rgb for line in SCHEMES["wfa"].lines if line.sd == -3)
    key = SAMPLE_KEY["wfa"]
    for sex in ("M", "F"):
        box = layout_for("wfa", sex, [])
        px, py_expected = box.point_px(key, sd_value(-3, *layout.lms_at("wfa", sex, key)))
        column = _pixels("wfa", sex)[PLOT_TOP:PLOT_BOTTOM, int(px)]

        rows = np.nonzero((np.abs(column - np.array(red)) <= 40).all(axis=1))[0] + PLOT_TOP

        assert colour_name(red) == "red"
        assert 2 <= len(rows) <= 6 and rows.max() - rows.min() <= 5  # one line about 4 px thick, and no other
        assert abs(rows.mean() + 0.5 - py_expected) <= 1.5


@pytest.mark.parametrize("lang, table", [("id", ID), ("en", EN)])
def test_every_caption_fits_the_lines_under_the_chart(lang, table):
    """No caption is cut: each wraps to at most CAPTION_LINES lines of the picture's width."""
    font = render._font(render.CAPTION_PX)
    width = (layout.WIDTH_PX - 2 * render.MARGIN) * render.SUPERSAMPLE

    too_long = [key for key in table if key.startswith("chart_caption_")
                if len(render._wrap(render._plain(table[key]), font, width)) > render.CAPTION_LINES]

    assert too_long == []
