"""Growth chart pictures as PNG bytes (WHO curves, Permenkes category bands, the child's points), drawn with Pillow.

Pure: no network, database or clock. Pillow is imported inside render_chart only, so importing this module
costs nothing on paths that never draw. Everything is drawn at SUPERSAMPLE x size and reduced, which
anti-aliases lines and dots without a vector library.
"""
import hashlib
import io
import json
import threading
from functools import cache

from shared.charts import bands, captions, layout
from shared.charts.layout import Layout, layout_for

# Bump when the drawing changes, so cached chart_key()s stop matching old pictures. 2: bands and lines follow
# each index's Permenkes 2/2020 categories (bands.py) instead of one +/-2 SD scheme for every chart.
CHART_VERSION = 2
SUPERSAMPLE = 2  # 2x then a box reduction: smooth edges; 3x looks the same on a phone and costs twice as much

# Buku KIA / KMS: the card is blue for boys and pink for girls.
SEX_DARK = {"M": (25, 103, 178), "F": (200, 42, 120)}  # title bar
SEX_LIGHT = {"M": (222, 236, 251), "F": (252, 228, 238)}  # page around the plot

POINT_RGB = (15, 15, 15)  # the child's dots: the only near-black in the picture (tests look for it)
POINT_RADIUS, POINT_RING = 14, 5  # px on the final picture; a white ring keeps dots visible on any band
JOIN_RGB = (45, 55, 130)  # the line joining the dots, in time order
JOIN_WIDTH = 5
GRID_RGB = (255, 255, 255)
FRAME_RGB = (90, 90, 90)
FRAME_PX = 2
TEXT_RGB = (40, 40, 40)  # dark but kept apart from POINT_RGB, so text is never mistaken for a dot

# Font sizes in px on a 1080 px wide picture; a phone shows it about 3x smaller, so 34 px reads as ~11 pt.
TITLE_PX, SUBTITLE_PX, TICK_PX, AXIS_PX, LABEL_PX, CAPTION_PX, SOURCE_PX = 50, 38, 34, 36, 36, 40, 28
HEADER_PX = 150
CAPTION_TOP = 1190
CAPTION_LINES = 3
MARGIN = 40
LAST_LATIN = 0x24F  # end of Latin Extended-B: the letters the built-in font covers (Indonesian needs ASCII only)
# The cached fonts are shared FreeType faces, which are not safe to use from two threads at once (a Cloud
# Function with concurrency > 1 runs requests in threads); one drawing at a time per instance is plenty.
_DRAWING = threading.Lock()


@cache
def _font(size: int):
    from PIL import ImageFont

    # Pillow's built-in scalable font (since 10.1: a subset of Aileron, CC0), so no font file ships with Tumbuh.
    return ImageFont.load_default(size=size * SUPERSAMPLE)


def _plain(text: str) -> str:
    """Text the built-in font can draw: a hyphen for U+2212, and no emoji or non-Latin letters (a name typed
    on a phone may hold them), which would show as missing-glyph boxes."""
    text = text.replace("\u2212", "-")
    return " ".join("".join(ch for ch in text if ord(ch) <= LAST_LATIN).split())


