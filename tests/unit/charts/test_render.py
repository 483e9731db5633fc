"""Growth chart pictures: valid small PNGs, sex colours, and points and WHO lines exactly where the numbers say."""
import colorsys
import io
import subprocess
import sys
from collections import deque
from functools import cache

import numpy as np
import pytest
from PIL import Image

from shared import charts
from shared.charts import caption_for, caption_key, chart_key, layout_for, render_chart, wfl_indicator_for
from shared.charts import bands, captions, render
from shared.charts.layout import PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT, PLOT_TOP
from shared.domain.growth import tables
from shared.domain.growth.ages import DAYS_PER_MONTH
from shared.flows.messages import EN, ID

META_IMAGE_LIMIT = 5 * 1024 * 1024  # WhatsApp Cloud API: images up to 5 MB
TARGET_BYTES = 300 * 1024  # well below Meta's limit, so sending stays fast on slow networks

BOY_LFA = ("lfa", "M", [(30, 53.0), (120, 60.0), (250, 66.0), (400, 71.0)])
GIRL_WFA = ("wfa", "F", [(20, 3.6), (95, 5.4), (190, 6.9), (300, 7.6)])
BOY_WFH = ("wfh", "M", [(88.0, 12.0), (92.5, 13.1), (96.0, 13.5)])
GIRL_WFL = ("wfl", "F", [(60.0, 5.6), (66.5, 7.0), (71.0, 8.4)])
CHARTS = {"boy-lfa": BOY_LFA, "girl-wfa": GIRL_WFA, "boy-wfh": BOY_WFH, "girl-wfl": GIRL_WFL}


@cache
def _png(name: str, lang: str = "id") -> bytes:
    indicator, sex, points = CHARTS[name]
    return render_chart(indicator, sex, points, lang, child_name="Ani")


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _blobs(mask: np.ndarray) -> list[tuple[float, float, int]]:
    """Centroids (x, y, pixel count) of the 4-connected groups of True pixels, at pixel centres."""
    seen = np.zeros_like(mask)
    found = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        queue, members = deque([(y0, x0)]), []
        seen[y0, x0] = True
        while queue:
            y, x = queue.popleft()
            members.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1] and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        ys, xs = zip(*members)
        found.append((sum(xs) / len(xs) + 0.5, sum(ys) / len(ys) + 0.5, len(members)))
    return found


def _near(pixels: np.ndarray, rgb, tolerance: int) -> np.ndarray:
    return (np.abs(pixels - np.array(rgb)) <= tolerance).all(axis=2)


def _hue_degrees(rgb) -> float:
    return colorsys.rgb_to_hsv(*(c / 255 for c in rgb))[0] * 360


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_is_a_phone_sized_rgb_png_well_under_meta_limit(name):
    """Every chart is an 8-bit RGB PNG of 1080x1350 px and under 300 KB (Meta allows 5 MB)."""
    png = _png(name)

    image = Image.open(io.BytesIO(png))

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (image.format, image.mode, image.size) == ("PNG", "RGB", (1080, 1350))
    assert len(png) < min(TARGET_BYTES, META_IMAGE_LIMIT)


def test_boy_chart_is_blue_and_girl_chart_is_pink():
    """The title bar and page take the Buku KIA colour of the child's sex: blue for boys, pink for girls."""
    boy, girl = _pixels(_png("boy-lfa")), _pixels(_png("girl-wfa"))

    boy_bar, girl_bar = tuple(boy[20, 1060]), tuple(girl[20, 1060])
    boy_page, girl_page = tuple(boy[PLOT_TOP - 20, 540]), tuple(girl[PLOT_TOP - 20, 540])

    assert 190 <= _hue_degrees(boy_bar) <= 230 and 190 <= _hue_degrees(boy_page) <= 230
    assert 310 <= _hue_degrees(girl_bar) <= 345 and 310 <= _hue_degrees(girl_page) <= 345


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_point_is_drawn_where_its_numbers_say(name):
    """Every dot's centre, found from its pixels alone, is within 1 px of its age (or length) and value."""
    indicator, sex, points = CHARTS[name]
    pixels = _pixels(_png(name))
    box = layout_for(indicator, sex, points)

    dots = sorted(_blobs(_near(pixels, render.POINT_RGB, 12)))

    expected = sorted(box.point_px(key, value) for key, value in points)
    assert len(dots) == len(points)
    for (x, y, count), (ex, ey) in zip(dots, expected):
        assert abs(x - ex) <= 1 and abs(y - ey) <= 1
        assert count > 400  # a whole dot (radius 14 px), not a stray anti-aliased pixel


