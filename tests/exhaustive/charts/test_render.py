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

from shared.charts import bands, caption_key, layout_for, render, render_chart
from shared.charts.layout import PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT, PLOT_TOP
from shared.domain.growth import tables
from shared.domain.growth.ages import DAYS_PER_MONTH
from tests.unit.charts.pictures import CHARTS, GIRL_WFA

META_IMAGE_LIMIT = 5 * 1024 * 1024  # WhatsApp Cloud API: images up to 5 MB
TARGET_BYTES = 300 * 1024  # well below Meta's limit, so sending stays fast on slow networks


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


def test_importing_the_charts_package_does_not_load_pillow():
    """Only drawing loads Pillow, so paths that never send a chart do not pay for it."""
    code = "import sys, shared.charts; print('PIL' in sys.modules)"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"