def _latest(indicator: str, points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return max(points) if layout.is_age_based(indicator) else points[-1]


def _caption(indicator: str, sex: str, points, lang: str, caption: str | None) -> str:
    if caption is not None:
        return caption
    latest = _latest(indicator, points)
    z = None if latest is None else layout.z_at(indicator, sex, *latest)
    return captions.caption_for(indicator, z, lang)


def chart_key(indicator: str, sex: str, points: list[tuple[float, float]], lang: str, child_name: str = "",
              caption: str | None = None) -> str:
    """sha256 hex of everything that changes the picture, so a chart already sent need not be drawn again."""
    layout.check(indicator, sex)
    texts = captions.chart_texts(indicator, sex, lang, child_name)
    payload = {
        "v": CHART_VERSION,
        "indicator": indicator,
        "sex": sex,
        "points": [[round(float(k), 3), round(float(v), 3)] for k, v in points],
        "texts": texts,  # the catalogue's words, so a reworded title or caption gives a new key
        "caption": _caption(indicator, sex, points, lang, caption),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def render_chart(indicator: str, sex: str, points: list[tuple[float, float]], lang: str = "id",
                 child_name: str = "", caption: str | None = None) -> bytes:
    """One growth chart as PNG bytes (1080x1350 RGB).

    Args:
        indicator: "lfa" (length/height-for-age), "wfa" (weight-for-age), "wfl" (weight-for-length, the
            length table, under 2 years) or "wfh" (weight-for-height, 2 years and over); see
            layout.wfl_indicator_for(age_days).
        sex: "M" or "F".
        points: the child's measurements in time order: (age in days, cm or kg) for lfa/wfa, or
            (length/height in cm, weight in kg) for wfl/wfh. Length/height already corrected by the
            +/-0.7 cm lying/standing rule, as the growth engine uses it.
        lang: catalogue language of every word in the picture.
        child_name: shown under the title; empty shows only the sex.
        caption: the sentence under the chart; None picks it from the latest point's category.
    """
    from PIL import Image, ImageDraw  # only the chart path pays for Pillow

    box = layout_for(indicator, sex, points)
    texts = captions.chart_texts(indicator, sex, lang, child_name)
    text_caption = _caption(indicator, sex, points, lang, caption)
    s = SUPERSAMPLE
    with _DRAWING:
        img = Image.new("RGB", (box.width * s, box.height * s), SEX_LIGHT[sex])
        draw = ImageDraw.Draw(img)
        _draw_plot(img, box, indicator, sex)
        _draw_axes(img, draw, box, texts, lang)
        _draw_points(draw, box, points, indicator)
        _draw_header(draw, box, sex, texts)
        _draw_caption(draw, box, text_caption)
    out = io.BytesIO()
    # zlib level 6: 112 KB in 36 ms; level 9 saves 3 KB for 100 ms more, level 1 costs 20 KB for 10 ms less.
    img.reduce(s).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _scaled(xy):
    """Final-picture coordinates to supersampled ones for Pillow, whose pixel i is centred on i + 0.5."""
    return [(x * SUPERSAMPLE - 0.5, y * SUPERSAMPLE - 0.5) for x, y in xy]


def _draw_plot(img, box: Layout, indicator: str, sex: str) -> None:
    """Bands, grid and SD lines, drawn on their own canvas so nothing spills outside the plot frame."""
    from PIL import Image, ImageDraw

    s = SUPERSAMPLE
    scheme = bands.SCHEMES[indicator]
    w, h = round((box.right - box.left) * s), round((box.bottom - box.top) * s)
    plot = Image.new("RGB", (w, h), bands.GREEN.fill)
    draw = ImageDraw.Draw(plot)
    curves = layout.sd_curves(indicator, sex, box.x_min, box.x_max, lines=[line.sd for line in scheme.lines])

    def local(xy):  # data to plot-canvas pixels (supersampled)
        return [((px - box.left) * s - 0.5, (py - box.top) * s - 0.5)
                for px, py in (box.to_px(x, y) for x, y in xy)]

    top_edge, bottom_edge = -10 * s, h + 10 * s  # beyond the canvas: the band reaches the frame
    for band in scheme.bands:
        if band.high is not None and band.low is not None:
            upper, lower = local(curves[band.high]), local(curves[band.low])
        elif band.high is not None:  # the lowest band: down to the frame
            upper = local(curves[band.high])
            lower = [(x, bottom_edge) for x, _ in upper]
        elif band.low is not None:  # the highest band: up to the frame
            lower = local(curves[band.low])
            upper = [(x, top_edge) for x, _ in lower]
        else:
            raise ValueError("a band needs at least one SD line")
        draw.polygon(upper + lower[::-1], fill=band.tone.fill)

    for x in box.x_ticks():
        px = (box.to_px(x, box.y_min)[0] - box.left) * s - 0.5
        draw.line([(px, 0), (px, h)], fill=GRID_RGB, width=2 * s)
    for y in box.y_ticks():
        py = (box.to_px(box.x_min, y)[1] - box.top) * s - 0.5
        draw.line([(0, py), (w, py)], fill=GRID_RGB, width=2 * s)

    for line in sorted(scheme.lines, key=lambda line: line.width_px):  # thickest last: the median is on top
        draw.line(local(curves[line.sd]), fill=line.rgb, width=line.width_px * s, joint="curve")

    img.paste(plot, (round(box.left * s), round(box.top * s)))
    _label_lines(ImageDraw.Draw(img), box, [(line, curves[line.sd][-1][1]) for line in scheme.lines])


def _label_lines(draw, box: Layout, ends: list[tuple[bands.Line, float]]) -> None:
    """Each line's SD ('-3', '0', '+1') beside its right end in its own ink, nudged apart so none overlap."""
    font = _font(LABEL_PX)
    gap = LABEL_PX * 0.95
    wanted = sorted(((box.to_px(box.x_max, value)[1], line.sd, line) for line, value in ends), reverse=True)
    placed: list[tuple[float, bands.Line]] = []
    for y, _, line in wanted:  # bottom (lowest SD) first; push each label up if it would touch the one below
        if not box.top - gap / 2 <= y <= box.bottom + gap / 2:
            continue
        if placed and placed[-1][0] - y < gap:
            y = placed[-1][0] - gap
        placed.append((y, line))
    for y, line in placed:
        draw.text(((box.right + 12) * SUPERSAMPLE, y * SUPERSAMPLE), line.label, font=font, anchor="lm",
                  fill=line.rgb, stroke_width=1, stroke_fill=line.rgb)


def _tick_text(value: float, lang: str | None = None) -> str:
    text = f"{value:g}"  # 2.5 kg keeps its decimal, 10.0 cm does not
    return text.replace(".", ",") if lang == "id" else text


def _draw_axes(img, draw, box: Layout, texts: dict[str, str], lang: str) -> None:
    """Frame, tick numbers and the two axis titles (the y title turned to read bottom to top)."""
    from PIL import Image, ImageDraw

    s = SUPERSAMPLE
    # Pillow draws an outline inward from an inclusive box: grow it by half the width so the line is centred
    # on the plot's edge.
    half = FRAME_PX * s / 2
    draw.rectangle([box.left * s - half, box.top * s - half, box.right * s + half - 1, box.bottom * s + half - 1],
                   outline=FRAME_RGB, width=FRAME_PX * s)
    tick = _font(TICK_PX)
    for x in box.x_ticks():
        px = box.to_px(x, box.y_min)[0]
        draw.text((px * s, (box.bottom + 10) * s), _tick_text(x), font=tick, anchor="ma", fill=TEXT_RGB)
    for y in box.y_ticks():
        py = box.to_px(box.x_min, y)[1]
        draw.text(((box.left - 12) * s, py * s), _tick_text(y, lang), font=tick, anchor="rm", fill=TEXT_RGB)

    axis = _font(AXIS_PX)
    centre_x = (box.left + box.right) / 2
    draw.text((centre_x * s, (box.bottom + 56) * s), _plain(texts["x_axis"]), font=axis, anchor="ma",
              fill=TEXT_RGB)
    label = _plain(texts["y_axis"])
    l, t, r, b = axis.getbbox(label)
    tile = Image.new("L", (r - l + 4, b - t + 4), 0)
    ImageDraw.Draw(tile).text((2 - l, 2 - t), label, font=axis, fill=255)
    tile = tile.rotate(90, expand=True)
    cx, cy = MARGIN / 2 + 4, (box.top + box.bottom) / 2
    img.paste(TEXT_RGB, (round(cx * s - tile.width / 2), round(cy * s - tile.height / 2)), tile)


def _draw_points(draw, box: Layout, points, indicator: str) -> None:
    """The child's measurements: dots with a white ring, joined in time order."""
    s = SUPERSAMPLE
    ordered = sorted(points) if layout.is_age_based(indicator) else list(points)
    xy = [box.point_px(k, v) for k, v in ordered]
    if len(xy) > 1:
        draw.line(_scaled(xy), fill=JOIN_RGB, width=JOIN_WIDTH * s, joint="curve")
    for px, py in xy:
        for radius, colour in ((POINT_RADIUS + POINT_RING, (255, 255, 255)), (POINT_RADIUS, POINT_RGB)):
            r = radius * s  # Pillow's ellipse box is inclusive: [c - r, c + r - 1] is centred on c
            draw.ellipse([px * s - r, py * s - r, px * s + r - 1, py * s + r - 1], fill=colour)


def _draw_header(draw, box: Layout, sex: str, texts: dict[str, str]) -> None:
    """The coloured title bar: what the chart is, whose it is, and where the lines come from."""
    s = SUPERSAMPLE
    draw.rectangle([0, 0, box.width * s, HEADER_PX * s], fill=SEX_DARK[sex])
    white = (255, 255, 255)
    draw.text((MARGIN * s, 30 * s), _plain(texts["title"]), font=_font(TITLE_PX), fill=white,
              stroke_width=1, stroke_fill=white)  # the built-in font has no bold: a thin stroke stands in
    source = _plain(texts["source"])
    room = (box.width - 3 * MARGIN) * s - _font(SOURCE_PX).getlength(source)
    subtitle = _fit(_plain(texts["subtitle"]), _font(SUBTITLE_PX), room)
    draw.text((MARGIN * s, 96 * s), subtitle, font=_font(SUBTITLE_PX), fill=white)
    draw.text(((box.width - MARGIN) * s, 104 * s), source, font=_font(SOURCE_PX), anchor="ra", fill=(235, 235, 235))


def _fit(text: str, font, width_px: float) -> str:
    """The text, cut with '...' if it is wider than width_px (a long name must not run into the source note)."""
    if font.getlength(text) <= width_px:
        return text
    while text and font.getlength(text + "...") > width_px:
        text = text[:-1]
    return text.rstrip() + "..."


def _wrap(text: str, font, width_px: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > width_px:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def _draw_caption(draw, box: Layout, text: str) -> None:
    """The one sentence under the chart, wrapped to the picture's width (at most CAPTION_LINES lines)."""
    s = SUPERSAMPLE
    font = _font(CAPTION_PX)
    lines = _wrap(_plain(text), font, (box.width - 2 * MARGIN) * s)[:CAPTION_LINES]
    for n, line in enumerate(lines):
        draw.text((MARGIN * s, (CAPTION_TOP + n * CAPTION_PX * 1.25) * s), line, font=font, fill=TEXT_RGB)