def test_a_known_point_lands_on_the_pixel_computed_from_the_plot_frame():
    """A boy of 12 months and 75 cm: its dot is where the frame's pixels and the axis range put it."""
    points = [(round(12 * DAYS_PER_MONTH), 75.0)]
    pixels = _pixels(render_chart("lfa", "M", points, "en", "Budi"))
    box = layout_for("lfa", "M", points)

    frame = _near(pixels, render.FRAME_RGB, 6)
    columns = np.nonzero(frame.sum(axis=0) > 500)[0]  # the pixels of the two vertical frame lines
    rows = np.nonzero(frame.sum(axis=1) > 500)[0]
    left, right = (columns[columns < 540].mean() + 0.5, columns[columns > 540].mean() + 0.5)  # line centres
    top, bottom = (rows[rows < 675].mean() + 0.5, rows[rows > 675].mean() + 0.5)
    x_expected = left + (12 - box.x_min) / (box.x_max - box.x_min) * (right - left)
    y_expected = bottom - (75.0 - box.y_min) / (box.y_max - box.y_min) * (bottom - top)
    ((x, y, _),) = _blobs(_near(pixels, render.POINT_RGB, 12))

    assert (box.x_min, box.x_max) == (0, 24)
    assert (left, right, top, bottom) == (PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM)
    assert abs(x - x_expected) <= 1 and abs(y - y_expected) <= 1


@pytest.mark.parametrize("name, table", [("boy-lfa", "lhfa"), ("girl-wfa", "wfa")])
def test_median_line_passes_through_the_who_median(name, table):
    """At 10 months the green SD 0 line crosses the column exactly at WHO's median (M) for that day."""
    indicator, sex, points = CHARTS[name]
    pixels = _pixels(_png(name))
    box = layout_for(indicator, sex, points)
    day = round(10 * DAYS_PER_MONTH)
    median = tables.table(table).m[0 if sex == "M" else 1][day]
    x, y_expected = box.to_px(day / DAYS_PER_MONTH, median)

    column = _near(pixels[:, int(x)][:, None, :], bands.GREEN.ink, 30)[:, 0]
    rows = np.nonzero(column[PLOT_TOP:PLOT_BOTTOM])[0] + PLOT_TOP

    assert 3 <= len(rows) <= 8  # one line about 5 px thick crosses the column, nothing else is that green
    assert abs(rows.mean() + 0.5 - y_expected) <= 1.5


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


def test_same_inputs_draw_the_same_bytes():
    """Rendering is deterministic, so a cached picture equals a fresh one."""
    indicator, sex, points = GIRL_WFA

    assert render_chart(indicator, sex, points, "id", "Ani") == _png("girl-wfa")


def test_chart_without_points_shows_the_curves_and_the_general_caption():
    """A child with no measurement yet still gets the WHO curves and a sentence explaining them."""
    png = render_chart("lfa", "F", [], "id", "Ani")

    image = Image.open(io.BytesIO(png))

    assert image.size == (1080, 1350)
    assert caption_key("lfa", None) == "chart_caption_none"


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


def test_importing_the_charts_package_does_not_load_pillow():
    """Only drawing loads Pillow, so paths that never send a chart do not pay for it."""
    code = "import sys, shared.charts; print('PIL' in sys.modules)"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"


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
