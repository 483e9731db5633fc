"""Chart bands and lines: each colour is the Permenkes 2/2020 category the chat text names (tests/exhaustive reads
them off the drawn picture).

Permenkes 2/2020 (reference/domain-id.md D1): BB/U < -3 | -3 s.d. < -2 | -2 s.d. +1 | > +1; PB/U-TB/U < -3 |
-3 s.d. < -2 | -2 s.d. +3 | > +3; BB/PB-BB/TB < -3 | -3 s.d. < -2 | -2 s.d. +1 | > +1 s.d. +2 | > +2 s.d. +3 | > +3.
Buku KIA (D3): BGM is below the red line, the -3 SD line of the weight-for-age chart.
"""
import re

import pytest

from shared.charts.bands import SCHEMES
from shared.flows.messages import EN, ID
from tests.unit.charts.pictures import colour_name

COLOUR_WORDS = {"id": {"merah": "red", "kuning": "yellow", "oranye": "orange", "hijau": "green", "abu-abu": "grey"},
                "en": {w: w for w in ("red", "yellow", "orange", "green", "grey")}}
LINE_NAMED = {"id": re.compile(r"garis (merah|kuning|oranye|hijau|abu-abu) \(([^)]*)\)"),
              "en": re.compile(r"\b(red|yellow|orange|green|grey) lines? \(([^)]*)\)")}
CAPTION_PREFIX = {"lfa": "chart_caption_lfa_", "wfa": "chart_caption_wfa_", "wfl": "chart_caption_wfl_"}


@pytest.mark.parametrize("indicator", ["lfa", "wfa", "wfl"])
def test_every_band_of_a_chart_has_its_own_fill_and_every_category_a_band(indicator):
    """One band per category in the classifier's order, no two alike, so a colour names one category."""
    scheme = SCHEMES[indicator]
    categories = [band.category for band in scheme.bands]
    fills = [band.tone.fill for band in scheme.bands]

    assert categories == list(type(categories[0])) and len(set(fills)) == len(fills)


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
    assert colour_name(next(line.rgb for line in lines if line.sd == 0)) == "green"


@pytest.mark.parametrize("lang, table", [("id", ID), ("en", EN)])
@pytest.mark.parametrize("indicator", ["lfa", "wfa", "wfl"])
def test_each_caption_names_its_bands_edges_in_the_colours_drawn(indicator, lang, table):
    """Every category's sentence names at least one line bounding its band, by the colour and SD drawn."""
    scheme = SCHEMES[indicator]
    ink = {line.sd: colour_name(line.rgb) for line in scheme.lines}
    for band in scheme.bands:
        text = table[CAPTION_PREFIX[indicator] + band.category.value]

        named = [(COLOUR_WORDS[lang][word], float(sd)) for word, inside in LINE_NAMED[lang].findall(text)
                 for sd in re.findall(r"[+-]\d+", inside)]

        assert named, text
        assert all(sd in (band.low, band.high) and ink[sd] == colour for colour, sd in named), text
