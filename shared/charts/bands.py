"""What each growth chart marks: one coloured band per Permenkes 2/2020 category and a line at each of its edges.

The single place for band edges, band colours and SD lines. Edges are imported from the classifier, never
retyped, so a band on the picture is exactly the category the chat text names (tests check it pixel by
pixel). Pure data: no drawing library, no I/O, no user text (colour words live in the message catalogue).
"""
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from shared.domain.growth import classify
from shared.domain.growth.classify import (LFA_NORMAL_UP_TO, MODERATE_BELOW, SEVERE_BELOW, WFA_NORMAL_UP_TO,
                                           WFL_NORMAL_UP_TO, WFL_OVERWEIGHT_UP_TO, WFL_RISK_UP_TO)

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Tone:
    """A band's light fill, and the strong ink of the line that opens that band (KMS spirit: green is good,
    yellow and orange warn, red is danger)."""

    fill: RGB
    ink: RGB


# Fills are light so the lines and the child's dots stay readable on top; every band of one chart has its
# own fill, so a pixel's colour names one category. Inks carry the colour words of the captions
# (chart_caption_* in shared/flows/messages.py): merah/red, kuning/yellow, oranye/orange, hijau/green,
# abu-abu/grey. Buku KIA 2020+ (reference/domain-id.md D3): BGM is below the red line, and a weight above the
# orange line is referred too.
RED = Tone(fill=(245, 185, 185), ink=(200, 40, 40))
YELLOW = Tone(fill=(255, 230, 140), ink=(205, 155, 0))  # a deep yellow ink: pure yellow vanishes on white
GREEN = Tone(fill=(205, 232, 200), ink=(20, 120, 50))
CREAM = Tone(fill=(255, 247, 208), ink=YELLOW.ink)  # light yellow: "berisiko gizi lebih", a watch band
ORANGE = Tone(fill=(255, 214, 165), ink=(225, 120, 0))  # light: on BB/U it fills everything above +1
SALMON = Tone(fill=(250, 190, 165), ink=RED.ink)  # red-ish: obesitas, kept apart from gizi buruk's red
PALE = Tone(fill=(226, 234, 242), ink=(70, 70, 70))  # tinggi: usually no problem (Permenkes footnote), no alarm

EDGE_WIDTH_PX, MEDIAN_WIDTH_PX = 4, 5  # on the final picture; the median is drawn last and thickest


@dataclass(frozen=True, slots=True)
class Band:
    """The stretch of the chart where the classifier gives `category`: from SD `low` to SD `high` (None: the
    plot's edge). Which side owns the edge itself is the classifier's business (e.g. -3.00 is moderate)."""

    category: Enum
    low: float | None
    high: float | None
    tone: Tone


@dataclass(frozen=True, slots=True)
class Line:
    """One WHO SD curve drawn on a chart, in the ink of the category it opens."""

    sd: float
    rgb: RGB
    width_px: int

    @property
    def label(self) -> str:
        """What is written at the line's right end: '0', '+1', '-3' (ASCII signs: the built-in font has them)."""
        return "0" if self.sd == 0 else f"{self.sd:+g}"


@dataclass(frozen=True, slots=True)
class Scheme:
    """Bands (bottom to top) and lines of one indicator's chart, with the classifier they mirror."""

    classify: Callable[[float], Enum]
    bands: tuple[Band, ...]
    lines: tuple[Line, ...]


def _scheme(classifier: Callable[[float], Enum], categories: type[Enum], edges: tuple[float, ...],
            tones: tuple[Tone, ...]) -> Scheme:
    """Bands between consecutive edges, one per category in the enum's (low to high) order; a line at each
    edge in the ink of the band on its side away from the median, plus the green median."""
    members = tuple(categories)
    if not len(members) == len(edges) + 1 == len(tones) or list(edges) != sorted(edges) or 0 in edges:
        raise ValueError(f"{categories.__name__}: need one tone per category and ascending non-zero edges")
    lows, highs = (None, *edges), (*edges, None)
    bands = tuple(Band(c, lo, hi, t) for c, lo, hi, t in zip(members, lows, highs, tones))
    lines = [Line(edge, (bands[n] if edge < 0 else bands[n + 1]).tone.ink, EDGE_WIDTH_PX)
             for n, edge in enumerate(edges)]
    lines.append(Line(0.0, GREEN.ink, MEDIAN_WIDTH_PX))  # WHO and KMS charts: the median is green
    return Scheme(classifier, bands, tuple(lines))


# Permenkes 2/2020 (reference/domain-id.md D1), one band per category of the index drawn.
_WFL = _scheme(classify.classify_weight_for_length, classify.WeightForLength,
               (SEVERE_BELOW, MODERATE_BELOW, WFL_NORMAL_UP_TO, WFL_RISK_UP_TO, WFL_OVERWEIGHT_UP_TO),
               (RED, YELLOW, GREEN, CREAM, ORANGE, SALMON))
SCHEMES: dict[str, Scheme] = {
    # PB/U, TB/U: sangat pendek | pendek | normal | tinggi
    "lfa": _scheme(classify.classify_length_for_age, classify.LengthForAge,
                   (SEVERE_BELOW, MODERATE_BELOW, LFA_NORMAL_UP_TO), (RED, YELLOW, GREEN, PALE)),
    # BB/U: sangat kurang (below the KMS red line: BGM) | kurang | normal | risiko berat badan lebih
    "wfa": _scheme(classify.classify_weight_for_age, classify.WeightForAge,
                   (SEVERE_BELOW, MODERATE_BELOW, WFA_NORMAL_UP_TO), (RED, YELLOW, GREEN, ORANGE)),
    # BB/PB, BB/TB: gizi buruk | gizi kurang | gizi baik | berisiko gizi lebih | gizi lebih | obesitas
    "wfl": _WFL,
    "wfh": _WFL,
}
